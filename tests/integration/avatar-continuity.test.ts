// A remote avatar session that lasts a conversation, against a fake that behaves as OmniRT does
// (cancel ends an OmniRT session; one message at a time; metrics from 1; session.close answered):
// barge-ins re-create the session on the same socket, a cancelled answer's frames never reach the
// browser, the relay measures the backend, and nothing is left for OmniRT to send on a dead socket.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../relay/config.ts'
import { startRelay, type RunningRelay } from '../../relay/node.ts'
import { startFakeOmniRt, type FakeOmniRt } from '../fakes/omnirt-upstream.ts'
import { solidJpeg } from '../fakes/solid-jpeg.ts'
import { avatarSocket } from './avatar-socket.ts'

const KEY = 'omnirt-key-cont-4e1a'
const IMAGE = Buffer.from(solidJpeg(64, 48, 150, 12)).toString('base64')
const create = { type: 'session.create', inputs: { image_b64: IMAGE } }

let omnirt: FakeOmniRt
let direct: FakeOmniRt
let relay: RunningRelay
const ws = (model: string) => `${relay.url.replace('http', 'ws')}/api/v1/avatar/${model}`

beforeAll(async () => {
  omnirt = await startFakeOmniRt({ apiKey: KEY, chunkSamples: 2560, frames: 'chunk', sampleRate: 16000 })
  direct = await startFakeOmniRt({ chunkSamples: 3200, frames: 'chunk' })
  relay = await startRelay(
    loadConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      OMNIRT_ENDPOINT: omnirt.url,
      OMNIRT_API_KEY: KEY,
      AVATAR_MODELS: 'quicktalk,soulx-flashtalk-14b,wav2lip,demo',
      AVATAR_QUICKTALK_BACKEND: 'omnirt',
      AVATAR_SOULX_FLASHTALK_14B_BACKEND: 'omnirt',
      AVATAR_WAV2LIP_WS_URL: `${direct.url.replace('http', 'ws')}/v1/audio2video/wav2lip`,
      AVATAR_DEMO_BACKEND: 'mock',
    }),
    { log: () => {}, avatarLimits: { replyMs: 3000 } },
  )
})
afterAll(async () => {
  await relay.close()
  await omnirt.close()
  await direct.close()
})
afterEach(() => {
  omnirt.reset()
  direct.reset()
})

type Socket = Awaited<ReturnType<typeof avatarSocket>>
const count = (s: Socket, type: string) => s.texts().filter((m) => m.type === type).length

describe('session continuity on OmniRT', () => {
  it('ten answers with a barge-in after each: every one gets frames, on one socket, one fresh session each', async () => {
    const s = await avatarSocket(ws('quicktalk'))
    s.send(create)
    expect(await s.waitFor('session.created')).toMatchObject({ lookahead_chunks: 1 })
    for (let reply = 0; reply < 10; reply++) {
      // Two chunks: the first is the model's lookahead, the second brings the first one's frames.
      const before = s.videos().length
      s.audio(2560)
      s.audio(2560)
      await s.until(() => s.videos().length === before + 2)
      expect(s.videos().slice(before).map((v) => v.frames), `answer ${reply}`).toEqual([0, 4])
      s.send({ type: 'session.cancel' })
      await s.until(() => count(s, 'session.cancelled') === reply + 1)
    }
    expect(s.texts().filter((m) => m.type === 'error')).toEqual([])
    // Each answer's first frames are timed from its own first chunk.
    expect(s.texts().filter((m) => m.first_frame_ms !== undefined)).toHaveLength(10)
    const upstream = omnirt.sessions
    expect(upstream).toHaveLength(1)
    await s.until(() => upstream[0]!.created.length === 11)
    expect(upstream[0]!.messages.map((m) => m.type)).toEqual(['session.create', ...Array.from({ length: 10 }, () => ['session.cancel', 'session.create']).flat()])
    // The same reference each time.
    expect(new Set(upstream[0]!.messages.filter((m) => m.type === 'session.create').map((m) => JSON.stringify(m))).size).toBe(1)
    s.close()
  })

  it('chunks sent right after a cancel wait for the new session; the cancelled answer’s frames and metrics never arrive', async () => {
    omnirt.set({ kind: 'slow', ms: 80 })
    const s = await avatarSocket(ws('quicktalk'))
    s.send(create)
    await s.waitFor('session.created')
    for (let i = 0; i < 3; i++) s.audio(2560, 0.5)
    s.send({ type: 'session.cancel' })
    await s.waitFor('session.cancelled')
    const cut = s.received.length
    s.audio(2560)
    s.audio(2560)
    await s.until(() => s.videos().length >= 2 && s.received.slice(cut).filter((r) => r.kind === 'video').length === 2)
    const after = s.received.slice(cut)
    // Only the new answer's two replies (lookahead, then frames), numbered from 1 again.
    expect(after.map((r) => (r.kind === 'video' ? `VIDX×${r.frames}` : r.message.type))).toEqual(['metrics', 'VIDX×0', 'metrics', 'VIDX×4'])
    expect(after.flatMap((r) => (r.kind === 'text' ? [r.message.chunk_index] : []))).toEqual([1, 2])
    // The old answer was rendered upstream (cancel does not jump the queue), not forwarded.
    expect(omnirt.sessions[0]!.chunks).toBe(5)
    expect(s.received.slice(0, cut).filter((r) => r.kind === 'video').length).toBeLessThan(3)
    s.close()
  })

  it('a cancel with no audio since the session began costs OmniRT nothing', async () => {
    const s = await avatarSocket(ws('quicktalk'))
    s.send(create)
    await s.waitFor('session.created')
    s.send({ type: 'session.cancel' })
    await s.waitFor('session.cancelled')
    s.audio(2560)
    await s.until(() => s.videos().length === 1)
    expect(omnirt.sessions[0]!.messages.map((m) => m.type)).toEqual(['session.create'])
    s.close()
  })
})

describe('what the relay tells the browser', () => {
  it('passes the audio spec and lookahead through, and measures the backend (first frames, each chunk)', async () => {
    const slow = await startFakeOmniRt({ sampleRate: 24000, chunkSamples: 3840, lookahead: 0, frames: 'one', renderMs: 50 })
    const r = await startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0', OMNIRT_ENDPOINT: slow.url, AVATAR_FLASHTALK_BACKEND: 'omnirt' }), { log: () => {} })
    try {
      const s = await avatarSocket(`${r.url.replace('http', 'ws')}/api/v1/avatar/flashtalk`)
      s.send(create)
      expect(await s.waitFor('session.created')).toMatchObject({ audio: { sample_rate: 24000, chunk_samples: 3840 }, lookahead_chunks: 0 })
      s.audio(3840)
      s.audio(3840)
      await s.until(() => s.videos().length === 2)
      const [first, second] = s.texts().filter((m) => m.type === 'metrics')
      expect(first).toMatchObject({ chunk_index: 1, backend_ms: expect.any(Number), first_frame_ms: expect.any(Number), infer_ms: expect.any(Number) })
      expect(first!.infer_ms).toBeGreaterThanOrEqual(45)
      expect(first!.first_frame_ms).toBeGreaterThanOrEqual(first!.infer_ms - 1)
      // The second chunk waited for the first: its time at the backend includes that wait.
      expect(second).toMatchObject({ chunk_index: 2 })
      expect(second!.first_frame_ms).toBeUndefined()
      expect(second!.backend_ms).toBeGreaterThanOrEqual(second!.infer_ms)
      s.close()
    } finally {
      await r.close()
      await slow.close()
    }
  })

  it('counts metrics from 1 on the mock too', async () => {
    const s = await avatarSocket(ws('demo'))
    s.send(create)
    await s.waitFor('session.created')
    s.audio(2560)
    s.audio(2560)
    await s.until(() => s.videos().length === 2)
    expect(s.texts().filter((m) => m.type === 'metrics').map((m) => m.chunk_index)).toEqual([1, 2])
    s.close()
  })
})

describe('closing cleanly', () => {
  it('session.close and a browser that just goes: the relay waits for session.closed; OmniRT logs nothing', async () => {
    omnirt.set({ kind: 'slow', ms: 100 })
    for (const how of ['session.close', 'disconnect'] as const) {
      const s = await avatarSocket(ws('quicktalk'))
      s.send(create)
      await s.waitFor('session.created')
      s.audio(2560)
      if (how === 'session.close') {
        s.send({ type: 'session.close' })
        expect(await s.waitFor('session.closed')).toBeTruthy()
      } else s.close()
      const upstream = omnirt.sessions.at(-1)!
      await s.until(() => upstream.closed)
      expect(upstream.messages.at(-1), how).toMatchObject({ type: 'session.close' })
    }
    expect(omnirt.tracebacks()).toEqual([])
  })

  it('a compat server gets close and answers close_ok before its socket goes, at the end and after a cancel', async () => {
    const s = await avatarSocket(ws('wav2lip'))
    s.send(create)
    await s.waitFor('session.created')
    s.audio(3200)
    s.send({ type: 'session.cancel' })
    await s.waitFor('session.cancelled')
    s.audio(3200)
    await s.until(() => s.videos().length === 1 && direct.sessions.length === 2)
    s.close()
    await s.until(() => direct.sessions.every((x) => x.closed))
    expect(direct.sessions.map((x) => x.messages.at(-1)?.type)).toEqual(['close', 'close'])
    expect(direct.tracebacks()).toEqual([])
  })
})

describe('real model ids', () => {
  it('a model named in AVATAR_MODELS with a "-" is served under its own id, and OmniRT’s listing is read for it', async () => {
    const s = await avatarSocket(ws('soulx-flashtalk-14b'))
    s.send(create)
    // OmniRT's default for it: no lookahead (this fake's chunks are set to 2560).
    expect(await s.waitFor('session.created')).toMatchObject({ audio: { chunk_samples: 2560 }, lookahead_chunks: 0 })
    expect(omnirt.sessions[0]!.messages[0]).toMatchObject({ type: 'session.create', model: 'soulx-flashtalk-14b' })
    s.close()
    const { statuses } = await (await fetch(`${relay.url}/api/v1/avatar/models`)).json()
    expect(statuses).toEqual(
      expect.arrayContaining([
        { id: 'soulx-flashtalk-14b', backend: 'omnirt', connected: false, reason: 'fallback_runtime' },
        { id: 'quicktalk', backend: 'omnirt', connected: false, reason: 'runtime_not_enabled' },
      ]),
    )
  })
})
