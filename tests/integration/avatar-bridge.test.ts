// WS /api/v1/avatar/:model on the real relay, against a fake OmniRT that speaks both protocols
// strictly (native realtime for `omnirt`, compat for `direct_ws`), and the built-in mock.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../relay/config.ts'
import { startRelay, type RunningRelay } from '../../relay/node.ts'
import { startFakeOmniRt, type FakeOmniRt } from '../fakes/omnirt-upstream.ts'
import { solidJpeg } from '../fakes/solid-jpeg.ts'
import { avatarSocket } from './avatar-socket.ts'

const KEY = 'omnirt-key-0c8e2f6a4d'
const TOKEN = 'parley-access-3f9a'
const IMAGE = Buffer.from(solidJpeg(64, 48, 150, 12)).toString('base64')

let omnirt: FakeOmniRt
let direct: FakeOmniRt
let relay: RunningRelay
let guarded: RunningRelay
const ws = (r: RunningRelay, model: string) => `${r.url.replace('http', 'ws')}/api/v1/avatar/${model}`

beforeAll(async () => {
  omnirt = await startFakeOmniRt({ apiKey: KEY, serving: { quicktalk: 'runtime' }, chunkSamples: 2560, frames: 'chunk' })
  direct = await startFakeOmniRt({ chunkSamples: 3200, omitChunkSamples: true, frames: 'chunk', lookahead: 1 })
  const env = { HOST: '127.0.0.1', PORT: '0', OMNIRT_ENDPOINT: omnirt.url, OMNIRT_API_KEY: KEY, AVATAR_QUICKTALK_BACKEND: 'omnirt', AVATAR_WAV2LIP_WS_URL: `${direct.url.replace('http', 'ws')}/v1/audio2video/wav2lip`, AVATAR_DEMO_BACKEND: 'mock' }
  relay = await startRelay(loadConfig(env), { log: () => {}, avatarLimits: { replyMs: 800, idleMs: 1500 } })
  guarded = await startRelay(loadConfig({ ...env, PARLEY_ACCESS_TOKEN: TOKEN }), { log: () => {} })
})
afterAll(async () => {
  await relay.close()
  await guarded.close()
  await omnirt.close()
  await direct.close()
})
afterEach(() => {
  omnirt.reset()
  direct.reset()
})

const create = (extra: Record<string, unknown> = {}) => ({ type: 'session.create', inputs: { image_b64: IMAGE, prompt: 'a friendly face', ref_frame_dir: '/srv/secret' }, config: { seed: 7, template_video: '/etc/passwd' }, ...extra })

describe('native backend (OmniRT)', () => {
  it('creates a session with the relay’s credentials, forwards only known fields, and streams frames', async () => {
    const s = await avatarSocket(ws(relay, 'quicktalk'))
    s.send(create({ model: 'other', backend: 'gpu0' }))
    const created = await s.waitFor('session.created')
    expect(created).toMatchObject({ audio: { sample_rate: 16000, chunk_samples: 2560 }, video: { wire_magic: 'VIDX', fps: 25 }, lookahead_chunks: 1 })
    const upstream = omnirt.sessions[0]!
    expect(upstream.headers.authorization).toBe(`Bearer ${KEY}`)
    expect(upstream.messages[0]).toEqual({ type: 'session.create', model: 'quicktalk', backend: 'auto', inputs: { image_b64: IMAGE, prompt: 'a friendly face' }, config: { seed: 7 } })
    // First chunk: the model's lookahead (no frames); then frames for each chunk.
    s.audio(2560)
    s.audio(2560)
    await s.until(() => s.videos().length === 2)
    expect(s.videos().map((v) => v.frames)).toEqual([0, 4])
    expect(s.texts().filter((m) => m.type === 'metrics')).toHaveLength(2)
    s.send({ type: 'ping' })
    expect(await s.waitFor('pong')).toBeTruthy()
    s.send({ type: 'session.cancel' })
    expect(await s.waitFor('session.cancelled')).toBeTruthy()
    s.close()
  })

  it('refuses a chunk of the wrong size before it reaches the server, and audio before a session', async () => {
    const s = await avatarSocket(ws(relay, 'quicktalk'))
    s.audio(2560)
    expect(await s.waitFor('error')).toMatchObject({ code: 'session_required' })
    s.send(create())
    await s.waitFor('session.created')
    s.audio(1000)
    await s.until(() => s.texts().filter((m) => m.type === 'error').length === 2)
    expect(s.texts().filter((m) => m.type === 'error')[1]).toMatchObject({ code: 'bad_audio_chunk', message: expect.stringContaining('exactly 2560 samples') })
    expect(omnirt.sessions[0]!.chunks).toBe(0)
    s.close()
  })

  it('a server that fails, drops the connection or hangs becomes a clear error and a closed session', async () => {
    for (const [behaviour, code] of [
      [{ kind: 'error', afterChunks: 1 }, 'runtime_error'],
      [{ kind: 'drop', afterChunks: 1 }, 'backend_closed'],
      [{ kind: 'hang', afterChunks: 1 }, 'backend_timeout'],
    ] as const) {
      omnirt.set(behaviour)
      const s = await avatarSocket(ws(relay, 'quicktalk'))
      s.send(create())
      await s.waitFor('session.created')
      s.audio(2560)
      s.audio(2560)
      const error = await s.waitFor('error', 3000)
      expect(error, JSON.stringify(behaviour)).toMatchObject({ code })
      if (code !== 'runtime_error') await s.until(() => Boolean(s.closed()))
      s.close()
      omnirt.reset()
    }
  })
})

describe('compat backend (direct_ws)', () => {
  it('speaks init/init_ok behind session.create, computes the chunk size, and keeps lock-step', async () => {
    const s = await avatarSocket(ws(relay, 'wav2lip'))
    s.send(create())
    const created = await s.waitFor('session.created')
    // slice_len 5 at 25 fps = 0.2 s → 3200 samples (the server did not say chunk_samples).
    expect(created).toMatchObject({ session_id: expect.stringMatching(/^avt_/), audio: { chunk_samples: 3200 }, video: { fps: 25, width: 64, height: 64 }, lookahead_chunks: 1 })
    expect(direct.sessions[0]!.messages[0]).toEqual({ type: 'init', ref_image: IMAGE, prompt: 'a friendly face', seed: 7 })
    direct.set({ kind: 'slow', ms: 60 })
    for (let i = 0; i < 3; i++) s.audio(3200)
    await s.until(() => s.videos().length === 3)
    expect(s.videos().map((v) => v.frames)).toEqual([0, 5, 5])
    expect(s.texts().filter((m) => m.type === 'metrics').map((m) => m.chunk_index)).toEqual([1, 2, 3])
    s.close()
  })

  it('cancel answers at once, then closes and re-inits the server off the critical path', async () => {
    const s = await avatarSocket(ws(relay, 'wav2lip'))
    s.send(create())
    await s.waitFor('session.created')
    s.audio(3200)
    s.audio(3200)
    await s.until(() => s.videos().length === 2)
    s.send({ type: 'session.cancel' })
    expect(await s.waitFor('session.cancelled')).toMatchObject({ session_id: expect.stringMatching(/^avt_/) })
    // A chunk sent right away waits for the new connection's init, then gets the model's first reply.
    s.audio(3200)
    await s.until(() => s.videos().length === 3)
    expect(s.videos()[2]!.frames).toBe(0)
    expect(direct.sessions).toHaveLength(2)
    await s.until(() => direct.sessions[0]!.closed)
    expect(direct.sessions[1]!.messages[0]).toMatchObject({ type: 'init' })
    s.close()
  })
})

describe('compat failures', () => {
  it('a compat server that fails, drops the connection or hangs becomes a clear error and a closed session', async () => {
    for (const [behaviour, code] of [
      [{ kind: 'drop', afterChunks: 1 }, 'backend_closed'],
      [{ kind: 'hang', afterChunks: 1 }, 'backend_timeout'],
      [{ kind: 'error', afterChunks: 0 }, 'runtime_error'],
    ] as const) {
      direct.set(behaviour)
      const s = await avatarSocket(ws(relay, 'wav2lip'))
      s.send(create())
      if (code !== 'runtime_error') {
        await s.waitFor('session.created')
        s.audio(3200)
        s.audio(3200)
      }
      expect(await s.waitFor('error', 3000), JSON.stringify(behaviour)).toMatchObject({ code })
      await s.until(() => Boolean(s.closed()))
      direct.reset()
    }
  })

})

describe('awkward clients', () => {
  it('two cancels in a row leave one live connection to the compat server, and the next chunk is answered', async () => {
    const s = await avatarSocket(ws(relay, 'wav2lip'))
    s.send(create())
    await s.waitFor('session.created')
    s.send({ type: 'session.cancel' })
    s.send({ type: 'session.cancel' })
    await s.until(() => s.texts().filter((m) => m.type === 'session.cancelled').length === 2)
    s.audio(3200)
    await s.until(() => s.videos().length === 1)
    await s.until(() => direct.sessions.filter((x) => !x.closed).length === 1)
    s.close()
  })

  it('a malformed upgrade path or odd base64 is refused without harm to the relay', async () => {
    const { connect } = await import('node:net')
    const url = new URL(relay.url)
    const reply = await new Promise<string>((resolve) => {
      const sock = connect(Number(url.port), url.hostname, () => sock.write('GET //[ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'))
      let got = ''
      sock.on('data', (d) => (got += d))
      sock.on('close', () => resolve(got))
      sock.on('error', () => resolve(got))
    })
    expect(reply).toMatch(/^HTTP\/1\.1 400/)
    expect((await fetch(`${relay.url}/api/health`)).status).toBe(200)
    const s = await avatarSocket(ws(relay, 'demo'))
    s.send({ type: 'session.create', inputs: { image_b64: 'AAAAA=' } })
    expect(await s.waitFor('error')).toMatchObject({ code: 'bad_image_base64' })
    s.close()
  })
})

describe('mock backend', () => {
  it('answers each chunk with frames made from the reference image, changing with the voice', async () => {
    const s = await avatarSocket(ws(relay, 'demo'))
    s.send(create())
    expect(await s.waitFor('session.created')).toMatchObject({ audio: { chunk_samples: 2560 }, video: { fps: 25, width: 64, height: 48 } })
    s.audio(2560, 0.5)
    await s.until(() => s.videos().length === 1)
    const v = s.videos()[0]!
    expect(v.frames).toBe(4)
    const frames: Buffer[] = []
    let at = 8
    for (let i = 0; i < v.frames; i++) {
      const len = v.data.readUInt32LE(at)
      frames.push(v.data.subarray(at + 4, at + 4 + len))
      at += 4 + len
    }
    for (const f of frames) expect(f.subarray(0, 2).toString('hex')).toBe('ffd8')
    expect(new Set(frames.map((f) => f.toString('hex'))).size).toBeGreaterThan(1)
    s.close()
  })
})

describe('refusals', () => {
  it('bad messages are answered with errors that say what is wrong; the session lives on', async () => {
    const s = await avatarSocket(ws(relay, 'demo'))
    s.ws.send('{not json')
    s.send({ type: 'session.create', inputs: { image_b64: Buffer.from('GIF89a...').toString('base64') } })
    s.send({ type: 'session.create', inputs: {} })
    s.send({ type: 'teleport' })
    await s.until(() => s.texts().length === 4)
    expect(s.texts().map((m) => m.code)).toEqual(['bad_json', 'bad_image_type', 'missing_image', 'unsupported_message'])
    s.send(create())
    expect(await s.waitFor('session.created')).toBeTruthy()
    s.close()
  })

  it('unknown model, foreign origin and a missing access token are refused at the upgrade; the token works as a subprotocol', async () => {
    await expect(avatarSocket(ws(relay, 'nosuch'))).rejects.toMatchObject({ status: 404, body: expect.stringContaining('avatar_model_not_found') })
    await expect(avatarSocket(ws(relay, 'demo'), { origin: 'https://evil.example' })).rejects.toMatchObject({ status: 403 })
    await expect(avatarSocket(ws(guarded, 'demo'))).rejects.toMatchObject({ status: 401, body: expect.stringContaining('access_token_required') })
    await expect(avatarSocket(ws(guarded, 'demo'), { protocols: ['parley', 'parley-token.wrong'] })).rejects.toMatchObject({ status: 401 })
    const ok = await avatarSocket(ws(guarded, 'demo'), { protocols: ['parley', `parley-token.${TOKEN}`] })
    expect(ok.ws.protocol).toBe('parley')
    ok.close()
  })

  it('an avatar session holds one of the client’s stream slots while it is open', async () => {
    const limited = await startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0', AVATAR_DEMO_BACKEND: 'mock', PARLEY_MAX_STREAMS: '1' }), { log: () => {} })
    try {
      const first = await avatarSocket(ws(limited, 'demo'))
      await expect(avatarSocket(ws(limited, 'demo'))).rejects.toMatchObject({ status: 429, body: expect.stringContaining('too_many_streams') })
      first.close()
      await first.until(() => Boolean(first.closed()))
      await new Promise((r) => setTimeout(r, 50))
      const again = await avatarSocket(ws(limited, 'demo'))
      again.close()
    } finally {
      await limited.close()
    }
  })

  it('an idle session is closed with a reason', async () => {
    const s = await avatarSocket(ws(relay, 'demo'))
    s.send(create())
    await s.waitFor('session.created')
    expect(await s.waitFor('error', 4000)).toMatchObject({ code: 'idle_timeout' })
    await s.until(() => Boolean(s.closed()))
  })
})
