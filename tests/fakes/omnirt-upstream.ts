/**
 * A stand-in for OmniRT (and the model servers it fronts), speaking both of its WebSocket
 * protocols strictly, as ../shared/OMNIRT.md describes them: auth on HTTP and on the upgrade,
 * exact chunk sizes, `frame_count` 0 on the first chunk and several after, one reply per chunk.
 * Frames are JPEGs of one grey level that encodes the frame's number (`greyOf`), so a test can
 * tell which frame is on screen. Switches make it slow, drop the connection, answer errors or hang.
 */
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { solidJpeg } from './solid-jpeg.ts'

export interface FakeOmniRtOptions {
  apiKey?: string
  /** Connected models (listed), and ones listed as not connected with a reason. */
  models?: string[]
  offline?: { id: string; reason: string }[]
  chunkSamples?: number
  fps?: number
  width?: number
  height?: number
  /** Compat servers that omit chunk_samples (standalone FlashTalk): clients compute it. */
  omitChunkSamples?: boolean
}

export type OmniRtBehaviour =
  | { kind: 'normal' }
  /** Wait this long before each reply (model compute). */
  | { kind: 'slow'; ms: number }
  /** Close the connection after this many chunks. */
  | { kind: 'drop'; afterChunks: number }
  /** Answer this many chunks, then a runtime_error for each. */
  | { kind: 'error'; afterChunks: number }
  /** Stop answering after this many chunks. */
  | { kind: 'hang'; afterChunks: number }

export interface RecordedSession {
  protocol: 'native' | 'compat'
  path: string
  headers: Record<string, string | undefined>
  messages: Record<string, unknown>[]
  chunks: number
  closed: boolean
}

const RATE = 16000
/** The grey level of frame n (distinct for 30 consecutive frames, away from black and white). */
export const greyOf = (n: number) => 40 + ((n * 6) % 180)

export async function startFakeOmniRt(options: FakeOmniRtOptions = {}) {
  const models = options.models ?? ['quicktalk', 'wav2lip']
  const chunkSamples = options.chunkSamples ?? 2560
  const fps = options.fps ?? 25
  const width = options.width ?? 64
  const height = options.height ?? 64
  const sessions: RecordedSession[] = []
  let behaviour: OmniRtBehaviour = { kind: 'normal' }
  const sockets = new Set<Socket>()

  const authorized = (req: IncomingMessage) =>
    !options.apiKey || req.headers.authorization === `Bearer ${options.apiKey}` || req.headers['x-api-key'] === options.apiKey

  const server = createServer((req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (path === '/healthz') return json(200, { ok: true })
    if (!authorized(req)) return json(401, { detail: 'Unauthorized' })
    if (path === '/v1/audio2video/models' || path === '/v1/avatar/models')
      return json(200, { models, statuses: [...models.map((id) => ({ id, connected: true })), ...(options.offline ?? []).map((o) => ({ id: o.id, connected: false, reason: o.reason }))] })
    json(404, { detail: 'Not Found' })
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 })
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const compat = /^\/v1\/(audio2video|avatar)\/([\w-]+)$/.exec(path)
    const native = path === '/v1/avatar/realtime'
    if (!authorized(req)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\n\r\n{"detail":"Unauthorized"}')
      return
    }
    if (!native && (!compat || compat[2] === 'realtime' || !models.includes(compat[2]!))) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const s: RecordedSession = { protocol: native ? 'native' : 'compat', path, headers: { authorization: req.headers.authorization, 'x-api-key': req.headers['x-api-key'] as string | undefined }, messages: [], chunks: 0, closed: false }
      sessions.push(s)
      ws.on('close', () => (s.closed = true))
      if (native) serveNative(ws, s)
      else serveCompat(ws, s, compat![2]!)
    })
  })

  const error = (ws: WebSocket, code: string, message: string) => ws.send(JSON.stringify({ type: 'error', code, message }))

  /** One chunk's reply: frames for its span of audio (none for the first: the model's lookahead). */
  async function reply(ws: WebSocket, s: RecordedSession, data: Buffer, before?: () => void): Promise<void> {
    const index = s.chunks++
    const b = behaviour
    if (b.kind === 'drop' && index >= b.afterChunks) return void ws.terminate()
    if (b.kind === 'hang' && index >= b.afterChunks) return
    if (b.kind === 'error' && index >= b.afterChunks) return error(ws, 'runtime_error', 'CUDA out of memory (simulated)')
    if (b.kind === 'slow') await new Promise((r) => setTimeout(r, b.ms))
    if (data.length !== 4 + chunkSamples * 2) return error(ws, 'bad_audio_chunk', `audio chunk must be exactly ${chunkSamples * 2} bytes of PCM, got ${data.length - 4}`)
    before?.()
    const perChunk = Math.round((chunkSamples / RATE) * fps)
    const first = index === 0 ? 0 : (index - 1) * perChunk
    const count = index === 0 ? 0 : perChunk
    const frames = Array.from({ length: count }, (_, i) => Buffer.from(solidJpeg(width, height, greyOf(first + i))))
    const head = Buffer.alloc(8)
    head.write('VIDX', 0, 'latin1')
    head.writeUInt32LE(count, 4)
    const parts = [head]
    for (const f of frames) {
      const len = Buffer.alloc(4)
      len.writeUInt32LE(f.length)
      parts.push(len, f)
    }
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat(parts))
  }

  function parse(ws: WebSocket, raw: Buffer): Record<string, unknown> | null {
    try {
      const m = JSON.parse(raw.toString('utf8')) as unknown
      if (typeof m === 'object' && m && !Array.isArray(m)) return m as Record<string, unknown>
    } catch {
      // answered below
    }
    error(ws, 'bad_json', 'message is not a JSON object')
    return null
  }

  const isAudio = (data: Buffer, binary: boolean) => binary && data.subarray(0, 4).toString('latin1') === 'AUDI'
  const validImage = (b64: unknown) => typeof b64 === 'string' && b64.length > 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(b64)

  function serveNative(ws: WebSocket, s: RecordedSession) {
    let session: string | undefined
    let queue = Promise.resolve()
    ws.on('message', (raw: Buffer, binary) => {
      if (binary) {
        if (!isAudio(raw, binary)) return error(ws, 'unsupported_message', 'binary frames must start with AUDI')
        if (!session) return error(ws, 'session_required', 'send session.create first')
        queue = queue.then(() => reply(ws, s, raw, () => ws.send(JSON.stringify({ type: 'metrics', chunk_index: s.chunks - 1, infer_ms: 0, encode_ms: 0 }))))
        return
      }
      const m = parse(ws, raw)
      if (!m) return
      s.messages.push(m)
      switch (m.type) {
        case 'session.create': {
          const inputs = m.inputs as { image_b64?: unknown } | undefined
          if (!inputs?.image_b64) return error(ws, 'missing_image', 'inputs.image_b64 is required')
          if (!validImage(inputs.image_b64)) return error(ws, 'bad_image_base64', 'inputs.image_b64 is not base64')
          if (behaviour.kind === 'error' && behaviour.afterChunks === 0) return error(ws, 'runtime_error', 'model failed to load (simulated)')
          session = `avt_${Math.random().toString(36).slice(2, 10)}`
          return ws.send(JSON.stringify({ type: 'session.created', session_id: session, trace_id: `trace_${session.slice(4)}`, audio: { format: 'pcm_s16le', sample_rate: RATE, channels: 1, chunk_samples: chunkSamples }, video: { encoding: 'jpeg-seq', wire_magic: 'VIDX', fps, width, height } }))
        }
        case 'session.cancel':
          if (!session) return error(ws, 'session_required', 'no session')
          s.chunks = 0
          return ws.send(JSON.stringify({ type: 'session.cancelled', session_id: session }))
        case 'session.close':
          ws.send(JSON.stringify({ type: 'session.closed', session_id: session }))
          return ws.close()
        case 'ping':
          return ws.send(JSON.stringify({ type: 'pong' }))
        default:
          return error(ws, 'unsupported_message', `unknown message type ${JSON.stringify(m.type)}`)
      }
    })
  }

  function serveCompat(ws: WebSocket, s: RecordedSession, model: string) {
    let ready = false
    let queue = Promise.resolve()
    ws.on('message', (raw: Buffer, binary) => {
      if (binary) {
        if (!isAudio(raw, binary)) return error(ws, 'unsupported_message', 'binary frames must start with AUDI')
        if (!ready) return error(ws, 'not_initialized', 'send init first')
        queue = queue.then(() => reply(ws, s, raw))
        return
      }
      const m = parse(ws, raw)
      if (!m) return
      s.messages.push(m)
      switch (m.type) {
        case 'init': {
          if (!m.ref_image) return error(ws, 'missing_image', 'ref_image is required')
          if (!validImage(m.ref_image)) return error(ws, 'bad_image_base64', 'ref_image is not base64')
          if (behaviour.kind === 'error' && behaviour.afterChunks === 0) return error(ws, 'runtime_error', 'model failed to load (simulated)')
          ready = true
          const slice = Math.round((chunkSamples / RATE) * fps)
          return ws.send(JSON.stringify({ type: 'init_ok', model, fps, width, height, frame_num: slice + 1, motion_frames_num: 1, slice_len: slice, ...(options.omitChunkSamples ? {} : { chunk_samples: chunkSamples }) }))
        }
        case 'config_update':
          return ws.send(JSON.stringify({ type: 'config_ok', updated: m.config ?? {} }))
        case 'close':
          ws.send(JSON.stringify({ type: 'close_ok' }))
          return ws.close()
        default:
          return error(ws, 'unsupported_message', `unknown message type ${JSON.stringify(m.type)}`)
      }
    })
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    sessions,
    chunkSamples,
    fps,
    set(b: OmniRtBehaviour) {
      behaviour = b
    },
    reset() {
      behaviour = { kind: 'normal' }
      sessions.length = 0
    },
    /** Ends every connection at once (a crashed server). */
    kill() {
      for (const c of wss.clients) c.terminate()
      for (const s of sockets) s.destroy()
    },
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate()
        for (const s of sockets) s.destroy()
        wss.close()
        server.close(() => r())
      }),
  }
}

export type FakeOmniRt = Awaited<ReturnType<typeof startFakeOmniRt>>
