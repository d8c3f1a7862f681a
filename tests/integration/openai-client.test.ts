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

it('tools pass through, and streamed tool calls reach the openai client delta by delta, as from OpenAI', async () => {
  const client = new OpenAI({ baseURL: `${stack.relay.url}/api/v1`, apiKey: 'x', maxRetries: 0 })
  stack.fake.reset()
  stack.fake.next({ kind: 'tool-calls', chunkDelayMs: 5, calls: [{ name: 'set_expression', arguments: '{"expression":"happy","intensity":0.8}' }, { name: 'get_time', arguments: '{}' }] })
  const tools = [
    { type: 'function' as const, function: { name: 'set_expression', description: 'Show an expression on the face', parameters: { type: 'object', properties: { expression: { type: 'string' }, intensity: { type: 'number' } }, required: ['expression'] } } },
    { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
  ]
  const stream = await client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'Smile!' }], tools, tool_choice: 'auto', parallel_tool_calls: true, stream: true })
  const calls: { name: string; arguments: string }[] = []
  let finish: string | null | undefined
  let deltas = 0
  for await (const chunk of stream) {
    const choice = chunk.choices[0]
    finish = choice?.finish_reason ?? finish
    for (const t of choice?.delta?.tool_calls ?? []) {
      deltas++
      calls[t.index] ??= { name: '', arguments: '' }
      calls[t.index]!.name += t.function?.name ?? ''
      calls[t.index]!.arguments += t.function?.arguments ?? ''
    }
  }
  expect(calls).toEqual([{ name: 'set_expression', arguments: '{"expression":"happy","intensity":0.8}' }, { name: 'get_time', arguments: '{}' }])
  expect(deltas).toBeGreaterThan(4) // fragments, not one lump
  expect(finish).toBe('tool_calls')
  // The definitions reached the model as sent.
  const sent = stack.fake.requests.at(-1)!.body!
  expect(sent).toMatchObject({ tools, tool_choice: 'auto', parallel_tool_calls: true })
})

it('malformed tools are refused with a 400 naming the field; a model that cannot call tools is said plainly', async () => {
  const client = new OpenAI({ baseURL: `${stack.relay.url}/api/v1`, apiKey: 'x', maxRetries: 0 })
  const ask = (body: Record<string, unknown>) =>
    client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }], ...body } as never).then(
      () => {
        throw new Error('expected the relay to refuse this request')
      },
      (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
    )
  const badName = await ask({ tools: [{ type: 'function', function: { name: 'set expression!' } }] })
  expect(badName).toBeInstanceOf(OpenAI.BadRequestError)
  expect(badName.message).toMatch(/tools\.0\.function\.name: expected 1–64 letters/)
  const badType = await ask({ tools: [{ type: 'retrieval', function: { name: 'x' } }] })
  expect(badType.message).toMatch(/tools\.0\.type: expected "function"/)
  const badSchema = await ask({ tools: [{ type: 'function', function: { name: 'x', parameters: 'an object please' } }] })
  expect(badSchema.message).toMatch(/tools\.0\.function\.parameters: expected a JSON Schema object/)
  const tooBig = await ask({ tools: Array.from({ length: 20 }, (_, i) => ({ type: 'function', function: { name: `t${i}`, description: 'x'.repeat(4000) } })) })
  expect(tooBig.message).toMatch(/at most 64 KiB/)
  const badChoice = await ask({ tools: [{ type: 'function', function: { name: 'x' } }], tool_choice: 'sometimes' })
  expect(badChoice.message).toMatch(/tool_choice: expected "none", "auto", "required"/)

  // Ollama's words for a model without tool support.
  stack.fake.next({ kind: 'status', status: 400, body: { error: { message: 'registry.ollama.ai/library/gemma:2b does not support tools' } } })
  const refused = await ask({ tools: [{ type: 'function', function: { name: 'get_time' } }] })
  expect(refused).toBeInstanceOf(OpenAI.BadRequestError)
  expect(refused.code).toBe('tools_not_supported')
  expect(refused.message).toMatch(/cannot call tools .*does not support tools.*Ask without tools/)
  // vLLM's words when it serves a model without a tool parser; and OpenAI's refusal of one bad schema, which is not that.
  stack.fake.next({ kind: 'status', status: 400, body: { error: { message: '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set' } } })
  expect((await ask({ tools: [{ type: 'function', function: { name: 'get_time' } }] })).code).toBe('tools_not_supported')
  stack.fake.next({ kind: 'status', status: 400, body: { error: { message: "Invalid schema for function 'lookup': In context=(), 'required' is required to be supplied (tools[3].function.parameters)" } } })
  expect((await ask({ tools: [{ type: 'function', function: { name: 'lookup' } }] })).code).not.toBe('tools_not_supported')
})
