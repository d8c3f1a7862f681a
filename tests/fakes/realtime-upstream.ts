/**
 * A stand-in for OpenAI's Realtime API over WebSocket (GA protocol, `/v1/realtime?model=`) and, with
 * `dialect: 'beta'`, for OpenRealtime (infinautai/open-realtime at 81042a5: server.py, session.py,
 * events.py, items.py, tts_processor.py, audio/vad/vad_analyzer.py, utils/id_generator.py).
 *
 * GA shapes follow openai-node 6.49 (resources/realtime/realtime.d.ts) and the API reference. Error
 * codes and texts the reference does not list are the ones the real service was seen sending in public
 * threads: `conversation_already_has_active_response` (openai-agents-python#1466), the 100 ms
 * `input_audio_buffer_commit_empty` text (betalgo/openai#674), `response_cancel_not_active` "Cancellation
 * failed: no active response found", truncation past the audio: `invalid_value` "Audio content of Xms is
 * already shorter than Yms" (openclaw#125502), truncating what holds no model audio:
 * `unsupported_content_type` (livekit/agents#6158), `unknown_parameter` / `missing_required_parameter` /
 * `invalid_value` for an unknown event type, and a 401 handshake without a key (a published live probe).
 * Marked `unverified` below: the fake's own choice where nothing public says what OpenAI sends.
 *
 * OpenRealtime, as its source does it: path `/realtime`, no authentication at all, 16 kHz `pcm16`;
 * it never sends an `error` event (whatever it cannot parse or handle is dropped: recorded in
 * `ignored`); `session.update` replaces the whole session and is dropped if `modalities` holds anything
 * but "text"; no `response.created`, no output items or content parts; text streams as
 * `response.text.delta` and `response.done` comes when the text ends, while TTS speaks sentence by
 * sentence (`response.audio.delta`…, `response.audio.done` per sentence), mostly after `response.done`;
 * `response.cancel` answers `response.audio.cancel` and stops only text still streaming, so audio
 * already being spoken goes on; `response.create` during a response waits its turn; truncate is a
 * silent no-op; transcription comes only after a server-VAD commit. Its VAD is Silero (a model); the
 * fake's is energy (RMS) in both dialects, so a pure tone triggers it here and may not there.
 */
import { STATUS_CODES, createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'

export type RealtimeDialect = 'ga' | 'beta'
export type RealtimeBehaviour =
  | { kind: 'normal' }
  /** Every handshake refused: 401 (GA default) or 403 (beta default: what uvicorn answers). */
  | { kind: 'refuse'; status?: 401 | 403 }
  /** Accepts the socket, then never sends anything, not even session.created. */
  | { kind: 'hang' }
  /** Kills the TCP connection (no close frame) once this many audio deltas went out. */
  | { kind: 'drop'; afterDeltas: number }
  /** GA: response.create answered with an `error` of type server_error. Beta: response.done `failed` (OpenRealtime's LLM failure). */
  | { kind: 'error' }
  /** This long before a response's first audio delta (a model's time to first audio). */
  | { kind: 'slow-first-audio'; ms: number }

export interface FakeRealtimeScript {
  /** What the assistant answers: words as transcript/text deltas, `audioMs` of tone as audio. */
  answer?: { text: string; audioMs: number }
  /** What the user "said", sent as the input transcription. */
  transcript?: string
  /**
   * GA: functions the model calls before it answers — a response to a user's turn calls those of
   * them the session offers (`session.tools`) instead of speaking; the response after their
   * `function_call_output` items answers. `tool_choice: "none"` (session or response) calls none.
   */
  calls?: { name: string; arguments: string }[]
}

export interface FakeRealtimeOptions extends FakeRealtimeScript {
  dialect?: RealtimeDialect
  /** GA: handshakes need `Authorization: Bearer <apiKey>`. OpenRealtime checks nothing, so beta ignores it. */
  apiKey?: string
  behaviour?: RealtimeBehaviour
  /** `realtime`: audio deltas paced at the audio's own speed; `instant`: back to back. */
  pace?: 'realtime' | 'instant'
  /** Duration of one audio delta (ms), default 100. */
  chunkMs?: number
  /** Beta: ms between text deltas (OpenRealtime's LLM), default 0. */
  wordMs?: number
}

export interface RecordedTruncation {
  item_id: unknown
  content_index: unknown
  audio_end_ms: unknown
  /** performance.now() when the fake received it. */
  at: number
  /** Audio sent for that item by then (ms), null if no such item. */
  sentMs: number | null
  outcome: 'truncated' | 'error' | 'unanswered'
}

export interface RecordedRealtimeSession {
  path: string
  query: Record<string, string>
  headers: IncomingMessage['headers']
  /** Client events in order; text that is not JSON as `{ __raw }`. */
  events: Record<string, unknown>[]
  /** Server events in order, deltas included. */
  sent: Record<string, unknown>[]
  /** PCM16 samples taken into the input buffer. */
  samples: number
  truncations: RecordedTruncation[]
  /** Beta: what OpenRealtime would have dropped without a word, and why. */
  ignored: { event: unknown; reason: string }[]
  closed: boolean
}

export interface RecordedRefusal {
  path: string
  query: Record<string, string>
  headers: IncomingMessage['headers']
  status: number
  at: number
}

type Obj = Record<string, unknown>
type Spec =
  | { t: 'string' | 'number' | 'integer' | 'boolean' | 'any'; n?: boolean }
  | { t: 'enum'; v: readonly unknown[]; n?: boolean }
  | { t: 'array'; items?: Spec; n?: boolean }
  /** `o`: other keys pass (pydantic's default), else they are OpenAI's unknown_parameter. */
  | { t: 'object'; f: Record<string, Spec>; n?: boolean; o?: boolean }
  | { t: 'or'; s: Spec[]; n?: boolean }

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)))
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const gaId = (prefix: string) => `${prefix}_${Array.from({ length: 21 }, () => ALNUM[Math.floor(Math.random() * 62)]).join('')}`
// OpenRealtime's ids are `prefix_<unix time>` and it cancels by comparing those times.
let lastTs = 0
const nextTs = () => (lastTs = Math.max(lastTs + 1e-6, Date.now() / 1000))
const betaId = (prefix: string) => `${prefix}_${nextTs().toFixed(6)}`

const S = { str: { t: 'string' }, num: { t: 'number' }, int: { t: 'integer' }, bool: { t: 'boolean' }, any: { t: 'any' } } as const
const N = <T extends Spec>(s: T): T => ({ ...s, n: true })
const en = (...v: unknown[]): Spec => ({ t: 'enum', v })
const obj = (f: Record<string, Spec>): Spec => ({ t: 'object', f })
const FORMAT = obj({ type: en('audio/pcm', 'audio/pcmu', 'audio/pcma'), rate: en(24000) })
const TURN = N(obj({ type: en('server_vad', 'semantic_vad'), threshold: S.num, prefix_padding_ms: S.int, silence_duration_ms: S.int, idle_timeout_ms: N(S.int), create_response: S.bool, interrupt_response: S.bool, eagerness: en('low', 'medium', 'high', 'auto') }))
const MODALITIES: Spec = { t: 'array', items: en('text', 'audio') }
/** The GA realtime session a client may send (RealtimeSessionCreateRequest, openai-node 6.49). */
const GA_SESSION = obj({
  type: en('realtime', 'transcription'), model: S.str, output_modalities: MODALITIES, instructions: S.str, max_output_tokens: { t: 'or', s: [S.int, en('inf')] },
  audio: obj({
    input: obj({ format: FORMAT, noise_reduction: N(obj({ type: en('near_field', 'far_field') })), transcription: N(obj({ model: S.str, language: S.str, prompt: S.str, delay: en('minimal', 'low', 'medium', 'high', 'xhigh') })), turn_detection: TURN }),
    output: obj({ format: FORMAT, speed: S.num, voice: { t: 'or', s: [S.str, obj({ id: S.str })] } }),
  }),
  include: N({ t: 'array', items: en('item.input_audio_transcription.logprobs') }), tracing: N(S.any), tools: { t: 'array' }, tool_choice: S.any, prompt: N(S.any), truncation: S.any, parallel_tool_calls: S.bool, reasoning: S.any,
})
const GA_RESPONSE = obj({ audio: S.any, conversation: S.str, input: { t: 'array' }, instructions: S.str, max_output_tokens: { t: 'or', s: [S.int, en('inf')] }, metadata: N(S.any), output_modalities: MODALITIES, parallel_tool_calls: S.bool, prompt: N(S.any), reasoning: S.any, tool_choice: S.any, tools: { t: 'array' } })
/** What the WebSocket accepts; `output_audio_buffer.clear` is WebRTC/SIP only (reference), and the live list lacks it. */
const GA_CLIENT_EVENTS = ['session.update', 'input_audio_buffer.append', 'input_audio_buffer.commit', 'input_audio_buffer.clear', 'conversation.item.create', 'conversation.item.retrieve', 'conversation.item.truncate', 'conversation.item.delete', 'response.create', 'response.cancel']
const SERVER_VAD = { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500, idle_timeout_ms: null, create_response: true, interrupt_response: true }

class Problem {
  constructor(readonly code: string, readonly message: string, readonly param: string | null = null) {}
}
const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? 'a string' : typeof v === 'boolean' ? 'a boolean' : typeof v === 'number' ? (Number.isInteger(v) ? 'an integer' : 'a decimal') : 'an object')
const listed = (v: readonly unknown[]) => v.map((x) => `'${String(x)}'`).join(', ')

/** OpenAI's checks, in OpenAI's words: unknown keys, wrong types, values outside an enum. */
function check(value: unknown, spec: Spec, path: string): Problem | null {
  if (value === null && spec.n) return null
  const expected: Record<string, string> = { string: 'a string', number: 'a decimal', integer: 'an integer', boolean: 'a boolean', array: 'an array', object: 'an object' }
  const typeError = (want: string) => new Problem('invalid_type', `Invalid type for '${path}': expected ${want}, but got ${kindOf(value)} instead.`, path)
  switch (spec.t) {
    case 'any': return null
    case 'string': return typeof value === 'string' ? null : typeError(expected.string!)
    case 'boolean': return typeof value === 'boolean' ? null : typeError(expected.boolean!)
    case 'number': return typeof value === 'number' ? null : typeError(expected.number!)
    case 'integer': return Number.isInteger(value) ? null : typeError(expected.integer!)
    case 'enum': return spec.v.includes(value) ? null : new Problem('invalid_value', `Invalid value: '${String(value)}'. Supported values are: ${listed(spec.v)}.`, path)
    case 'or': return spec.s.some((s) => !check(value, s, path)) ? null : check(value, spec.s[0]!, path)
    case 'array':
      if (!Array.isArray(value)) return typeError(expected.array!)
      for (const [i, v] of value.entries()) { const p = spec.items && check(v, spec.items, `${path}[${i}]`); if (p) return p }
      return null
    case 'object':
      if (!isObj(value)) return typeError(expected.object!)
      for (const [k, v] of Object.entries(value)) {
        const field = spec.f[k]
        if (!field && spec.o) continue
        if (!field) return new Problem('unknown_parameter', `Unknown parameter: '${path}.${k}'.`, `${path}.${k}`)
        const p = check(v, field, `${path}.${k}`)
        if (p) return p
      }
      return null
  }
}

/** PCM16 mono tone: audible, and loud enough for the energy VAD of a client under test. */
function tone(samples: number, rate: number, from: number) {
  const b = Buffer.alloc(samples * 2)
  for (let i = 0; i < samples; i++) b.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * (from + i)) / rate) * 0.25 * 32767), i * 2)
  return b
}
function rms(pcm: Buffer, bytes: number) {
  let sum = 0
  for (let i = 0; i + 1 < bytes; i += 2) sum += (pcm.readInt16LE(i) / 32768) ** 2
  return Math.sqrt(sum / (bytes / 2))
}
/** Energy VAD threshold: OpenAI's `threshold` (0–1, default 0.5) scaled so 0.5 ≈ −32 dBFS RMS. */
const loud = (pcm: Buffer, bytes: number, threshold: number) => rms(pcm, bytes) > threshold / 20
const words = (text: string) => text.split(/(?<=\s)/).filter(Boolean)
const sentences = (text: string) => text.match(/[^.?!;。？！；]*[.?!;。？！；]+\s*|[^.?!;。？！；]+$/g) ?? []
const strictBase64 = (s: string) => s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s)

export async function startFakeRealtime(options: FakeRealtimeOptions = {}) {
  const dialect = options.dialect ?? 'ga'
  const beta = dialect === 'beta'
  const rate = beta ? 16000 : 24000
  const script: Required<FakeRealtimeScript> = { answer: options.answer ?? { text: 'Hello there, how can I help?', audioMs: 1200 }, transcript: options.transcript ?? 'Hello.', calls: options.calls ?? [] }
  let behaviour: RealtimeBehaviour = options.behaviour ?? { kind: 'normal' }
  const sessions: RecordedRealtimeSession[] = []
  const refusals: RecordedRefusal[] = []
  const sockets = new Set<Socket>()
  const chunkMs = options.chunkMs ?? 100

  const server = createServer((_req, res) => res.writeHead(404).end())
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))))
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 })

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const query = Object.fromEntries(url.searchParams)
    const refuse = (status: number, body?: unknown) => {
      refusals.push({ path: url.pathname, query, headers: req.headers, status, at: performance.now() })
      const text = body === undefined ? '' : JSON.stringify(body)
      socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`)
    }
    // OpenRealtime has one route; Starlette refuses others and uvicorn answers 403. OpenAI's 404 is unverified.
    if (url.pathname !== (beta ? '/realtime' : '/v1/realtime')) return refuse(beta ? 403 : 404)
    if (behaviour.kind === 'refuse') return refuse(behaviour.status ?? (beta ? 403 : 401))
    if (!beta && options.apiKey) {
      const auth = req.headers.authorization ?? ''
      const key = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim()
      if (!key) return refuse(401, { error: { message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", type: 'invalid_request_error', param: null, code: null } })
      if (key !== options.apiKey) return refuse(401, { error: { message: `Incorrect API key provided: ${key.slice(0, 3)}***${key.slice(-4)}.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } })
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const rec: RecordedRealtimeSession = { path: url.pathname, query, headers: req.headers, events: [], sent: [], samples: 0, truncations: [], ignored: [], closed: false }
      sessions.push(rec)
      serve(ws, rec, query.model ?? 'gpt-realtime')
    })
  })

  interface Item { item: Obj; samples: number }
  interface Active { id: string; itemId: string; ts: number; cancelled?: 'client_cancelled' | 'turn_detected'; wake?: () => void; samples: number; text: string }

  function serve(ws: WebSocket, rec: RecordedRealtimeSession, model: string) {
    const hang = behaviour.kind === 'hang'
    const open = () => ws.readyState === ws.OPEN
    const send = (e: Obj) => {
      if (hang || !open()) return
      const event = { event_id: beta ? betaId('event') : gaId('event'), ...e }
      rec.sent.push(event)
      ws.send(JSON.stringify(event))
    }
    const fail = (p: Problem, m?: Obj, type = 'invalid_request_error') => {
      if (beta) return void rec.ignored.push({ event: m, reason: `${p.code}: ${p.message}` })
      send({ type: 'error', error: { type, code: p.code, message: p.message, param: p.param, event_id: typeof m?.event_id === 'string' ? m.event_id : null } })
    }
    const items = new Map<string, Item>()
    const order: string[] = []
    let buffer: Buffer[] = []
    let bufferBytes = 0
    let active: Active | undefined
    let spoke = false
    // GA VAD: 20 ms frames; `at` counts all audio written in the session (OpenAI's audio_start_ms clock).
    let vad = { carry: Buffer.alloc(0), at: 0, speaking: false, quietMs: 0, itemId: '' }
    // OpenRealtime's VADAnalyzer: 512-sample frames, QUIET→STARTING→SPEAKING→STOPPING; null while off.
    let bvad: { carry: Buffer; state: string; current: string; starting: number; stopping: number } | null = null
    let bufItemId = betaId('item')
    let textCancelAt = 0
    let ttsCancelAt = 0
    let queue = Promise.resolve()
    // One TTS worker per connection: a later response's audio waits behind an earlier one's.
    let tts = Promise.resolve()
    const defaultConv = beta ? betaId('conv') : gaId('conv')
    let session: Obj = beta
      ? { modalities: ['text'], instructions: 'You are a helpful assistant.', voice: 'alloy', tts_model: 'gpt-4o-mini-tts', input_audio_format: 'pcm16', output_audio_format: 'pcm16', turn_detection: false }
      : {
          type: 'realtime', object: 'realtime.session', id: gaId('sess'), model, output_modalities: ['audio'], instructions: 'You are a helpful assistant.', tools: [], tool_choice: 'auto', max_output_tokens: 'inf', tracing: null, truncation: 'auto', prompt: null, expires_at: Math.floor(Date.now() / 1000) + 3600, include: null,
          audio: { input: { format: { type: 'audio/pcm', rate: 24000 }, transcription: null, noise_reduction: null, turn_detection: { ...SERVER_VAD } }, output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'alloy', speed: 1 } },
        }
    const gaAudio = () => session.audio as { input: Obj; output: Obj }

    const addItem = (item: Obj, samples = 0) => {
      const previous = order.at(-1) ?? null
      items.set(item.id as string, { item, samples })
      order.push(item.id as string)
      if (beta) return send({ type: 'conversation.item.created', ...(previous ? { previous_item_id: previous } : {}), item })
      send({ type: 'conversation.item.added', previous_item_id: previous, item })
      if (item.status !== 'in_progress') send({ type: 'conversation.item.done', previous_item_id: previous, item })
    }
    const takeBuffer = () => {
      const audio = Buffer.concat(buffer)
      buffer = []
      bufferBytes = 0
      return audio
    }

    function commit(m?: Obj, itemId = gaId('item')) {
      const ms = (bufferBytes / 2 / rate) * 1000
      if (ms < 100) return fail(new Problem('input_audio_buffer_commit_empty', `Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has ${ms.toFixed(2)}ms of audio.`), m)
      takeBuffer()
      send({ type: 'input_audio_buffer.committed', previous_item_id: order.at(-1) ?? null, item_id: itemId })
      const content: Obj = { type: 'input_audio', transcript: null }
      addItem({ id: itemId, object: 'realtime.item', type: 'message', status: 'completed', role: 'user', content: [content] })
      // Only when the session asks for it; it runs beside the response, so it may come before or after.
      if (gaAudio().input.transcription)
        setTimeout(() => {
          content.transcript = script.transcript
          send({ type: 'conversation.item.input_audio_transcription.completed', item_id: itemId, content_index: 0, transcript: script.transcript, usage: { type: 'duration', seconds: Math.ceil(ms / 1000) }, logprobs: null })
        }, 0)
    }

    function vadGa(pcm: Buffer) {
      const td = gaAudio().input.turn_detection as typeof SERVER_VAD | null
      vad.carry = Buffer.concat([vad.carry, pcm])
      const frame = (rate / 50) * 2
      while (vad.carry.length >= frame) {
        const speech = !!td && loud(vad.carry, frame, td.threshold ?? 0.5)
        vad.carry = vad.carry.subarray(frame)
        vad.at += 20
        if (!td) continue
        if (!vad.speaking && speech) {
          vad = { ...vad, speaking: true, quietMs: 0, itemId: gaId('item') }
          send({ type: 'input_audio_buffer.speech_started', audio_start_ms: Math.max(0, vad.at - 20 - (td.prefix_padding_ms ?? 300)), item_id: vad.itemId })
          if (active && td.interrupt_response !== false) stop(active, 'turn_detected')
        } else if (vad.speaking) {
          vad.quietMs = speech ? 0 : vad.quietMs + 20
          if (vad.quietMs < (td.silence_duration_ms ?? 500)) continue
          vad.speaking = false
          send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: vad.at, item_id: vad.itemId })
          commit(undefined, vad.itemId)
          if (td.create_response !== false) void respond()
        }
      }
    }

    const stop = (r: Active, why: Active['cancelled']) => ((r.cancelled = why), r.wake?.())
    const wait = (r: Active, ms: number) => new Promise<void>((res) => {
      const t = setTimeout(res, Math.max(0, ms))
      r.wake = () => (clearTimeout(t), res())
    })

    /** One GA response: the events OpenAI sends for an audio (or text) turn, and their `.done`s even when cancelled. */
    async function respond(m?: Obj) {
      if (active) return fail(new Problem('conversation_already_has_active_response', `Conversation already has an active response in progress: ${active.id}. Wait until the response is finished before creating a new one.`), m)
      const problem = m?.response === undefined ? null : check(m.response, GA_RESPONSE, 'response')
      if (problem) return fail(problem, m)
      const params = (m?.response ?? {}) as Obj
      if (behaviour.kind === 'error') return fail(new Problem('server_error', 'The server had an error while processing your request. Sorry about that!'), m, 'server_error') // code unverified
      const modality = ((params.output_modalities ?? session.output_modalities) as string[])[0]
      const audio = modality === 'audio'
      const r: Active = { id: gaId('resp'), itemId: gaId('item'), ts: 0, samples: 0, text: '' }
      active = r
      const offered = Array.isArray(session.tools) ? (session.tools as Obj[]).map((t) => t.name) : []
      const calls = script.calls.filter((c) => offered.includes(c.name))
      const choice = params.tool_choice ?? session.tool_choice
      const answered = order.length > 0 && items.get(order.at(-1)!)?.item.type === 'function_call_output'
      if (calls.length && choice !== 'none' && !answered) return callFunctions(r, calls, params)
      const response = (status: string, extra: Obj = {}) => ({ object: 'realtime.response', id: r.id, status, status_details: null, output: [], conversation_id: defaultConv, output_modalities: [modality], max_output_tokens: params.max_output_tokens ?? session.max_output_tokens, audio: { output: { format: gaAudio().output.format, voice: gaAudio().output.voice } }, usage: null, metadata: params.metadata ?? null, ...extra })
      send({ type: 'response.created', response: response('in_progress') })
      const item: Obj = { id: r.itemId, object: 'realtime.item', type: 'message', status: 'in_progress', role: 'assistant', content: [] }
      send({ type: 'response.output_item.added', response_id: r.id, output_index: 0, item })
      addItem(item)
      const ids = { response_id: r.id, item_id: r.itemId, output_index: 0, content_index: 0 }
      send({ type: 'response.content_part.added', ...ids, part: audio ? { type: 'audio', transcript: '' } : { type: 'text', text: '' } })
      const said = words(script.answer.text)
      if (audio) {
        spoke = true
        const total = Math.round((script.answer.audioMs * rate) / 1000)
        const chunk = Math.max(1, Math.round((chunkMs * rate) / 1000))
        const chunks = Math.ceil(total / chunk)
        if (behaviour.kind === 'slow-first-audio') await wait(r, behaviour.ms)
        const start = performance.now()
        let w = 0
        for (let k = 0; k < chunks && !r.cancelled && open(); k++) {
          // The transcript keeps a little ahead of the audio, as OpenAI's does.
          for (const due = Math.ceil(((k + 1) / chunks) * said.length); w < due; w++) (r.text += said[w]), send({ type: 'response.output_audio_transcript.delta', ...ids, delta: said[w] })
          if (behaviour.kind === 'drop' && behaviour.afterDeltas === 0) return void ws.terminate()
          const n = Math.min(chunk, total - k * chunk)
          send({ type: 'response.output_audio.delta', ...ids, delta: tone(n, rate, r.samples).toString('base64') })
          r.samples += n
          const stored = items.get(r.itemId)
          if (stored) stored.samples = r.samples
          if (behaviour.kind === 'drop' && k + 1 >= behaviour.afterDeltas) return void ws.terminate()
          await wait(r, options.pace === 'realtime' ? start + (k + 1) * chunkMs - performance.now() : 0)
        }
      } else {
        for (const w of said) {
          if (r.cancelled || !open()) break
          r.text += w
          send({ type: 'response.output_text.delta', ...ids, delta: w })
          await wait(r, 0)
        }
      }
      if (!open()) return
      if (audio) send({ type: 'response.output_audio.done', ...ids }), send({ type: 'response.output_audio_transcript.done', ...ids, transcript: r.text })
      else send({ type: 'response.output_text.done', ...ids, text: r.text })
      send({ type: 'response.content_part.done', ...ids, part: audio ? { type: 'audio', transcript: r.text } : { type: 'text', text: r.text } })
      Object.assign(item, { status: r.cancelled ? 'incomplete' : 'completed', content: [audio ? { type: 'output_audio', transcript: r.text } : { type: 'output_text', text: r.text }] })
      send({ type: 'response.output_item.done', response_id: r.id, output_index: 0, item })
      send({ type: 'conversation.item.done', previous_item_id: order[order.indexOf(r.itemId) - 1] ?? null, item })
      const out = Math.ceil(r.text.length / 4) + Math.ceil(r.samples / rate) * 10
      active = undefined
      send({ type: 'response.done', response: response(r.cancelled ? 'cancelled' : 'completed', { status_details: r.cancelled ? { type: 'cancelled', reason: r.cancelled } : null, output: [item], usage: { total_tokens: out + 20, input_tokens: 20, output_tokens: out, input_token_details: { text_tokens: 20, audio_tokens: 0, cached_tokens: 0 }, output_token_details: { text_tokens: Math.ceil(r.text.length / 4), audio_tokens: out - Math.ceil(r.text.length / 4) } } }) })
    }

    /** A response of function calls (openai-node 6.49's RealtimeConversationItemFunctionCall and its argument events): no audio. */
    async function callFunctions(r: Active, calls: { name: string; arguments: string }[], params: Obj) {
      const response = (status: string, output: Obj[] = []) => ({ object: 'realtime.response', id: r.id, status, status_details: null, output, conversation_id: defaultConv, output_modalities: params.output_modalities ?? session.output_modalities, usage: null, metadata: params.metadata ?? null })
      send({ type: 'response.created', response: response('in_progress') })
      const done: Obj[] = []
      for (const [index, c] of calls.entries()) {
        const item: Obj = { id: gaId('item'), object: 'realtime.item', type: 'function_call', status: 'in_progress', call_id: gaId('call'), name: c.name, arguments: '' }
        const ids = { response_id: r.id, item_id: item.id, output_index: index, call_id: item.call_id }
        send({ type: 'response.output_item.added', response_id: r.id, output_index: index, item })
        addItem(item)
        for (let at = 0; at < c.arguments.length && open(); at += 8) {
          send({ type: 'response.function_call_arguments.delta', ...ids, delta: c.arguments.slice(at, at + 8) })
          await wait(r, 0)
        }
        if (!open()) return
        Object.assign(item, { status: r.cancelled ? 'incomplete' : 'completed', arguments: c.arguments })
        send({ type: 'response.function_call_arguments.done', ...ids, name: c.name, arguments: c.arguments })
        send({ type: 'response.output_item.done', response_id: r.id, output_index: index, item })
        send({ type: 'conversation.item.done', previous_item_id: order[order.indexOf(item.id as string) - 1] ?? null, item })
        done.push(item)
      }
      active = undefined
      send({ type: 'response.done', response: response(r.cancelled ? 'cancelled' : 'completed', done) })
    }

    function truncate(m: Obj) {
      const t: RecordedTruncation = { item_id: m.item_id, content_index: m.content_index, audio_end_ms: m.audio_end_ms, at: performance.now(), sentMs: null, outcome: 'unanswered' }
      rec.truncations.push(t)
      if (beta) {
        const bad = check(m.item_id, S.str, 'item_id') ?? check(m.content_index, S.int, 'content_index') ?? check(m.audio_end_ms, S.int, 'audio_end_ms')
        return void rec.ignored.push({ event: m, reason: bad ? `pydantic validation failed: ${bad.message}` : 'conversation.item.truncate is a no-op in OpenRealtime' })
      }
      const found = typeof m.item_id === 'string' ? items.get(m.item_id) : undefined
      if (found) t.sentMs = (found.samples / rate) * 1000
      const problem =
        typeof m.item_id !== 'string' ? check(m.item_id, S.str, 'item_id')
        : !Number.isInteger(m.audio_end_ms) ? check(m.audio_end_ms, S.int, 'audio_end_ms')
        : (m.audio_end_ms as number) < 0 ? new Problem('invalid_value', `Invalid 'audio_end_ms': integer below minimum value. Expected a value >= 0, but got ${m.audio_end_ms} instead.`, 'audio_end_ms') // unverified text
        : m.content_index !== 0 ? new Problem('invalid_value', `Invalid 'content_index': expected 0, but got ${String(m.content_index)} instead.`, 'content_index') // unverified text
        : !found ? new Problem('invalid_value', `Conversation item with id '${m.item_id}' not found.`, 'item_id') // unverified text
        : found.item.role !== 'assistant' || found.samples === 0 ? new Problem('unsupported_content_type', 'Only model output audio messages can be truncated')
        : (m.audio_end_ms as number) > t.sentMs! ? new Problem('invalid_value', `Audio content of ${Math.round(t.sentMs!)}ms is already shorter than ${m.audio_end_ms}ms`, 'audio_end_ms')
        : null
      t.outcome = problem ? 'error' : 'truncated'
      if (problem) return fail(problem, m)
      // OpenAI drops the transcript of what was not heard.
      ;(found!.item.content as Obj[]).forEach((c) => c.type === 'output_audio' && (c.transcript = ''))
      send({ type: 'conversation.item.truncated', item_id: m.item_id, content_index: 0, audio_end_ms: m.audio_end_ms })
    }

    function updateGa(m: Obj) {
      const s = m.session
      if (s === undefined) return fail(new Problem('missing_required_parameter', "Missing required parameter: 'session'.", 'session'), m)
      if (!isObj(s)) return fail(check(s, obj({}), 'session')!, m)
      if (!('type' in s)) return fail(new Problem('missing_required_parameter', "Missing required parameter: 'session.type'.", 'session.type'), m)
      const problem = check(s, GA_SESSION, 'session')
      if (problem) return fail(problem, m)
      if (s.type !== 'realtime') return fail(new Problem('invalid_value', 'Passing a transcription session update event to a realtime session is not allowed.', 'session.type'), m)
      if (Array.isArray(s.output_modalities) && s.output_modalities.length !== 1) return fail(new Problem('invalid_value', "Invalid 'session.output_modalities': exactly one of 'text' or 'audio' is supported.", 'session.output_modalities'), m) // unverified text
      const audio = (s.audio ?? {}) as { input?: Obj; output?: Obj }
      for (const dir of ['input', 'output'] as const) {
        const f = audio[dir]?.format as Obj | undefined
        if (f && f.type !== 'audio/pcm') return fail(new Problem('fake_unsupported', `This fake speaks audio/pcm only, not ${String(f.type)}.`, `session.audio.${dir}.format`), m)
      }
      const voice = audio.output?.voice
      if (voice !== undefined && spoke && JSON.stringify(voice) !== JSON.stringify(gaAudio().output.voice)) return fail(new Problem('cannot_update_voice', 'Cannot update a conversation\'s voice if assistant audio is present.', 'session.audio.output.voice'), m) // code unverified
      // Only what is present changes; the audio sections merge key by key.
      const { audio: _a, type: _t, ...top } = s
      const td = audio.input?.turn_detection as Obj | null | undefined
      session = {
        ...session, ...top,
        audio: {
          input: { ...gaAudio().input, ...audio.input, ...(td ? { turn_detection: td.type === 'server_vad' ? { ...SERVER_VAD, ...td } : { type: 'semantic_vad', eagerness: 'auto', create_response: true, interrupt_response: true, ...td } } : {}) },
          output: { ...gaAudio().output, ...audio.output },
        },
      }
      if (td === null) vad = { ...vad, speaking: false, quietMs: 0 }
      send({ type: 'session.updated', session })
    }

    /** OpenRealtime's SessionProperties: pydantic, extra keys ignored, a failed check drops the whole event. */
    function updateBeta(m: Obj) {
      const s = m.session
      const field = (k: string, spec: Spec) => (s as Obj)[k] === undefined ? null : check((s as Obj)[k], N(spec), `session.${k}`)
      const problem = !isObj(s) ? new Problem('validation', 'session is required')
        : field('modalities', { t: 'array', items: en('text') }) ?? field('instructions', S.str) ?? field('voice', S.str) ?? field('tts_model', S.str) ?? field('input_audio_format', en('pcm16')) ?? field('output_audio_format', en('pcm16'))
          ?? field('input_audio_transcription', { t: 'object', o: true, f: { model: N(S.str), language: N(S.str), prompt: N(S.str) } }) ?? field('turn_detection', { t: 'or', s: [S.bool, { t: 'object', o: true, f: { type: N(en('server_vad')), threshold: N(S.num), prefix_padding_ms: N(S.int), silence_duration_ms: N(S.int) } }] })
          ?? field('tools', { t: 'array' }) ?? field('tool_choice', en('auto', 'none', 'required')) ?? field('temperature', S.num) ?? field('max_response_output_tokens', { t: 'or', s: [S.int, en('inf')] })
      if (problem) return void rec.ignored.push({ event: m, reason: `pydantic validation failed: ${problem.message}` })
      const given = s as Obj
      const keys = ['modalities', 'instructions', 'voice', 'tts_model', 'input_audio_format', 'output_audio_format', 'input_audio_transcription', 'turn_detection', 'tools', 'tool_choice', 'temperature', 'max_response_output_tokens']
      const next: Obj = { voice: 'alloy', tts_model: 'gpt-4o-mini-tts' }
      for (const k of keys) if (given[k] !== undefined && given[k] !== null) next[k] = given[k]
      if (isObj(next.turn_detection)) next.turn_detection = { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 200, silence_duration_ms: 600, ...next.turn_detection }
      if (isObj(next.input_audio_transcription)) next.input_audio_transcription = { model: 'whisper-tiny', ...next.input_audio_transcription }
      session = next
      // `turn_detection: true` passes validation, then `True.threshold` raises: settings changed, no reply.
      if (next.turn_detection === true) return void rec.ignored.push({ event: m, reason: "AttributeError: 'bool' object has no attribute 'threshold' (session replaced, no session.updated)" })
      bvad = isObj(next.turn_detection) ? { carry: bvad?.carry ?? Buffer.alloc(0), state: 'QUIET', current: 'QUIET', starting: 0, stopping: 0 } : null
      send({ type: 'session.updated', session })
    }

    function betaCommit() {
      const audio = takeBuffer()
      const item = { id: betaId('item'), object: 'realtime.item', type: 'message', role: 'user', content: [{ type: 'input_audio', audio: audio.toString('base64') }] }
      items.set(item.id, { item, samples: 0 })
      order.push(item.id)
      bufItemId = betaId('item')
      send({ type: 'input_audio_buffer.committed' })
    }
    /** Sends `response.audio.cancel` at once; the text loop and TTS notice (or not) on their own. */
    function betaCancel(reason: string, responseId?: unknown, itemId?: string) {
      const given = typeof responseId === 'string' ? Number(/^resp_([\d.]+)$/.exec(responseId)?.[1] ?? Infinity) : nextTs()
      textCancelAt = given
      send({ type: 'response.audio.cancel', response_id: typeof responseId === 'string' ? responseId : `resp_${given.toFixed(6)}`, item_id: itemId ?? (typeof responseId === 'string' ? responseId : 'unknown'), output_index: 0, content_index: 0, reason: `session_${reason}` })
    }
    function vadBeta(chunk: Buffer, offset: number) {
      if (!bvad) return
      const td = session.turn_detection as Obj
      const frame = 512 * 2
      const secsPerFrame = 512 / rate
      const startFrames = Math.round(((td.prefix_padding_ms as number) || 200) / 1000 / secsPerFrame)
      const stopFrames = Math.round(((td.silence_duration_ms as number) || 600) / 1000 / secsPerFrame)
      bvad.carry = Buffer.concat([bvad.carry, chunk])
      // OpenRealtime's own arithmetic: times count from the uncommitted buffer's start, less this append.
      let t = (offset > bvad.carry.length ? offset - bvad.carry.length : 0) / (rate * 2)
      const states: [string, number][] = bvad.carry.length < frame ? [[bvad.state, t]] : []
      while (bvad.carry.length >= frame) {
        const speech = loud(bvad.carry, frame, (td.threshold as number) || 0.5)
        bvad.carry = bvad.carry.subarray(frame)
        t += secsPerFrame
        const v = bvad
        if (speech) v.state === 'QUIET' ? ((v.state = 'STARTING'), (v.starting = 1)) : v.state === 'STARTING' ? v.starting++ : v.state === 'STOPPING' && ((v.state = 'SPEAKING'), (v.stopping = 0))
        else v.state === 'STARTING' ? ((v.state = 'QUIET'), (v.starting = 0)) : v.state === 'SPEAKING' ? ((v.state = 'STOPPING'), (v.stopping = 1)) : v.state === 'STOPPING' && v.stopping++
        if (v.state === 'STARTING' && v.starting >= startFrames) (v.state = 'SPEAKING'), (v.starting = 0)
        if (v.state === 'STOPPING' && v.stopping >= stopFrames) (v.state = 'QUIET'), (v.stopping = 0)
        states.push([v.state, t])
      }
      const last = states.filter(([s]) => s === 'QUIET' || s === 'SPEAKING').at(-1)
      if (!last || last[0] === bvad.current) return
      bvad.current = last[0]
      if (last[0] === 'SPEAKING') {
        send({ type: 'input_audio_buffer.speech_started', audio_start_ms: Math.trunc(last[1] * 1000), item_id: bufItemId })
        return betaCancel('user_started_speaking', undefined, bufItemId)
      }
      const id = bufItemId
      send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: Math.trunc(last[1] * 1000), item_id: id })
      betaCommit()
      // Whisper runs inline, before the queued response.create is read; there is always an STT engine.
      if (script.transcript) send({ type: 'conversation.item.input_audio_transcription.completed', transcript: script.transcript, item_id: id, content_index: 0 })
      queue = queue.then(() => betaGenerate({ type: 'response.create' }))
    }

    /** OpenRealtime's _do_generate and its TTS worker: text first, audio per sentence, cancel by time. */
    async function betaGenerate(m: Obj) {
      const ts = nextTs()
      const id = `resp_${ts.toFixed(6)}`
      const itemId = betaId('item')
      const inResp = isObj(m.response) ? m.response : undefined
      const out = { id, conversation_id: !inResp || (inResp.conversation ?? 'auto') !== 'auto' ? betaId('conv') : defaultConv, object: 'realtime.response', modalities: ['text'] }
      if (behaviour.kind === 'error') return send({ type: 'response.done', response: { ...out, status: 'failed' } })
      const ids = { response_id: id, item_id: itemId, output_index: 0, content_index: 0 }
      const text = script.answer.text
      const total = Math.round((script.answer.audioMs * rate) / 1000)
      let deltas = 0
      let first = true
      const speak = async (line: string) => {
        if (ttsCancelAt >= ts) return
        if (first && behaviour.kind === 'slow-first-audio') await sleep(behaviour.ms)
        first = false
        const samples = Math.round((total * line.length) / text.length)
        const chunk = Math.max(1, Math.round((chunkMs * rate) / 1000))
        const start = performance.now()
        for (let k = 0, from = 0; from < samples; k++, from += chunk) {
          if (ttsCancelAt >= ts || !open()) return
          if (behaviour.kind === 'drop' && deltas >= behaviour.afterDeltas) return void ws.terminate()
          send({ type: 'response.audio.delta', ...ids, delta: tone(Math.min(chunk, samples - from), rate, from).toString('base64') })
          deltas++
          await sleep(options.pace === 'realtime' ? start + (k + 1) * chunkMs - performance.now() : 0)
        }
        send({ type: 'response.audio.done', ...ids })
      }
      const lines = sentences(text)
      let said = ''
      for (const w of words(text)) {
        if (textCancelAt >= ts) {
          ttsCancelAt = ts
          send({ type: 'response.audio.cancel', response_id: id, output_index: 0, content_index: 0, reason: 'explicit_cancel_action' })
          return send({ type: 'response.done', response: { ...out, status: 'cancelled' } })
        }
        send({ type: 'response.text.delta', ...ids, delta: w })
        said += w
        // A finished sentence goes to TTS while the text streams on.
        while (lines.length && said.length >= lines[0]!.length) {
          const line = lines.shift()!
          said = said.slice(line.length)
          tts = tts.then(() => speak(line))
        }
        await sleep(options.wordMs ?? 0)
      }
      for (const line of lines) tts = tts.then(() => speak(line))
      send({ type: 'response.text.done', ...ids, text })
      const item = { id: itemId, object: 'realtime.item', type: 'message', role: 'assistant', content: [{ type: 'text', text }] }
      items.set(itemId, { item, samples: total })
      order.push(itemId)
      send({ type: 'response.done', response: { ...out, output: [item], status: 'completed' } })
    }

    function handleBeta(m: Obj) {
      const drop = (reason: string) => void rec.ignored.push({ event: m, reason })
      switch (m.type) {
        case 'session.update': return updateBeta(m)
        case 'input_audio_buffer.append': {
          if (typeof m.audio !== 'string') return drop('audio: field required')
          // Python's b64decode without validate: stray characters are skipped, bad padding raises.
          const clean = m.audio.replace(/[^A-Za-z0-9+/=]/g, '')
          if (clean.length % 4 !== 0) return drop('binascii.Error: Incorrect padding')
          const pcm = Buffer.from(clean, 'base64')
          const offset = bufferBytes
          buffer.push(pcm), (bufferBytes += pcm.length), (rec.samples += Math.floor(pcm.length / 2))
          return vadBeta(pcm, offset)
        }
        case 'input_audio_buffer.commit': return betaCommit()
        case 'input_audio_buffer.clear': return takeBuffer(), (bufItemId = betaId('item')), send({ type: 'input_audio_buffer.cleared' })
        case 'conversation.item.create': {
          const it = m.item
          if (!isObj(it) || !['message', 'function_call', 'function_call_output'].includes(it.type as string)) return drop('item: validation failed')
          const item = { id: betaId('item'), object: 'realtime.item', ...it }
          const at = typeof m.previous_item_id === 'string' ? order.indexOf(m.previous_item_id) : -1
          const previous = at >= 0 ? m.previous_item_id : order.at(-1)
          items.set(item.id as string, { item, samples: 0 })
          at >= 0 ? order.splice(at + 1, 0, item.id as string) : order.push(item.id as string)
          return send({ type: 'conversation.item.created', ...(previous ? { previous_item_id: previous } : {}), item })
        }
        case 'conversation.item.truncate': return truncate(m)
        case 'conversation.item.delete':
          if (typeof m.item_id !== 'string') return drop('item_id: field required')
          if (order.includes(m.item_id)) order.splice(order.indexOf(m.item_id), 1), items.delete(m.item_id)
          return send({ type: 'conversation.item.deleted', item_id: m.item_id })
        case 'conversation.item.retrieve': {
          const found = typeof m.item_id === 'string' ? items.get(m.item_id) : undefined
          return found ? send({ type: 'conversation.item.retrieved', item: found.item }) : drop('retrieve: no such item, no answer')
        }
        case 'response.create':
          if (m.response !== undefined && m.response !== null && !isObj(m.response)) return drop('response: validation failed')
          queue = queue.then(() => betaGenerate(m))
          return
        case 'response.cancel': return betaCancel('explicit_cancel_event', m.response_id)
        default: return drop(`Unimplemented server event type: ${String(m.type)}`)
      }
    }

    function handleGa(m: Obj) {
      if (typeof m.type !== 'string') return fail(new Problem('missing_required_parameter', "Missing required parameter: 'type'.", 'type'), m)
      if (!GA_CLIENT_EVENTS.includes(m.type)) return fail(new Problem('invalid_value', `Invalid value: '${m.type}'. Supported values are: ${listed(GA_CLIENT_EVENTS)}.`, 'type'), m)
      const need = (k: string, spec: Spec) => (m[k] === undefined ? new Problem('missing_required_parameter', `Missing required parameter: '${k}'.`, k) : check(m[k], spec, k))
      switch (m.type) {
        case 'session.update': return updateGa(m)
        case 'input_audio_buffer.append': {
          const p = need('audio', S.str)
          if (p) return fail(p, m)
          const text = m.audio as string
          // The fake is stricter than documented here (unverified): PCM16 must be whole samples.
          if (!strictBase64(text)) return fail(new Problem('invalid_value', "Invalid 'audio'. Expected base64-encoded audio bytes.", 'audio'), m)
          const pcm = Buffer.from(text, 'base64')
          if (pcm.length % 2) return fail(new Problem('invalid_value', `Invalid 'audio': ${pcm.length} bytes is not a whole number of 16-bit samples.`, 'audio'), m)
          buffer.push(pcm), (bufferBytes += pcm.length), (rec.samples += pcm.length / 2)
          return vadGa(pcm)
        }
        case 'input_audio_buffer.commit': return commit(m)
        case 'input_audio_buffer.clear':
          takeBuffer()
          vad = { ...vad, carry: Buffer.alloc(0), speaking: false, quietMs: 0 }
          return send({ type: 'input_audio_buffer.cleared' })
        case 'conversation.item.create': {
          const p = need('item', { t: 'object', f: { id: S.str, type: en('message', 'function_call', 'function_call_output'), object: en('realtime.item'), status: S.any, role: en('user', 'assistant', 'system'), content: { t: 'array' }, call_id: S.str, name: S.str, arguments: S.str, output: S.str } }) ?? (m.previous_item_id !== undefined ? need('previous_item_id', S.str) : null)
          if (p) return fail(p, m)
          if (typeof m.previous_item_id === 'string' && m.previous_item_id !== 'root' && !items.has(m.previous_item_id)) return fail(new Problem('invalid_value', `Previous item with id '${m.previous_item_id}' not found.`, 'previous_item_id'), m) // unverified text
          return addItem({ id: gaId('item'), object: 'realtime.item', status: 'completed', ...(m.item as Obj) })
        }
        case 'conversation.item.retrieve':
        case 'conversation.item.delete': {
          const p = need('item_id', S.str)
          if (p) return fail(p, m)
          const found = items.get(m.item_id as string)
          if (!found) return fail(new Problem('invalid_value', `Conversation item with id '${m.item_id}' not found.`, 'item_id'), m) // unverified text
          if (m.type === 'conversation.item.retrieve') return send({ type: 'conversation.item.retrieved', item: { ...found.item, content: (found.item.content as Obj[] | undefined)?.map((c) => (c.type === 'output_audio' ? { ...c, audio: tone(found.samples, rate, 0).toString('base64') } : c)) } })
          items.delete(m.item_id as string), order.splice(order.indexOf(m.item_id as string), 1)
          return send({ type: 'conversation.item.deleted', item_id: m.item_id })
        }
        case 'conversation.item.truncate': return truncate(m)
        case 'response.create': return void respond(m)
        case 'response.cancel':
          if (!active || (typeof m.response_id === 'string' && m.response_id !== active.id)) return fail(new Problem('response_cancel_not_active', 'Cancellation failed: no active response found'), m)
          return stop(active, 'client_cancelled')
      }
    }

    ws.on('message', (data: Buffer, binary: boolean) => {
      // OpenRealtime reads with iter_text(): a binary frame ends its loop and it closes the socket.
      if (beta && binary) return void (rec.ignored.push({ event: data, reason: 'binary frame: receive loop ends' }), ws.close(1000))
      let m: unknown
      try {
        m = JSON.parse(data.toString('utf8'))
      } catch {
        rec.events.push({ __raw: data.toString('utf8') })
        if (hang) return
        return beta ? void rec.ignored.push({ event: data.toString('utf8'), reason: 'invalid JSON' }) : fail(new Problem('invalid_json', 'We could not parse the JSON body of your request.')) // code unverified
      }
      rec.events.push(isObj(m) ? m : { __raw: data.toString('utf8') })
      if (hang) return
      if (!isObj(m)) return beta ? void rec.ignored.push({ event: m, reason: 'not an object' }) : fail(check(m, obj({}), 'event')!)
      beta ? handleBeta(m) : handleGa(m)
    })
    ws.on('close', () => {
      rec.closed = true
      if (active) stop(active, 'client_cancelled')
    })
    send({ type: 'session.created', session })
    if (beta) send({ type: 'conversation.created', conversation: { id: betaId('event'), object: 'realtime.conversation' } })
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    /** GA: `ws://127.0.0.1:PORT/v1/realtime` (add `?model=`); beta: OpenRealtime's `ws://127.0.0.1:PORT/realtime`. */
    url: `ws://127.0.0.1:${port}${beta ? '/realtime' : '/v1/realtime'}`,
    /** For clients that take a base URL (`<base>/realtime`). */
    httpBase: `http://127.0.0.1:${port}${beta ? '' : '/v1'}`,
    dialect,
    sessions,
    refusals,
    set(b: RealtimeBehaviour) {
      behaviour = b
    },
    /** Changes what later responses say and what later commits transcribe. */
    script(s: FakeRealtimeScript) {
      Object.assign(script, s)
    },
    reset() {
      behaviour = options.behaviour ?? { kind: 'normal' }
      sessions.length = 0
      refusals.length = 0
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

export type FakeRealtime = Awaited<ReturnType<typeof startFakeRealtime>>
