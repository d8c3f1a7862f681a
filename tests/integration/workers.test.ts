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

const script = { modules: true, scriptPath: 'build/worker.mjs', compatibilityDate: '2025-09-01' }

/** One relay Worker as wrangler.toml declares it: with its RATE_LIMITS Durable Object. */
async function worker(bindings: Record<string, string>): Promise<string> {
  const mf = new Miniflare({ ...script, bindings, durableObjects: { RATE_LIMITS: 'RateCounter' }, cf: false, host: '127.0.0.1', port: 0 })
  workers.push(mf)
  return String(await mf.ready).replace(/\/$/, '')
}

/** Two instances of the relay that share one RateCounter namespace, as a deployment's do. */
async function twoInstances(bindings: Record<string, string>) {
  const mf = new Miniflare({
    cf: false,
    workers: [
      { name: 'a', ...script, bindings, durableObjects: { RATE_LIMITS: 'RateCounter' } },
      { name: 'b', ...script, bindings, durableObjects: { RATE_LIMITS: { className: 'RateCounter', scriptName: 'a' } } },
    ],
  })
  workers.push(mf)
  await mf.ready
  // Both see the same client (as Cloudflare's edge tells each instance who is calling).
  let sent = 0
  const as = (fetcher: Awaited<ReturnType<Miniflare['getWorker']>>) => (path: string, init: RequestInit = {}) => {
    sent++
    return fetcher.fetch(`http://relay${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), 'cf-connecting-ip': '203.0.113.7' } } as never) as unknown as Promise<Response>
  }
  return { a: as(await mf.getWorker('a')), b: as(await mf.getWorker('b')), sent: () => sent }
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

  it('counts a client once across instances: requests per minute and streams at once (Durable Object)', async () => {
    const { a, b, sent } = await twoInstances({ LLM_BASE_URL: llm.baseUrl, LLM_API_KEY: UPSTREAM_KEY, LLM_MODEL: 'fake-model', PARLEY_RATE_LIMIT: '4', PARLEY_MAX_STREAMS: '1' })
    // One stream open through instance a holds the client's only slot on b too.
    await llm.next({ kind: 'reply', chunkDelayMs: 100 })
    const held = await a('/api/v1/chat/completions', chatBody({ stream: true }))
    expect(held.status).toBe(200)
    const busy = await b('/api/v1/chat/completions', chatBody({ stream: true }))
    expect(busy.status).toBe(429)
    expect((await busy.json()).error.code).toBe('too_many_streams')
    // When it ends, the slot comes back (released after the response, kept alive by waitUntil).
    await held.text()
    let again: Response | undefined
    for (let i = 0; i < 20 && again?.status !== 200; i++) {
      if (i) await new Promise((r) => setTimeout(r, 50))
      again = await b('/api/v1/chat/completions', chatBody({ stream: true }))
      await again.text()
    }
    expect(again!.status).toBe(200)
    // The minute's allowance (4) is spent across both instances, whichever a request reaches.
    let limited: Response | undefined
    while (sent() < 4) expect((await (sent() % 2 ? a : b)('/api/v1/chat/completions', chatBody())).status).toBe(200)
    limited = await a('/api/v1/chat/completions', chatBody())
    expect(limited.status).toBe(429)
    expect((await limited.json()).error.code).toBe('rate_limited')
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('frees a stream slot whose holder never released it once its lease runs out, and forgets idle clients', async () => {
    const mf = new Miniflare({ ...script, durableObjects: { RATE_LIMITS: 'RateCounter' }, cf: false })
    workers.push(mf)
    const ns = await mf.getDurableObjectNamespace('RATE_LIMITS')
    const counter = ns.get(ns.idFromName('198.51.100.1'))
    const call = async (op: string) => (await counter.fetch(`https://rate-counter/${op}`, { method: 'POST' })).json() as Promise<Record<string, unknown>>
    expect(await call('acquire?max=1&leaseMs=300')).toEqual({ ok: true })
    expect(await call('acquire?max=1&leaseMs=300')).toEqual({ ok: false })
    await new Promise((r) => setTimeout(r, 400))
    expect(await call('acquire?max=1&leaseMs=300')).toEqual({ ok: true })
    expect(await call('hit?windowMs=200')).toEqual({ count: 1, resetInMs: 200 })
    expect((await call('hit?windowMs=200')).count).toBe(2)
    await new Promise((r) => setTimeout(r, 400))
    // Both ran out: the object's alarm emptied its storage, and a new window starts at 1.
    expect(await (await counter.fetch('https://rate-counter/stored', { method: 'POST' })).json()).toEqual({ stored: false })
    expect((await call('hit?windowMs=200')).count).toBe(1)
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
