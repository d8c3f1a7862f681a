/**
 * A stand-in for OmniRT's avatar server, written from its source (datascale-ai/omnirt at 91d2c50:
 * src/omnirt/server/routes/avatar.py, realtime_avatar.py, auth.py, avatar_app.py) rather than
 * from a description of it. What it does as OmniRT does:
 * - each socket reads one message at a time and awaits its render before the next (a cancel
 *   does not jump the queue); renders take turns across the whole server;
 * - native `/v1/avatar/realtime`: `session.cancel` ends the session for good (later chunks get
 *   `session_cancelled`); `session.create` again on the same socket closes the old session and
 *   opens a new one; `metrics.chunk_index` counts from 1; `session.close` answers
 *   `session.closed` and leaves the socket open;
 * - compat `/v1/audio2video/<model>` (and `/v1/avatar/<model>`, `/`): init/init_ok, one VIDX per
 *   chunk, close/close_ok — and its errors, some without a code;
 * - the API key guards HTTP only (OmniRT's ApiKeyMiddleware); WebSocket handshakes are not checked;
 * - the model listing gives OmniRT's reasons (`fallback_runtime`, `runtime_not_enabled`, `proxy`…);
 * - a client that closes its socket while a reply is owed makes OmniRT send on a closed socket,
 *   which it logs as a traceback: recorded in `tracebacks`.
 * Frames and their counts: omnirt-runtime.ts. Switches make it slow, drop, fail or hang.
 */
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { DEFAULT_MODEL, RuntimeLock, RuntimeSession, encodeJpegSequence, sessionSpec, type RuntimeOptions } from './omnirt-runtime.ts'

export { greyOfPcm, loudnessOfGrey } from './omnirt-runtime.ts'

/** The models OmniRT's listing reports on, and how each may be served. */
export type ListedModel = 'flashtalk' | 'wav2lip' | 'quicktalk' | 'musetalk' | 'fasterliveportrait'
/** `runtime`: enabled in OmniRT itself (flashtalk: the resident runtime); `proxy`: forwarded to a model server that is up; `proxy_down`: to one that is not. */
export type Serving = 'runtime' | 'proxy' | 'proxy_down'

export interface FakeOmniRtOptions extends RuntimeOptions {
  /** OmniRT started with an API-key file: HTTP routes need the key. */
  apiKey?: string
  /** Which models are served and how; none by default (OmniRT's fake runtime: nothing is connected). */
  serving?: Partial<Record<ListedModel, Serving>>
  /** Compat init_ok without chunk_samples (standalone FlashTalk): clients compute it. */
  omitChunkSamples?: boolean
  /** How long closing a session's runtime state takes (ms) before `session.closed` / `close_ok`. */
  closeMs?: number
}

export type OmniRtBehaviour =
  | { kind: 'normal' }
  /** Each render takes this long (model compute). */
  | { kind: 'slow'; ms: number }
  /** Close the connection after this many chunks. */
  | { kind: 'drop'; afterChunks: number }
  /** Answer this many chunks, then a runtime_error for each (0: the session cannot be created). */
  | { kind: 'error'; afterChunks: number }
  /** Stop answering after this many chunks. */
  | { kind: 'hang'; afterChunks: number }

export interface RecordedSession {
  protocol: 'native' | 'compat'
  path: string
  headers: Record<string, string | undefined>
  /** The text messages received, in order. */
  messages: Record<string, unknown>[]
  /** Audio chunks rendered on this connection, over all its sessions. */
  chunks: number
  /** The sessions created on this connection (native `session_id`s, one per compat `init`). */
  created: string[]
  /** What OmniRT would have logged as a traceback (sending on a socket the client closed). */
  tracebacks: string[]
  closed: boolean
}

const COMPAT_MODELS: Record<string, string> = { flashtalk: DEFAULT_MODEL, wav2lip: 'wav2lip', quicktalk: 'quicktalk', fasterliveportrait: 'fasterliveportrait' }
const hex = () => Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join('')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

class Problem extends Error {
  constructor(readonly code: string, message: string) {
    super(message)
  }
}

/** Python's `base64.b64decode(value, validate=True)`, and OmniRT's checks around it. */
function referenceImage(value: unknown): Buffer {
  if (!value) throw new Problem('missing_image', 'A base64 reference image is required.')
  const text = String(value)
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new Problem('bad_image_base64', 'Reference image must be valid base64.')
  const bytes = Buffer.from(text, 'base64')
  if (!bytes.length) throw new Problem('missing_image', 'A reference image is required.')
  return bytes
}

/** The listing of `GET /v1/audio2video/models`, reason by reason as OmniRT gives them. */
function listing(serving: FakeOmniRtOptions['serving'] = {}) {
  const runtime = (id: ListedModel) => {
    const s = serving[id]
    return s ? { connected: s !== 'proxy_down', reason: s === 'runtime' ? `${id}_runtime` : 'proxy' } : { connected: false, reason: 'runtime_not_enabled' }
  }
  const flashtalk = serving.flashtalk
  const flp = runtime('fasterliveportrait')
  const statuses = [
    { id: 'flashtalk', ...(flashtalk ? { connected: flashtalk !== 'proxy_down', reason: flashtalk === 'runtime' ? 'resident_runtime' : 'proxy' } : { connected: false, reason: 'fallback_runtime' }) },
    { id: 'wav2lip', ...runtime('wav2lip') },
    { id: 'quicktalk', ...runtime('quicktalk') },
    { id: 'musetalk', connected: serving.musetalk === 'proxy', reason: serving.musetalk ? 'proxy' : 'not_configured' },
    { id: 'fasterliveportrait', ...flp },
    { id: 'fasterliveportrait_video_clone', ...flp },
  ]
  return { models: statuses.filter((s) => s.connected).map((s) => s.id), statuses }
}

export async function startFakeOmniRt(options: FakeOmniRtOptions = {}) {
  const sessions: RecordedSession[] = []
  let behaviour: OmniRtBehaviour = { kind: 'normal' }
  const sockets = new Set<Socket>()
  const lock = new RuntimeLock()
  const closeMs = options.closeMs ?? 20

  const authorized = (req: IncomingMessage) => {
    if (!options.apiKey) return true
    const auth = req.headers.authorization ?? ''
    const provided = req.headers['x-api-key'] ?? (auth.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : undefined)
    return provided === options.apiKey
  }

  const server = createServer((req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname
    // The middleware runs before routing: without the key even a missing route is a 401.
    if (!authorized(req)) return json(401, { detail: 'Unauthorized' })
    if (req.method === 'GET' && (path === '/v1/audio2video/models' || path === '/v1/avatar/models')) return json(200, listing(options.serving))
    json(404, { detail: 'Not Found' })
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: 50 * 1024 * 1024 })
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const compat = /^\/v1\/(?:audio2video|avatar)\/([\w-]+)$/.exec(path)?.[1] ?? (path === '/' ? 'flashtalk' : undefined)
    const native = path === '/v1/avatar/realtime'
    // No key is asked for here: OmniRT's key check is HTTP middleware, which WebSockets bypass.
    if (!native && !(compat && (compat in COMPAT_MODELS || compat === 'musetalk'))) {
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const s: RecordedSession = { protocol: native ? 'native' : 'compat', path, headers: { authorization: req.headers.authorization, 'x-api-key': req.headers['x-api-key'] as string | undefined }, messages: [], chunks: 0, created: [], tracebacks: [], closed: false }
      sessions.push(s)
      if (compat === 'musetalk') return void refuseMusetalk(ws)
      serve(ws, s, native ? nativeHandler(s) : compatHandler(s, compat!))
    })
  })

  function refuseMusetalk(ws: WebSocket) {
    ws.send(JSON.stringify({ type: 'error', code: 'musetalk_proxy_not_configured', message: 'Set OMNIRT_AVATAR_MUSETALK_WS_URL to a MuseTalk WebSocket backend.' }))
    ws.close()
  }

  type Reply = string | Buffer
  type Handler = (data: Buffer, binary: boolean) => Promise<Reply[] | 'drop' | 'hang'>

  /**
   * One message at a time, each answered before the next is read — as OmniRT's `while True:
   * receive()` loop. Sending on a socket the client has closed is what OmniRT logs as a traceback
   * (the exception ends its loop too).
   */
  function serve(ws: WebSocket, s: RecordedSession, handle: Handler) {
    let queue = Promise.resolve()
    let owed = 0
    let broken = false
    ws.on('close', () => {
      s.closed = true
      if (owed > 0 && !broken) s.tracebacks.push(`the client closed its socket with ${owed} repl${owed === 1 ? 'y' : 'ies'} owed: OmniRT sends on a closed socket`)
      broken = true
    })
    ws.on('message', (data: Buffer, binary: boolean) => {
      owed++
      queue = queue.then(async () => {
        if (broken) return
        const out = await handle(data, binary)
        // A hung render answers nothing, ever, and holds up everything after it.
        if (out === 'hang') return (owed--, new Promise<void>(() => {}))
        if (out === 'drop') return void ws.terminate()
        for (const reply of out) {
          if (ws.readyState !== ws.OPEN) {
            if (!broken) s.tracebacks.push(`sent on a closed socket: ${typeof reply === 'string' ? reply.slice(0, 60) : 'VIDX'}`)
            broken = true
            return
          }
          ws.send(reply)
        }
        owed--
      })
    })
  }

  const errorText = (code: string | undefined, message: string) => JSON.stringify(code ? { type: 'error', code, message } : { type: 'error', message })
  const parse = (data: Buffer): Record<string, unknown> | null | 'not_object' => {
    try {
      const m = JSON.parse(data.toString('utf8')) as unknown
      return typeof m === 'object' && m !== null && !Array.isArray(m) ? (m as Record<string, unknown>) : 'not_object'
    } catch {
      return null
    }
  }

  /** One chunk through the runtime: the frames, or the reason there are none. */
  async function render(s: RecordedSession, session: RuntimeSession, data: Buffer): Promise<{ frames: Uint8Array[]; ms: number } | 'drop' | 'hang'> {
    if (session.cancelled) throw new Problem('session_cancelled', 'The avatar session has been cancelled.')
    if (data.length < 4 || data.subarray(0, 4).toString('latin1') !== 'AUDI') throw new Problem('bad_audio_magic', 'Binary audio payload must start with AUDI magic.')
    const bytes = session.spec.chunkSamples * 2
    if (data.length - 4 !== bytes) throw new Problem('bad_audio_chunk', `Expected ${bytes} bytes of pcm_s16le audio, got ${data.length - 4}.`)
    const b = behaviour
    const rendered = s.chunks
    if (b.kind === 'drop' && rendered >= b.afterChunks) return 'drop'
    if (b.kind === 'hang' && rendered >= b.afterChunks) return 'hang'
    if (b.kind === 'error' && rendered >= b.afterChunks) throw new Problem('runtime_error', 'CUDA out of memory (simulated)')
    return lock.run(async () => {
      const started = performance.now()
      const renderMs = b.kind === 'slow' ? b.ms : options.renderMs ?? 0
      if (renderMs) await sleep(renderMs)
      const pcm = new Int16Array(data.buffer.slice(data.byteOffset + 4, data.byteOffset + data.length))
      const frames = session.render(pcm)
      session.chunkIndex++
      s.chunks++
      return { frames, ms: Math.round((performance.now() - started) * 1000) / 1000 }
    })
  }

  function nativeHandler(s: RecordedSession): Handler {
    let session: { id: string; runtime: RuntimeSession } | undefined
    return async (data, binary) => {
      if (binary) {
        if (!session) return [errorText('session_required', 'Create a session before sending audio.')]
        try {
          const out = await render(s, session.runtime, data)
          if (typeof out === 'string') return out
          return [JSON.stringify({ type: 'metrics', chunk_index: session.runtime.chunkIndex, infer_ms: out.ms, encode_ms: 0 }), encodeJpegSequence(out.frames)]
        } catch (err) {
          return [errorText(err instanceof Problem ? err.code : 'runtime_error', (err as Error).message)]
        }
      }
      const m = parse(data)
      if (m === null) return [errorText('bad_json', 'Invalid JSON')]
      // `payload.get` on a list raises outside any handler: OmniRT's loop dies with a traceback.
      if (m === 'not_object') return (s.tracebacks.push("AttributeError: 'list' object has no attribute 'get'"), 'drop')
      s.messages.push(m)
      switch (m.type) {
        case 'session.create': {
          if (session) await sleep(closeMs)
          session = undefined
          try {
            const inputs = (m.inputs ?? {}) as Record<string, unknown>
            referenceImage(inputs.image_b64)
            if (behaviour.kind === 'error' && behaviour.afterChunks === 0) throw new Problem('runtime_error', 'model failed to load (simulated)')
            const spec = sessionSpec(options, String(m.model || DEFAULT_MODEL), (m.config ?? {}) as Record<string, unknown>)
            session = { id: `avt_${hex()}`, runtime: new RuntimeSession(spec, options.frames ?? 'one') }
            s.created.push(session.id)
            return [
              JSON.stringify({
                type: 'session.created',
                session_id: session.id,
                trace_id: `trace_${hex()}`,
                audio: { format: 'pcm_s16le', sample_rate: spec.sampleRate, channels: 1, chunk_samples: spec.chunkSamples },
                video: { encoding: 'jpeg-seq', wire_magic: 'VIDX', fps: spec.fps, width: spec.width, height: spec.height },
                reference_mode: 'image',
                template_mode: 'image',
                wav2lip_postprocess_mode: 'easy_improved',
                preprocessed: false,
                lookahead_chunks: spec.lookahead,
                mouth_metadata: {},
                runtime_config: {},
              }),
            ]
          } catch (err) {
            return [errorText((err as Problem).code, (err as Error).message)]
          }
        }
        case 'session.cancel':
          if (session) session.runtime.cancelled = true
          return [JSON.stringify({ type: 'session.cancelled', session_id: session?.id ?? null })]
        case 'session.close': {
          const id = session?.id ?? null
          if (session) await sleep(closeMs)
          session = undefined
          return [JSON.stringify({ type: 'session.closed', session_id: id })]
        }
        case 'ping':
          return [JSON.stringify({ type: 'pong' })]
        default:
          return [errorText('unsupported_message', `Unsupported message: ${m.type ?? 'None'}`)]
      }
    }
  }

  function compatHandler(s: RecordedSession, route: string): Handler {
    const model = COMPAT_MODELS[route]!
    let session: RuntimeSession | undefined
    return async (data, binary) => {
      if (binary) {
        if (!session) return [errorText(undefined, "No active session. Send 'init' first.")]
        try {
          const out = await render(s, session, data)
          return typeof out === 'string' ? out : [encodeJpegSequence(out.frames)]
        } catch (err) {
          return [errorText(err instanceof Problem ? err.code : 'runtime_error', (err as Error).message)]
        }
      }
      const m = parse(data)
      if (m === null) return [errorText(undefined, 'Invalid JSON')]
      if (m === 'not_object') return (s.tracebacks.push("AttributeError: 'list' object has no attribute 'get'"), 'drop')
      s.messages.push(m)
      switch (m.type) {
        case 'init': {
          if (session) await sleep(closeMs)
          session = undefined
          try {
            referenceImage(m.ref_image)
            if (behaviour.kind === 'error' && behaviour.afterChunks === 0) throw new Problem('runtime_error', 'model failed to load (simulated)')
            const spec = sessionSpec(options, model, m)
            session = new RuntimeSession(spec, options.frames ?? 'one')
            s.created.push(`compat_${hex()}`)
            const sliceLen = Math.round((spec.chunkSamples * spec.fps) / spec.sampleRate)
            return [
              JSON.stringify({
                type: 'init_ok',
                model,
                wav2lip_postprocess_mode: 'easy_improved',
                frame_num: sliceLen + 1,
                motion_frames_num: 1,
                slice_len: sliceLen,
                fps: spec.fps,
                height: spec.height,
                width: spec.width,
                ...(options.omitChunkSamples ? {} : { chunk_samples: spec.chunkSamples }),
                reference_mode: 'image',
                template_mode: 'image',
                preprocessed: false,
                lookahead_chunks: spec.lookahead,
                preload: null,
              }),
            ]
          } catch (err) {
            return [errorText((err as Problem).code, (err as Error).message)]
          }
        }
        case 'close':
          if (session) await sleep(closeMs)
          session = undefined
          return [JSON.stringify({ type: 'close_ok' })]
        case 'config_update':
          if (!session) return [errorText(undefined, "No active session. Send 'init' first.")]
          return [JSON.stringify({ type: 'config_ok', updated: {} })]
        default:
          return [errorText(undefined, `Unknown message type: ${m.type ?? 'None'}`)]
      }
    }
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    sessions,
    /** Every traceback OmniRT would have logged, over all connections. */
    tracebacks: () => sessions.flatMap((s) => s.tracebacks),
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
