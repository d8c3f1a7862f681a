// The fake OmniRT against what OmniRT's own code does (datascale-ai/omnirt 91d2c50:
// src/omnirt/server/routes/avatar.py, realtime_avatar.py, auth.py; tests/unit/test_realtime_avatar.py),
// spoken to directly: every relay test is only as true as this fake.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startFakeOmniRt, type FakeOmniRt } from '../fakes/omnirt-upstream.ts'
import { solidJpeg } from '../fakes/solid-jpeg.ts'
import { avatarSocket } from './avatar-socket.ts'

const KEY = 'omnirt-fake-key-91d2'
const IMAGE = Buffer.from(solidJpeg(32, 32, 100)).toString('base64')
let omnirt: FakeOmniRt
const native = () => avatarSocket(`${omnirt.url.replace('http', 'ws')}/v1/avatar/realtime`, { protocols: [] })
const create = (model = 'quicktalk') => ({ type: 'session.create', model, backend: 'auto', inputs: { image_b64: IMAGE } })
/** What arrived, as short names: message types, and VIDX×frames. */
const seen = (s: Awaited<ReturnType<typeof native>>) => s.received.map((r) => (r.kind === 'video' ? `VIDX×${r.frames}` : r.message.type === 'error' ? `error:${r.message.code}` : r.message.type))

beforeAll(async () => {
  omnirt = await startFakeOmniRt({ apiKey: KEY, chunkSamples: 2560 })
})
afterAll(() => omnirt.close())
afterEach(() => omnirt.reset())

describe('the fake OmniRT, native route', () => {
  it('takes WebSocket handshakes without the key (OmniRT checks it on HTTP only) and lists with it', async () => {
    const s = await native()
    s.send(create())
    expect(await s.waitFor('session.created')).toMatchObject({ session_id: expect.stringMatching(/^avt_/), trace_id: expect.stringMatching(/^trace_/), lookahead_chunks: 1, audio: { sample_rate: 16000, chunk_samples: 2560 } })
    s.close()
    expect((await fetch(`${omnirt.url}/v1/audio2video/models`)).status).toBe(401)
    expect((await fetch(`${omnirt.url}/v1/avatar/models`, { headers: { 'x-api-key': KEY } })).status).toBe(200)
    expect((await fetch(`${omnirt.url}/healthz`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(404)
  })

  it('cancel ends the session for good; session.create again opens a new one on the same socket', async () => {
    const s = await native()
    s.send(create())
    await s.waitFor('session.created')
    s.audio(2560)
    await s.until(() => s.videos().length === 1)
    s.send({ type: 'session.cancel' })
    s.audio(2560)
    s.send(create())
    s.audio(2560)
    await s.until(() => s.videos().length === 2)
    // OmniRT's fake runtime: one frame for every chunk, though session.created says lookahead_chunks 1 for quicktalk.
    expect(seen(s)).toEqual(['session.created', 'metrics', 'VIDX×1', 'session.cancelled', 'error:session_cancelled', 'session.created', 'metrics', 'VIDX×1'])
    const metrics = s.texts().filter((m) => m.type === 'metrics')
    // chunk_index counts from 1, in each session.
    expect(metrics.map((m) => m.chunk_index)).toEqual([1, 1])
    expect(omnirt.sessions[0]!.created).toHaveLength(2)
    expect(s.texts().find((m) => m.type === 'error')!.message).toBe('The avatar session has been cancelled.')
    s.close()
  })

  it('reads one message at a time: a cancel waits for the chunks before it, renders take turns', async () => {
    omnirt.set({ kind: 'slow', ms: 60 })
    const s = await native()
    s.send(create())
    await s.waitFor('session.created')
    s.audio(2560)
    s.audio(2560)
    s.audio(2560)
    s.send({ type: 'session.cancel' })
    s.send({ type: 'ping' })
    await s.waitFor('pong')
    expect(seen(s)).toEqual(['session.created', 'metrics', 'VIDX×1', 'metrics', 'VIDX×1', 'metrics', 'VIDX×1', 'session.cancelled', 'pong'])
    s.close()
  })

  it('answers frames by the runtime: one a chunk (OmniRT’s fake runtime) or chunk × fps, after the lookahead', async () => {
    const real = await startFakeOmniRt({ frames: 'chunk', lookahead: 2 })
    try {
      const s = await avatarSocket(`${real.url.replace('http', 'ws')}/v1/avatar/realtime`, { protocols: [] })
      s.send({ type: 'session.create', inputs: { image_b64: IMAGE } })
      // The native default model: 28 frames a chunk, 17920 samples (1.12 s).
      expect(await s.waitFor('session.created')).toMatchObject({ audio: { chunk_samples: 17920 }, lookahead_chunks: 2 })
      for (let i = 0; i < 3; i++) s.audio(17920)
      await s.until(() => s.videos().length === 3)
      expect(s.videos().map((v) => v.frames)).toEqual([0, 0, 28])
      s.close()
    } finally {
      await real.close()
    }
    const s = await native()
    s.send(create('wav2lip'))
    expect(await s.waitFor('session.created')).toMatchObject({ audio: { chunk_samples: 2560 }, lookahead_chunks: 0 })
    s.audio(2560)
    s.audio(2560)
    await s.until(() => s.videos().length === 2)
    expect(s.videos().map((v) => v.frames)).toEqual([1, 1])
    s.close()
  })

  it('refuses as OmniRT does: bad JSON, no session, bad magic, wrong size, unknown types', async () => {
    const s = await native()
    s.ws.send('{nope')
    s.audio(2560)
    s.send({ type: 'session.create', inputs: { image_b64: 'abc' } })
    s.send({ type: 'teleport' })
    s.send(create())
    await s.waitFor('session.created')
    s.ws.send(Buffer.from('WAVE0000'))
    s.audio(100)
    await s.until(() => s.received.length === 7)
    expect(seen(s)).toEqual(['error:bad_json', 'error:session_required', 'error:bad_image_base64', 'error:unsupported_message', 'session.created', 'error:bad_audio_magic', 'error:bad_audio_chunk'])
    expect(s.texts().at(-1)!.message).toBe('Expected 5120 bytes of pcm_s16le audio, got 200.')
    s.close()
  })

  it('session.close answers session.closed and keeps the socket; closing under an owed reply is a traceback', async () => {
    const s = await native()
    s.send(create())
    await s.waitFor('session.created')
    s.send({ type: 'session.close' })
    expect(await s.waitFor('session.closed')).toMatchObject({ session_id: expect.stringMatching(/^avt_/) })
    s.send({ type: 'ping' })
    expect(await s.waitFor('pong')).toBeTruthy()
    s.close()
    await s.until(() => omnirt.sessions[0]!.closed)
    expect(omnirt.tracebacks()).toEqual([])
    const rude = await native()
    rude.send(create())
    await rude.waitFor('session.created')
    rude.send({ type: 'session.close' })
    rude.close()
    await rude.until(() => omnirt.tracebacks().length === 1)
  })

  it('lists models with OmniRT’s reasons: nothing connected under its fake runtime', async () => {
    const body = await (await fetch(`${omnirt.url}/v1/audio2video/models`, { headers: { authorization: `Bearer ${KEY}` } })).json()
    expect(body).toEqual({
      models: [],
      statuses: [
        { id: 'flashtalk', connected: false, reason: 'fallback_runtime' },
        { id: 'wav2lip', connected: false, reason: 'runtime_not_enabled' },
        { id: 'quicktalk', connected: false, reason: 'runtime_not_enabled' },
        { id: 'musetalk', connected: false, reason: 'not_configured' },
        { id: 'fasterliveportrait', connected: false, reason: 'runtime_not_enabled' },
        { id: 'fasterliveportrait_video_clone', connected: false, reason: 'runtime_not_enabled' },
      ],
    })
    const served = await startFakeOmniRt({ serving: { flashtalk: 'runtime', quicktalk: 'proxy', wav2lip: 'proxy_down', musetalk: 'proxy' } })
    try {
      const { models, statuses } = await (await fetch(`${served.url}/v1/avatar/models`)).json()
      expect(models).toEqual(['flashtalk', 'quicktalk', 'musetalk'])
      expect(statuses.slice(0, 4).map((x: { reason: string }) => x.reason)).toEqual(['resident_runtime', 'proxy', 'proxy', 'proxy'])
    } finally {
      await served.close()
    }
  })
})

describe('the fake OmniRT, compat route', () => {
  it('init/init_ok with lookahead_chunks, one VIDX per chunk, close/close_ok; some errors have no code', async () => {
    const real = await startFakeOmniRt({ frames: 'chunk' })
    const s = await avatarSocket(`${real.url.replace('http', 'ws')}/v1/audio2video/quicktalk`, { protocols: [] })
    s.audio(2560)
    s.send({ type: 'init', ref_image: IMAGE })
    s.audio(2560)
    s.send({ type: 'close' })
    await s.waitFor('close_ok')
    expect(seen(s)).toEqual(['error:undefined', 'init_ok', 'VIDX×0', 'close_ok'])
    expect(s.texts()[0]!.message).toBe("No active session. Send 'init' first.")
    expect(s.texts()[1]).toMatchObject({ model: 'quicktalk', chunk_samples: 2560, slice_len: 4, lookahead_chunks: 1 })
    s.close()
    await real.close()
    await expect(avatarSocket(`${omnirt.url.replace('http', 'ws')}/v1/audio2video/nosuch`, { protocols: [] })).rejects.toMatchObject({ status: 403 })
  })
})
