// Every route fed malformed input, generated (fast-check): bad and deeply nested JSON, wrong
// types, huge values, unicode oddities, truncated multipart, garbage WebSocket frames. Never a
// 500, never a stack trace, never a key; and the relay is still healthy afterwards.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { loadConfig } from '../../relay/config.ts'
import { startRelay, type RunningRelay } from '../../relay/node.ts'
import { startFakeLlm, type FakeLlm } from '../fakes/llm-upstream.ts'
import { startFakeSpeech, type FakeSpeech } from '../fakes/speech-upstream.ts'
import { startFakeTranscriber, type FakeTranscriber } from '../fakes/transcription-upstream.ts'
import { UPSTREAM_KEY } from './harness.ts'

let llm: FakeLlm
let speech: FakeSpeech
let asr: FakeTranscriber
let relay: RunningRelay

beforeAll(async () => {
  llm = await startFakeLlm({ apiKey: UPSTREAM_KEY, chunkDelayMs: 0 })
  speech = await startFakeSpeech({ apiKey: UPSTREAM_KEY })
  asr = await startFakeTranscriber({ apiKey: UPSTREAM_KEY })
  relay = await startRelay(
    loadConfig({ HOST: '127.0.0.1', PORT: '0', LLM_BASE_URL: llm.baseUrl, LLM_API_KEY: UPSTREAM_KEY, LLM_MODEL: 'fake-model', TTS_BASE_URL: speech.baseUrl, TTS_API_KEY: UPSTREAM_KEY, ASR_BASE_URL: asr.baseUrl, ASR_API_KEY: UPSTREAM_KEY, AVATAR_DEMO_BACKEND: 'mock', PARLEY_RATE_LIMIT: '0' }),
    { distDir: null, log: () => {} },
  )
})
afterAll(async () => {
  await relay.close()
  await Promise.all([llm.close(), speech.close(), asr.close()])
})

/** What every answer must be: not a server crash, no stack, no key. */
async function checked(res: Response) {
  const body = await res.text()
  expect(res.status, body.slice(0, 200)).not.toBe(500)
  expect(body).not.toMatch(/\n\s+at \S+ \(|node:internal|TypeError|ReferenceError/)
  expect(body).not.toContain(UPSTREAM_KEY)
  return { status: res.status, body }
}

const deep = (n: number): unknown => (n ? { a: [deep(n - 1)] } : 'x')
const odd = fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('\u0000', '\ud800', '\u202e', 'e\u0301', '🙂'.repeat(500), '\uFEFF{}'))
const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.record({ model: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), messages: fc.anything({ maxDepth: 3 }), stream: fc.anything({ maxDepth: 1 }) }, { requiredKeys: [] }),
  fc.record({ input: fc.oneof(odd, fc.integer(), fc.constant('x'.repeat(5000))), voice: fc.oneof(odd, fc.constant('../../etc')), response_format: odd, speed: fc.oneof(fc.double(), fc.string()) }, { requiredKeys: [] }),
  fc.constant(deep(2000)),
)

describe('fuzz', () => {
  it('JSON routes: random, wrong-typed, huge and deeply nested bodies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/api/v1/chat/completions', '/api/v1/audio/speech'), fc.oneof(jsonish.map((v) => JSON.stringify(v)), odd, fc.constant('{"messages":[')), async (path, body) => {
        const { status } = await checked(await fetch(`${relay.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }))
        expect([200, 400, 404, 413, 415, 422, 502]).toContain(status)
      }),
      { numRuns: 150 },
    )
  })

  it('transcriptions: truncated and garbage multipart', async () => {
    const boundary = 'XyZ'
    const full = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="a.wav"\r\ncontent-type: audio/wav\r\n\r\nRIFF....WAVEfmt \r\n--${boundary}--\r\n`
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: full.length }), fc.string({ unit: 'binary', maxLength: 200 }), async (cut, junk) => {
        const { status } = await checked(await fetch(`${relay.url}/api/v1/audio/transcriptions`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body: full.slice(0, cut) + junk }))
        expect(status).toBeLessThan(500)
      }),
      { numRuns: 80 },
    )
  })

  it('unknown paths, methods and headers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.webPath(), fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'), fc.string({ maxLength: 50 }), async (path, method, ct) => {
        const res = await fetch(`${relay.url}/api/${path.replace(/^\//, '')}`, { method, headers: { 'content-type': ct.replace(/[^\x20-\x7e]/g, '') }, body: method === 'GET' ? undefined : 'x' })
        await checked(res)
      }),
      { numRuns: 100 },
    )
  })

  it('the avatar socket: garbage text and binary frames are answered with errors, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(odd, jsonish.map((v) => JSON.stringify(v)), fc.uint8Array({ maxLength: 6000 })), { minLength: 1, maxLength: 8 }), async (frames) => {
        const ws = new WebSocket(`${relay.url.replace('http', 'ws')}/api/v1/avatar/demo`, ['parley'])
        const got: string[] = []
        await new Promise<void>((r, j) => (ws.once('open', () => r()), ws.once('error', j)))
        ws.on('message', (d: Buffer, binary) => !binary && got.push(d.toString()))
        for (const f of frames) ws.send(f)
        ws.send(JSON.stringify({ type: 'ping' }))
        await new Promise<void>((r) => {
          const done = () => r()
          ws.on('message', (d: Buffer, binary) => !binary && d.toString().includes('pong') && done())
          ws.on('close', done)
          setTimeout(done, 2000)
        })
        ws.close()
        for (const m of got) expect(JSON.parse(m).type).toMatch(/^(error|pong|session\.\w+|metrics)$/)
        expect(got.join('')).not.toContain(UPSTREAM_KEY)
      }),
      { numRuns: 40 },
    )
  })

  it('an oversize WebSocket frame closes that socket (1009) and nothing else', async () => {
    const ws = new WebSocket(`${relay.url.replace('http', 'ws')}/api/v1/avatar/demo`, ['parley'])
    await new Promise<void>((r) => ws.once('open', () => r()))
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)))
    ws.send(Buffer.alloc(7 * 1024 * 1024))
    expect(await closed).toBe(1009)
    expect((await fetch(`${relay.url}/api/health`)).status).toBe(200)
  })

  it('is still healthy after all of it', async () => {
    expect(await (await fetch(`${relay.url}/api/health`)).json()).toMatchObject({ ok: true })
  })
})
