// The same relay on Cloudflare Workers' runtime (workerd, through Miniflare, offline): relay/worker.ts
// bundled as wrangler would, against the same fake upstreams — chat streaming, speech, errors,
// access token and limits behave as on Node.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Miniflare } from 'miniflare'
import { build } from 'rolldown'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeLlm, type FakeLlm } from '../fakes/llm-upstream.ts'
import { startMcpServer } from '../fakes/mcp-server.ts'
import { startFakeOmniRt, type FakeOmniRt } from '../fakes/omnirt-upstream.ts'
import { startFakeRealtime } from '../fakes/realtime-upstream.ts'
import { solidJpeg } from '../fakes/solid-jpeg.ts'
import { startFakeSpeech, type FakeSpeech } from '../fakes/speech-upstream.ts'
import { avatarSocket } from './avatar-socket.ts'
// @ts-expect-error: a plain .mjs build script, no types
import { prepareWorkerAssets } from '../../scripts/worker-assets.mjs'
import { chatBody, readChunks, UPSTREAM_KEY } from './harness.ts'

let llm: FakeLlm
let speech: FakeSpeech
const workers: Miniflare[] = []

/** What Miniflare hands out for a worker or a Durable Object (workers-types are not loaded here). */
interface Fetcher {
  fetch(url: string, init?: RequestInit): Promise<Response>
}

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
  const as = (fetcher: unknown) => (path: string, init: RequestInit = {}) => {
    sent++
    return (fetcher as Fetcher).fetch(`http://relay${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), 'cf-connecting-ip': '203.0.113.7' } })
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

  it('frees a stream slot whose holder never released it once its lease runs out (a late release frees only its own), and forgets idle clients', async () => {
    const mf = new Miniflare({ ...script, durableObjects: { RATE_LIMITS: 'RateCounter' }, cf: false })
    workers.push(mf)
    const ns = (await mf.getDurableObjectNamespace('RATE_LIMITS')) as unknown as { idFromName(n: string): unknown; get(id: unknown): Fetcher }
    const counter = ns.get(ns.idFromName('198.51.100.1'))
    const call = async (op: string) => (await counter.fetch(`https://rate-counter/${op}`, { method: 'POST' })).json() as Promise<Record<string, unknown>>
    const lost = (await call('acquire?max=1&leaseMs=300')).slot as string
    expect(lost).toEqual(expect.any(String))
    expect(await call('acquire?max=1&leaseMs=300')).toEqual({ slot: null })
    await new Promise((r) => setTimeout(r, 400))
    const next = (await call('acquire?max=1&leaseMs=300')).slot as string
    expect(next).toEqual(expect.any(String))
    // The first holder speaks up after its lease ran out: the second's slot stays taken.
    await call(`release?slot=${lost}`)
    expect(await call('acquire?max=1&leaseMs=300')).toEqual({ slot: null })
    await call(`release?slot=${next}`)
    expect((await call('acquire?max=1&leaseMs=300')).slot).toEqual(expect.any(String))
    await new Promise((r) => setTimeout(r, 400))
    expect(await call('hit?windowMs=200')).toEqual({ count: 1, resetInMs: 200 })
    expect((await call('hit?windowMs=200')).count).toBe(2)
    await new Promise((r) => setTimeout(r, 400))
    // Both ran out: the object's alarm emptied its storage, and a new window starts at 1.
    expect(await (await counter.fetch('https://rate-counter/stored', { method: 'POST' })).json()).toEqual({ stored: false })
    expect((await call('hit?windowMs=200')).count).toBe(1)
  })

  describe('avatar sessions (WS /api/v1/avatar/:model)', () => {
    const KEY = 'omnirt-key-w-5d1c'
    const IMAGE = Buffer.from(solidJpeg(64, 48, 150, 12)).toString('base64')
    const create = { type: 'session.create', inputs: { image_b64: IMAGE, prompt: 'a face', ref_frame_dir: '/srv/secret' }, config: { seed: 3 } }
    let omnirt: FakeOmniRt
    let compat: FakeOmniRt
    let relayWs = ''
    beforeAll(async () => {
      omnirt = await startFakeOmniRt({ apiKey: KEY, serving: { quicktalk: 'runtime' }, chunkSamples: 2560, frames: 'chunk' })
      compat = await startFakeOmniRt({ chunkSamples: 3200, omitChunkSamples: true, frames: 'chunk', lookahead: 1 })
      const url = await worker({ OMNIRT_ENDPOINT: omnirt.url, OMNIRT_API_KEY: KEY, AVATAR_QUICKTALK_BACKEND: 'omnirt', AVATAR_WAV2LIP_WS_URL: `${compat.url.replace('http', 'ws')}/v1/audio2video/wav2lip`, AVATAR_DEMO_BACKEND: 'mock', PARLEY_ACCESS_TOKEN: 'tok-av', PARLEY_MAX_STREAMS: '1' })
      relayWs = `${url.replace('http', 'ws')}/api/v1/avatar`
    })
    afterAll(async () => {
      await omnirt.close()
      await compat.close()
    })
    const open = (model: string) => avatarSocket(`${relayWs}/${model}`, { protocols: ['parley', 'parley-token.tok-av'] })

    it('bridges OmniRT’s native protocol with the relay’s key, forwarding only known fields', async () => {
      const s = await open('quicktalk')
      expect(s.ws.protocol).toBe('parley')
      s.send(create)
      expect(await s.waitFor('session.created')).toMatchObject({ audio: { chunk_samples: 2560 } })
      const upstream = omnirt.sessions.at(-1)!
      expect(upstream.headers.authorization).toBe(`Bearer ${KEY}`)
      expect(upstream.messages[0]).toEqual({ type: 'session.create', model: 'quicktalk', backend: 'auto', inputs: { image_b64: IMAGE, prompt: 'a face' }, config: { seed: 3 } })
      s.audio(2560)
      s.audio(2560)
      await s.until(() => s.videos().length === 2)
      expect(s.videos().map((v) => v.frames)).toEqual([0, 4])
      s.audio(100)
      await s.until(() => s.texts().some((m) => m.code === 'bad_audio_chunk'))
      s.send({ type: 'session.cancel' })
      expect(await s.waitFor('session.cancelled')).toBeTruthy()
      s.close()
    })

    it('a barge-in re-creates the OmniRT session on the same socket, the next answer has frames, and closing waits for session.closed', async () => {
      const s = await open('quicktalk')
      s.send(create)
      await s.waitFor('session.created')
      const upstream = omnirt.sessions.at(-1)!
      for (let reply = 0; reply < 2; reply++) {
        s.audio(2560)
        s.audio(2560)
        await s.until(() => s.videos().length === 2 * (reply + 1))
        if (reply === 0) {
          s.send({ type: 'session.cancel' })
          await s.waitFor('session.cancelled')
        }
      }
      expect(s.videos().map((v) => v.frames)).toEqual([0, 4, 0, 4])
      expect(s.texts().filter((m) => m.type === 'metrics').map((m) => m.chunk_index)).toEqual([1, 2, 1, 2])
      expect(upstream.created).toHaveLength(2)
      s.send({ type: 'session.close' })
      await s.waitFor('session.closed')
      await s.until(() => upstream.closed)
      expect(upstream.messages.at(-1)).toMatchObject({ type: 'session.close' })
      expect(upstream.tracebacks).toEqual([])
      await s.until(() => Boolean(s.closed()))
    })

    it('a session outlives the backend handshake’s 5 s deadline', async () => {
      const s = await open('quicktalk')
      s.send(create)
      await s.waitFor('session.created')
      await new Promise((r) => setTimeout(r, 5500))
      s.audio(2560)
      s.audio(2560)
      await s.until(() => s.videos().length === 2)
      expect(s.texts().some((m) => m.type === 'error')).toBe(false)
      s.close()
    }, 15_000)

    it('keeps a compat server in lock-step, and the mock pulses with the voice', async () => {
      const s = await open('wav2lip')
      s.send(create)
      expect(await s.waitFor('session.created')).toMatchObject({ audio: { chunk_samples: 3200 } })
      for (let i = 0; i < 3; i++) s.audio(3200)
      await s.until(() => s.videos().length === 3)
      s.close()
      await s.until(() => Boolean(s.closed()))
      const mock = await open('demo')
      mock.send(create)
      const created = await mock.waitFor('session.created')
      mock.audio(created!.audio.chunk_samples, 0.8)
      await mock.until(() => mock.videos().some((v) => v.frames > 0))
      mock.close()
    })

    it('refuses without the token (401), an unknown model (404), and a second session beyond the client’s slots (429)', async () => {
      await expect(avatarSocket(`${relayWs}/quicktalk`)).rejects.toMatchObject({ status: 401 })
      await expect(open('nope')).rejects.toMatchObject({ status: 404 })
      const first = await open('demo')
      const second = open('demo')
      await expect(second).rejects.toMatchObject({ status: 429 })
      first.close()
      await first.until(() => Boolean(first.closed()))
      // Its slot comes back when it closes.
      let again: Awaited<ReturnType<typeof open>> | undefined
      for (let i = 0; i < 20 && !again; i++) again = await open('demo').catch(() => new Promise<undefined>((r) => setTimeout(r, 50)))
      expect(again).toBeTruthy()
      again!.close()
    })

    it('answers garbage with errors and closes on an oversize message, and keeps serving', async () => {
      const s = await open('demo')
      s.send('not json')
      s.ws.send('{"type":"session.create","inputs":{"image_b64":42}}')
      s.ws.send(Buffer.from([1, 2, 3]))
      await s.until(() => s.texts().filter((m) => m.type === 'error').length === 3)
      expect(s.texts().every((m) => typeof m.message === 'string' && !m.message.includes(KEY))).toBe(true)
      // A large message within the relay's limit (a big reference image) gets through workerd.
      s.ws.send(Buffer.alloc(3 * 1024 * 1024))
      await s.until(() => s.texts().filter((m) => m.type === 'error').length === 4)
      expect(s.closed()).toBeUndefined()
      s.ws.send(Buffer.alloc(7 * 1024 * 1024))
      await s.until(() => Boolean(s.closed()), 5000)
      expect(s.closed()!.code).toBe(1009)
      const next = await open('demo')
      next.send(create)
      expect(await next.waitFor('session.created')).toBeTruthy()
      next.close()
    })

    it('a backend that drops the connection becomes a clear error and a closed session', async () => {
      omnirt.set({ kind: 'drop', afterChunks: 1 })
      const s = await open('quicktalk')
      s.send(create)
      await s.waitFor('session.created')
      s.audio(2560)
      s.audio(2560)
      expect(await s.waitFor('error')).toMatchObject({ code: 'backend_closed' })
      await s.until(() => Boolean(s.closed()))
      omnirt.reset()
    })
  })

  it('proxies a Realtime session (WS /api/v1/realtime): the token as a browser client offers a key, the server key upstream, a beta upstream in GA names', async () => {
    for (const dialect of ['ga', 'beta'] as const) {
      const fake = await startFakeRealtime({ apiKey: UPSTREAM_KEY, dialect, answer: { text: 'Hi from workerd.', audioMs: 300 } })
      try {
        const url = await worker({ REALTIME_URL: fake.url, REALTIME_API_KEY: UPSTREAM_KEY, PARLEY_ACCESS_TOKEN: 'tok-rt' })
        const c = await avatarSocket(`${url.replace('http', 'ws')}/api/v1/realtime?model=gpt-realtime`, { protocols: ['realtime', 'openai-insecure-api-key.tok-rt'] })
        expect(c.ws.protocol).toBe('realtime')
        await c.waitFor('session.created')
        c.send({ type: 'bogus.event' })
        expect(await c.waitFor('error')).toMatchObject({ error: { code: 'unknown_event_type' } })
        c.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] } })
        c.send({ type: 'response.create' })
        await c.waitFor('response.done')
        expect(c.texts().some((m) => m.type === 'response.output_audio.delta')).toBe(true)
        expect(fake.sessions.at(-1)!.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`)
        expect(fake.sessions.at(-1)!.events.map((e) => e.type)).not.toContain('bogus.event')
        c.close()
      } finally {
        await fake.close()
      }
    }
  })

  it('lists and calls the operator’s MCP tools (the SDK’s client over the Worker’s fetch), one session across requests, its credentials kept', async () => {
    const auth = 'Bearer mcp-worker-secret-51f0'
    const mcp = await startMcpServer({ authorization: auth, pageSize: 2 })
    try {
      const url = await worker({ PARLEY_MCP_SERVERS: JSON.stringify([{ name: 'orders', url: mcp.url, headers: { Authorization: auth }, tools: ['lookup_order', 'fail', 'slow'] }]) })
      expect((await (await fetch(`${url}/api/config`)).json()).tools).toEqual({ available: true })
      const listing = await fetch(`${url}/api/v1/tools`)
      const text = await listing.text()
      expect(JSON.parse(text)).toMatchObject({ tools: [{ server: 'orders', name: 'lookup_order' }, { name: 'slow' }, { name: 'fail' }], servers: [{ name: 'orders', connected: true }] })
      expect(text).not.toContain('mcp-worker-secret')
      const call = (tool: string, args: object) => fetch(`${url}/api/v1/tools/orders/${tool}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ arguments: args }) })
      // Each call its own request; the session opened by the listing serves them all.
      for (const id of ['4411', '4412']) {
        const res = await call('lookup_order', { order: id })
        expect(res.status).toBe(200)
        expect(await res.json()).toEqual({ text: `Order ${id} shipped on 2026-11-28 by parcel.`, isError: false, content: [{ type: 'text', text: `Order ${id} shipped on 2026-11-28 by parcel.` }] })
      }
      expect(await (await call('fail', {})).json()).toMatchObject({ isError: true })
      expect((await call('secret_tool', {})).status).toBe(404)
      expect(mcp.sessions.opened).toBe(1)
      expect(mcp.requests.every((q) => q.headers.authorization === auth)).toBe(true)
      expect(mcp.requests.filter((q) => q.method === 'GET')).toEqual([])
    } finally {
      await mcp.close()
    }
  })

  it('serves the app from ASSETS, files too large for Workers from their gzipped copy', async () => {
    const dist = mkdtempSync(join(tmpdir(), 'parley-dist-'))
    mkdirSync(join(dist, 'vendor'))
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Parley</title>')
    const wasm = Buffer.alloc(4096, 7)
    wasm.set([0, 0x61, 0x73, 0x6d])
    writeFileSync(join(dist, 'vendor', 'big.wasm'), wasm)
    const out = mkdtempSync(join(tmpdir(), 'parley-worker-assets-'))
    // The same rule as for the real 25 MiB limit, at 1 KiB.
    expect(prepareWorkerAssets(dist, out, 1024)).toEqual([{ name: join('vendor', 'big.wasm'), bytes: expect.any(Number) }])
    const mf = new Miniflare({ ...script, cf: false, host: '127.0.0.1', port: 0, assets: { directory: out, binding: 'ASSETS', routerConfig: { has_user_worker: true, invoke_user_worker_ahead_of_assets: true } } })
    workers.push(mf)
    const url = String(await mf.ready).replace(/\/$/, '')
    const file = await fetch(`${url}/vendor/big.wasm`)
    expect(file.status).toBe(200)
    expect(file.headers.get('content-type')).toBe('application/wasm')
    expect(file.headers.get('content-encoding')).toBe('gzip')
    expect(Buffer.from(await file.arrayBuffer()).equals(wasm)).toBe(true)
    // A browser revalidating its cached copy is told it is still good, not that it is gone.
    const etag = file.headers.get('etag')
    expect(etag).toBeTruthy()
    expect((await fetch(`${url}/vendor/big.wasm`, { headers: { 'if-none-match': etag! } })).status).toBe(304)
    const page = await fetch(`${url}/some/page`)
    expect(await page.text()).toContain('<title>Parley</title>')
    expect(page.headers.get('content-security-policy')).toBeTruthy()
    expect((await fetch(`${url}/vendor/missing.wasm`)).status).toBe(404)
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
