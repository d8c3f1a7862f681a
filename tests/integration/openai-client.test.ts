import OpenAI from 'openai'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startStack, type Stack } from './harness.ts'

let stack: Stack
beforeAll(async () => {
  stack = await startStack()
})
afterAll(() => stack.close())

// Proof that an ordinary OpenAI client works against Parley's relay with baseURL <relay>/api/v1.
it('the official openai client streams a completion through the relay', async () => {
  const client = new OpenAI({ baseURL: `${stack.relay.url}/api/v1`, apiKey: 'not-the-upstream-key' })
  stack.fake.next({ kind: 'reply', text: 'Streaming through Parley works.', chunkDelayMs: 10 })
  const stream = await client.chat.completions.create({
    model: 'fake-model',
    messages: [{ role: 'user', content: 'Does it work?' }],
    stream: true,
  })
  const deltas: string[] = []
  for await (const chunk of stream) deltas.push(chunk.choices[0]?.delta?.content ?? '')
  expect(deltas.filter(Boolean).length).toBeGreaterThan(2)
  expect(deltas.join('')).toBe('Streaming through Parley works.')
})

it('the openai client sees relay errors as typed API errors', async () => {
  const client = new OpenAI({ baseURL: `${stack.relay.url}/api/v1`, apiKey: 'x', maxRetries: 0 })
  const err = await client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e)
  expect(err).toBeInstanceOf(OpenAI.NotFoundError)
  expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found')
})

it('a mid-stream failure reaches the openai client as an error, not a silent end', async () => {
  const client = new OpenAI({ baseURL: `${stack.relay.url}/api/v1`, apiKey: 'x', maxRetries: 0 })
  stack.fake.next({ kind: 'drop', afterChunks: 2 })
  const stream = await client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }], stream: true })
  const run = async () => {
    for await (const _ of stream) {
      // drain
    }
  }
  await expect(run()).rejects.toThrow(/broke off/)
})
