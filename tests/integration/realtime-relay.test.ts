// WS /api/v1/realtime: the relay in front of the strict fake Realtime server (GA and beta
// dialects), every rule checked from the client's side and from what the upstream saw.
import { createServer } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig, type Env } from '../../relay/config.ts'
import type { RealtimeLimits } from '../../relay/realtime/session.ts'
import { startRelay, type RunningRelay } from '../../relay/node.ts'
import { startFakeRealtime, type FakeRealtime, type FakeRealtimeOptions } from '../fakes/realtime-upstream.ts'
import { avatarSocket as openSocket } from './avatar-socket.ts'
import { UPSTREAM_KEY } from './harness.ts'

const TOKEN = 'tok-realtime-3b1e'
let fake: FakeRealtime
let relay: RunningRelay
let entries: Record<string, unknown>[] = []

async function start(options: { fake?: FakeRealtimeOptions; env?: Env; limits?: Partial<RealtimeLimits> } = {}) {
  fake = await startFakeRealtime({ apiKey: UPSTREAM_KEY, answer: { text: 'Hello from the model.', audioMs: 600 }, transcript: 'Hi there', pace: 'instant', ...options.fake })
  entries = []
  relay = await startRelay(
    loadConfig({ HOST: '127.0.0.1', PORT: '0', REALTIME_URL: fake.url, REALTIME_API_KEY: UPSTREAM_KEY, REALTIME_MODELS: 'gpt-realtime,gpt-realtime-mini', PARLEY_ACCESS_TOKEN: TOKEN, ...options.env }),
    { distDir: null, log: (e) => entries.push(e), realtimeLimits: options.limits },
  )
}
async function stop() {
  await relay?.close()
  await fake?.close()
}

const wsUrl = (query = '?model=gpt-realtime') => `${relay.url.replace('http', 'ws')}/api/v1/realtime${query}`
const open = (query?: string, protocols = ['realtime', `openai-insecure-api-key.${TOKEN}`]) => openSocket(wsUrl(query), { protocols })
const tone = (ms: number, rate = 24000) => {
  const b = Buffer.alloc(Math.round((rate * ms) / 1000) * 2)
  for (let i = 0; i < b.length / 2; i++) b.writeInt16LE(Math.round(Math.sin(i / 4) * 12000), i * 2)
  return b.toString('base64')
}
const errors = (c: Awaited<ReturnType<typeof open>>) => c.texts().filter((m) => m.type === 'error')

describe('the Realtime route (GA upstream)', () => {
  beforeAll(() => start())
  afterAll(stop)

  it('says in /api/config which Realtime models there are, and nothing of the upstream', async () => {
    const text = await (await fetch(`${relay.url}/api/config`)).text()
    expect(JSON.parse(text).realtime).toEqual({ available: true, models: ['gpt-realtime', 'gpt-realtime-mini'], default: 'gpt-realtime' })
    expect(text).not.toContain(UPSTREAM_KEY)
    expect(text).not.toContain(fake.url)
  })

  it('takes the access token the ways official clients give a key, echoes `realtime`, and sends the upstream only its own key', async () => {
    const browser = await open()
    expect(browser.ws.protocol).toBe('realtime')
    await browser.waitFor('session.created')
    browser.close()
    const bearer = new (await import('ws')).WebSocket(wsUrl(), { headers: { authorization: `Bearer ${TOKEN}` } })
    await new Promise((resolve, reject) => (bearer.once('message', resolve), bearer.once('error', reject)))
    bearer.close()
    const parley = await open(undefined, ['realtime', `parley-token.${TOKEN}`])
    await parley.waitFor('session.created')
    parley.close()
    const seen = fake.sessions.map((s) => s.headers)
    expect(seen.length).toBeGreaterThanOrEqual(3)
    for (const h of seen) {
      expect(h.authorization).toBe(`Bearer ${UPSTREAM_KEY}`)
      expect(JSON.stringify(h)).not.toContain(TOKEN)
      expect(h['openai-beta']).toBeUndefined()
    }
    expect(fake.sessions[0]!.query).toMatchObject({ model: 'gpt-realtime' })
  })

  it('refuses a missing or wrong token (401), a model off the allow-list (400), and a foreign origin (403), before any upstream is opened', async () => {
    const before = fake.sessions.length
    await expect(open(undefined, ['realtime'])).rejects.toMatchObject({ status: 401 })
    await expect(open(undefined, ['realtime', 'openai-insecure-api-key.nope'])).rejects.toMatchObject({ status: 401 })
    await expect(open('?model=gpt-4o')).rejects.toMatchObject({ status: 400, body: expect.stringContaining('model_not_allowed') })
    await expect(openSocket(wsUrl(), { protocols: ['realtime', `parley-token.${TOKEN}`], origin: 'https://evil.example' })).rejects.toMatchObject({ status: 403 })
    expect(fake.sessions.length).toBe(before)
  })

  it('streams a spoken turn both ways: appended audio, the transcript, the answer’s audio and text deltas', async () => {
    const c = await open()
    await c.waitFor('session.created')
    c.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null, transcription: { model: 'whisper-1' } } } } })
    await c.waitFor('session.updated')
    c.send({ type: 'input_audio_buffer.append', audio: tone(400) })
    c.send({ type: 'input_audio_buffer.commit' })
    await c.waitFor('conversation.item.input_audio_transcription.completed')
    c.send({ type: 'response.create' })
    await c.waitFor('response.done')
    const types = c.texts().map((m) => m.type)
    expect(types).toContain('response.output_audio.delta')
    expect(types).toContain('response.output_audio_transcript.delta')
    expect(c.texts().find((m) => m.type === 'conversation.item.input_audio_transcription.completed')!.transcript).toBe('Hi there')
    expect(errors(c)).toEqual([])
    c.close()
  })

  it.each([
    ['malformed JSON', '{"type": ', 'invalid_json'],
    ['an unknown type', { type: 'transcription_session.update', session: {} }, 'unknown_event_type'],
    ['a wrong field type', { type: 'conversation.item.truncate', item_id: 'x', content_index: 0, audio_end_ms: -5 }, 'invalid_type'],
    ['audio that is not base64', { type: 'input_audio_buffer.append', audio: 'not base64!' }, 'invalid_audio'],
    ['half a sample', { type: 'input_audio_buffer.append', audio: Buffer.alloc(3).toString('base64') }, 'invalid_audio'],
    ['oversize audio', { type: 'input_audio_buffer.append', audio: 'A'.repeat(1024 * 1024 + 4) }, 'audio_too_large'],
    ['a model off the allow-list', { type: 'session.update', session: { type: 'realtime', model: 'gpt-4o-realtime-preview' } }, 'model_not_allowed'],
    ['nesting too deep to write back out', `{"type":"input_audio_buffer.clear","x":${'['.repeat(20000)}${']'.repeat(20000)}}`, 'invalid_event'],
  ])('answers %s with an error event and never forwards it', async (_what, event, code) => {
    const c = await open()
    await c.waitFor('session.created')
    const session = fake.sessions.at(-1)!
    c.ws.send(typeof event === 'string' ? event : JSON.stringify({ ...event, event_id: 'evt_client_1' }))
    await c.waitFor('error')
    expect(errors(c)[0]).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', code, ...(typeof event === 'string' ? {} : { event_id: 'evt_client_1' }) } })
    // The session goes on; the upstream never saw the event.
    c.send({ type: 'input_audio_buffer.clear' })
    await c.waitFor('input_audio_buffer.cleared')
    expect(session.events.map((e) => e.type)).toEqual(['input_audio_buffer.clear'])
    c.close()
  })

  it('logs one line per session with counts and no key, token, audio or text', async () => {
    const lines = () => entries.filter((e) => e.msg === 'realtime session')
    const before = lines().length
    const c = await open()
    await c.waitFor('session.created')
    c.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'my secret words' }] } })
    c.send({ type: 'input_audio_buffer.append', audio: tone(100) })
    await c.waitFor('conversation.item.added')
    c.close()
    await expect.poll(() => lines().length).toBe(before + 1)
    const line = lines().at(-1)!
    expect(line).toMatchObject({ model: 'gpt-realtime', dialect: 'ga', close: 'client closed' })
    expect(line.events_in).toBe(2)
    expect(line.events_out as number).toBeGreaterThanOrEqual(2)
    const all = JSON.stringify(entries)
    for (const secret of [UPSTREAM_KEY, TOKEN, 'my secret words', tone(100).slice(0, 40)]) expect(all).not.toContain(secret)
  })
})

describe('a beta-dialect upstream (OpenRealtime)', () => {
  beforeAll(() => start({ fake: { dialect: 'beta' } }))
  afterAll(stop)

  it('speaks GA names and sessions to the client, and the beta session shape to the upstream', async () => {
    const c = await open()
    const created = await c.waitFor('session.created')
    // OpenRealtime's pcm16 is 16 kHz.
    expect(created!.session).toMatchObject({ type: 'realtime', output_modalities: ['audio'], audio: { input: { format: { type: 'audio/pcm', rate: 16000 }, turn_detection: null } } })
    c.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['audio'], instructions: 'Be brief.', audio: { input: { format: { type: 'audio/pcm', rate: 24000 }, turn_detection: null, transcription: { model: 'whisper-1' } }, output: { voice: 'alloy' } } } })
    await c.waitFor('session.updated')
    const update = fake.sessions.at(-1)!.events.find((e) => e.type === 'session.update')!
    // The whole session, the client's changes merged in: OpenRealtime replaces its session with what it gets.
    expect(update.session).toMatchObject({ instructions: 'Be brief.', modalities: ['text'], input_audio_format: 'pcm16', output_audio_format: 'pcm16', turn_detection: false, input_audio_transcription: { model: 'whisper-1' }, voice: 'alloy', tts_model: expect.any(String) })
    c.send({ type: 'input_audio_buffer.append', audio: tone(400) })
    c.send({ type: 'input_audio_buffer.commit' })
    c.send({ type: 'response.create' })
    await c.waitFor('response.done')
    const types = new Set(c.texts().map((m) => m.type))
    // OpenRealtime streams the answer as text and speaks it: no audio transcript deltas.
    for (const ga of ['response.output_audio.delta', 'response.output_audio.done', 'response.output_text.delta', 'response.done']) expect(types).toContain(ga)
    for (const beta of ['response.audio.delta', 'response.audio_transcript.delta', 'response.text.delta', 'conversation.item.created', 'response.audio.cancel']) expect(types).not.toContain(beta)
    // OpenRealtime says response.done when its text ends, before most of the voice: the client hears it after the last sentence's audio.
    const order = c.texts().map((m) => m.type)
    expect(order.lastIndexOf('response.output_audio.delta')).toBeLessThan(order.indexOf('response.done'))
    expect(fake.sessions.at(-1)!.sent.map((m) => m.type).indexOf('response.done')).toBeLessThan(fake.sessions.at(-1)!.sent.map((m) => m.type).lastIndexOf('response.audio.delta'))
    expect(errors(c)).toEqual([])
    c.close()
  })

  it('survives what it cannot translate: a deeply nested event is refused, the relay and the session go on', async () => {
    const c = await open()
    await c.waitFor('session.created')
    c.ws.send(`{"type":"input_audio_buffer.clear","x":${'['.repeat(20000)}${']'.repeat(20000)}}`)
    await c.waitFor('error')
    c.send({ type: 'input_audio_buffer.clear' })
    await c.waitFor('input_audio_buffer.cleared')
    expect((await fetch(`${relay.url}/api/health`)).ok).toBe(true)
    c.close()
  })

  it('a cancel silences the answer: the audio OpenRealtime goes on making is not passed on', async () => {
    await stop()
    await start({ fake: { dialect: 'beta', pace: 'realtime', answer: { text: 'One. Two. Three. Four.', audioMs: 2000 } } })
    const c = await open()
    await c.waitFor('session.created')
    c.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'count' }] } })
    c.send({ type: 'response.create' })
    // Its text is all written (a cancel then stops nothing there); its voice has begun.
    await c.until(() => c.texts().some((m) => m.type === 'response.output_audio.delta') && c.texts().some((m) => m.type === 'response.output_text.done'))
    c.send({ type: 'response.cancel' })
    const at = c.texts().length
    await c.waitFor('response.done')
    const done = c.texts().find((m) => m.type === 'response.done')!
    expect(done.response.status).toBe('cancelled')
    await new Promise((r) => setTimeout(r, 700))
    expect(c.texts().slice(at).filter((m) => m.type === 'response.output_audio.delta')).toEqual([])
    // The upstream did go on speaking.
    await expect.poll(() => fake.sessions.at(-1)!.sent.map((m) => m.type).includes('response.audio.cancel')).toBe(true)
    const sent = fake.sessions.at(-1)!.sent.map((m) => m.type)
    expect(sent.lastIndexOf('response.audio.delta')).toBeGreaterThan(sent.indexOf('response.audio.cancel'))
    c.close()
  })
})

describe('upstream failures become an error event and a clean close', () => {
  afterEach(stop)

  const closing = async (c: Awaited<ReturnType<typeof open>>) => {
    await c.until(() => Boolean(c.closed()), 8000)
    return { error: errors(c).at(-1)?.error, closed: c.closed() }
  }

  it('a refused key', async () => {
    await start({ fake: { behaviour: { kind: 'refuse', status: 401 } } })
    const c = await open()
    const { error, closed } = await closing(c)
    expect(error).toMatchObject({ type: 'server_error', code: 'upstream_refused' })
    expect(error.message).toContain('REALTIME_API_KEY')
    expect(closed).toEqual({ code: 1011, reason: 'upstream_refused' })
    expect(JSON.stringify(c.texts())).not.toContain(UPSTREAM_KEY)
  })

  it('an upstream that is down', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port
        s.close(() => resolve(p))
      })
    })
    await start({ env: { REALTIME_URL: `ws://127.0.0.1:${port}/v1/realtime` } })
    const { error, closed } = await closing(await open())
    expect(error).toMatchObject({ code: 'upstream_unavailable' })
    expect(closed!.code).toBe(1011)
  })

  it('an upstream that never starts the session; what waits for it meanwhile is bounded in bytes', async () => {
    await start({ fake: { behaviour: { kind: 'hang' } }, limits: { handshakeMs: 1500 } })
    const c = await open()
    // 0.75 MiB of audio each: the third no longer fits in the 2 MiB that may wait.
    for (let i = 0; i < 3; i++) c.send({ type: 'input_audio_buffer.append', audio: 'A'.repeat(1024 * 1024) })
    await c.until(() => errors(c).length > 0)
    expect(errors(c)[0]).toMatchObject({ error: { code: 'upstream_not_ready' } })
    const { error, closed } = await closing(c)
    expect(error).toMatchObject({ code: 'upstream_timeout' })
    expect(closed).toEqual({ code: 1011, reason: 'upstream_timeout' })
  })

  it('an upstream that drops the connection mid-answer', async () => {
    await start({ fake: { behaviour: { kind: 'drop', afterDeltas: 2 }, pace: 'realtime' } })
    const c = await open()
    await c.waitFor('session.created')
    c.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] } })
    c.send({ type: 'response.create' })
    const { error, closed } = await closing(c)
    expect(c.texts().some((m) => m.type === 'response.output_audio.delta')).toBe(true)
    expect(error).toMatchObject({ code: 'upstream_closed' })
    expect(error.message).toContain('middle of an answer')
    expect(closed!.code).toBe(1011)
  })

  it('an upstream that goes silent mid-answer, a client idle too long, and a session past its time', async () => {
    await start({ fake: { behaviour: { kind: 'slow-first-audio', ms: 3000 } }, limits: { upstreamIdleMs: 400, idleMs: 60_000 } })
    const c = await open()
    await c.waitFor('session.created')
    c.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] } })
    c.send({ type: 'response.create' })
    expect((await closing(c)).error).toMatchObject({ code: 'upstream_timeout' })
    await stop()

    await start({ limits: { idleMs: 300 } })
    expect((await closing(await open())).error).toMatchObject({ code: 'idle_timeout' })
    await stop()

    await start({ limits: { maxSessionMs: 300 } })
    const late = await open()
    const { error, closed } = await closing(late)
    expect(error).toMatchObject({ code: 'session_time_limit' })
    expect(closed!.code).toBe(1000)
  })
})

describe('a short upstream key (a local server’s placeholder)', () => {
  afterAll(stop)

  it('is not searched for in what the upstream sends: the audio arrives intact', async () => {
    fake = await startFakeRealtime({ apiKey: 'k', answer: { text: 'Keep the audio whole.', audioMs: 2000 } })
    relay = await startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0', REALTIME_URL: fake.url, REALTIME_API_KEY: 'k' }), { distDir: null, log: () => {} })
    const c = await openSocket(wsUrl(), { protocols: ['realtime'] })
    await c.waitFor('session.created')
    c.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'go' }] } })
    c.send({ type: 'response.create' })
    await c.waitFor('response.done')
    const deltas = c.texts().filter((m) => m.type === 'response.output_audio.delta').map((m) => m.delta as string)
    expect(deltas.join('').length).toBeGreaterThan(0)
    for (const d of deltas) expect(Buffer.from(d, 'base64').toString('base64')).toBe(d)
    expect(deltas.reduce((n, d) => n + Buffer.from(d, 'base64').length, 0)).toBe(2000 * 24 * 2)
    c.close()
  })
})

describe('limits shared with the other routes', () => {
  beforeAll(() => start({ env: { PARLEY_MAX_STREAMS: '1' } }))
  afterAll(stop)

  it('a session holds one of the client’s stream slots while it is open', async () => {
    const first = await open()
    await first.waitFor('session.created')
    await expect(open()).rejects.toMatchObject({ status: 429 })
    first.close()
    await expect.poll(async () => open().then((c) => (c.close(), 'open'), (e: { status?: number }) => e.status)).toBe('open')
  })
})
