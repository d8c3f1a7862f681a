// The same relay on Cloudflare Workers' runtime (workerd, through Miniflare, offline): relay/worker.ts
// bundled as wrangler would, against the same fake upstreams — chat streaming, speech, errors,
// access token and limits behave as on Node.
import { Miniflare } from 'miniflare'
import { build } from 'rolldown'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeLlm, type FakeLlm } from '../fakes/llm-upstream.ts'
import { startFakeSpeech, type FakeSpeech } from '../fakes/speech-upstream.ts'
import { chatBody, readChunks, UPSTREAM_KEY } from './harness.ts'

let llm: FakeLlm
let speech: FakeSpeech
const workers: Miniflare[] = []

async function worker(bindings: Record<string, string>): Promise<string> {
  const mf = new Miniflare({ modules: true, scriptPath: 'build/worker.mjs', compatibilityDate: '2025-09-01', bindings, cf: false, host: '127.0.0.1', port: 0 })
  workers.push(mf)
  return String(await mf.ready).replace(/\/$/, '')
}

let base = ''
beforeAll(async () => {
  await build({ cwd: process.cwd(), input: 'relay/worker.ts', platform: 'browser', logLevel: 'warn', output: { file: 'build/worker.mjs', format: 'esm' } })
  llm = await startFakeLlm({ apiKey: UPSTREAM_KEY, chunkDelayMs: 15 })
  speech = await startFakeSpeech({ apiKey: UPSTREAM_KEY })
  base = await worker({ LLM_BASE_URL: llm.baseUrl, LLM_API_KEY: UPSTREAM_KEY, LLM_MODEL: 'fake-model', TTS_BASE_URL: speech.baseUrl, TTS_API_KEY: UPSTREAM_KEY })
}, 60_000)
afterAll(async () => {
  await Promise.all(workers.map((w) => w.dispose()))
  await llm.close()
  await speech.close()
})

describe('relay on workerd', () => {
  it('streams a chat answer chunk by chunk as the upstream writes it', async () => {
    const res = await fetch(`${base}/api/v1/chat/completions`, chatBody({ stream: true }))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    const { text, times } = await readChunks(res)
    expect(text).toContain('data: [DONE]')
    // Several network chunks spread over time, not one buffered body.
    expect(times.length).toBeGreaterThan(3)
    expect(times.at(-1)! - times[0]!).toBeGreaterThan(30)
  })

  it('answers non-streaming chat, health and config, without the key', async () => {
    const res = await fetch(`${base}/api/v1/chat/completions`, chatBody())
    expect(res.status).toBe(200)
    expect((await res.json()).choices[0].message.content).toBeTruthy()
    expect((await fetch(`${base}/api/health`)).status).toBe(200)
    const config = await (await fetch(`${base}/api/config`)).text()
    expect(JSON.parse(config).llm.available).toBe(true)
    expect(config).not.toContain(UPSTREAM_KEY)
  })

  it('streams speech from the provider', async () => {
    const res = await fetch(`${base}/api/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: 'Hello there.', response_format: 'pcm' }) })
    expect(res.status).toBe(200)
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000)
  })

  it('maps errors the same way: bad JSON 400, unknown model 404, upstream failure 502 with no key', async () => {
    const bad = await fetch(`${base}/api/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"messages":' })
    expect(bad.status).toBe(400)
    expect((await fetch(`${base}/api/v1/chat/completions`, chatBody({ model: 'nope' }))).status).toBe(404)
    await llm.next({ kind: 'status', status: 500 })
    const failed = await fetch(`${base}/api/v1/chat/completions`, chatBody())
    expect(failed.status).toBe(502)
    expect(await failed.text()).not.toContain(UPSTREAM_KEY)
  })

  it('requires the access token, and limits requests per client', async () => {
    const guarded = await worker({ LLM_BASE_URL: llm.baseUrl, LLM_API_KEY: UPSTREAM_KEY, LLM_MODEL: 'fake-model', PARLEY_ACCESS_TOKEN: 'tok-w', PARLEY_RATE_LIMIT: '2' })
    expect((await fetch(`${guarded}/api/v1/chat/completions`, chatBody())).status).toBe(401)
    const auth = (init: RequestInit) => ({ ...init, headers: { ...(init.headers as Record<string, string>), authorization: 'Bearer tok-w' } })
    expect((await fetch(`${guarded}/api/v1/chat/completions`, auth(chatBody()))).status).toBe(200)
    expect((await fetch(`${guarded}/api/v1/chat/completions`, auth(chatBody()))).status).toBe(200)
    const limited = await fetch(`${guarded}/api/v1/chat/completions`, auth(chatBody()))
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBeTruthy()
  })

  it('says which variable is wrong when the configuration is bad, without its value', async () => {
    const broken = await worker({ LLM_BASE_URL: 'not a url', LLM_API_KEY: 'sk-secret-value-123' })
    const res = await fetch(`${broken}/api/health`)
    expect(res.status).toBe(500)
    const body = await res.text()
    expect(body).toContain('LLM_BASE_URL')
    expect(body).not.toContain('sk-secret-value-123')
  })
})
