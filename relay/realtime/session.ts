/**
 * One client's Realtime session, `WS /api/v1/realtime?model=`: the relay opens its own socket to
 * the upstream with the operator's key (the client's credentials never go further), checks every
 * client event before passing it up (events.ts), speaks GA names to the client whatever the
 * upstream speaks (dialect.ts), and turns upstream failures — refused, down, silent, dropped —
 * into an `error` event and a clean close with a reason. Runtime-free: sockets come in as
 * `Peer`s, and the upstream is reached through `connect`.
 */
import type { RealtimeConfig } from '../config.ts'
import type { BackendPeer, Connect, Peer } from '../sockets.ts'
import { BetaUpstream, dialectOf, type Dialect } from './dialect.ts'
import { checkClientEvent, errorEvent, EventProblem, type EventRules } from './events.ts'

export interface RealtimeLimits {
  /** Time for the upstream to accept the socket and send `session.created`. */
  handshakeMs: number
  /** Longest an answer may go without an upstream event before the upstream counts as hung. */
  upstreamIdleMs: number
  /** Longest a client may send nothing (the mic off, the tab asleep) before the session ends. */
  idleMs: number
  /** Longest a session may last. */
  maxSessionMs: number
  /** Events, and their bytes, a client may send before the upstream is ready; more are refused. */
  maxQueued: number
  maxQueuedBytes: number
  /** A client that lets this much pile up unread is cut off rather than held in memory. */
  maxClientBufferBytes: number
}

export const defaultRealtimeLimits: RealtimeLimits = {
  handshakeMs: 10_000,
  upstreamIdleMs: 20_000,
  idleMs: 5 * 60_000,
  maxSessionMs: 30 * 60_000,
  maxQueued: 256,
  maxQueuedBytes: 2 * 1024 * 1024,
  maxClientBufferBytes: 16 * 1024 * 1024,
}

/** One append at most ~0.75 MiB of PCM (16 s at 24 kHz); OpenAI allows 15 MiB, a microphone needs a few KiB. */
export const MAX_AUDIO_CHARS = 1024 * 1024
/** Instructions, items and sessions: plenty for a persona and a conversation's worth of text. */
export const MAX_EVENT_CHARS = 256 * 1024

/** Keys shorter than this are not searched for in what the upstream sends. */
const MIN_REDACTED_KEY = 12

export interface RealtimeDeps {
  connect: Connect
  limits?: Partial<RealtimeLimits>
  log?(entry: Record<string, unknown>): void
}

export class RealtimeSession {
  private state: 'connecting' | 'open' | 'closed' = 'connecting'
  private upstream: BackendPeer | undefined
  private dialect: Dialect = 'ga'
  /** The translator for a beta upstream (dialect.ts). */
  private beta: BetaUpstream | undefined
  private readonly queued: string[] = []
  private queuedBytes = 0
  private readonly limits: RealtimeLimits
  private readonly rules: EventRules
  private readonly started = Date.now()
  private readonly timers = new Map<'handshake' | 'upstream' | 'idle' | 'lifetime', ReturnType<typeof setTimeout>>()
  /** Between response.created and response.done: an upstream silent this long has hung. */
  private responding = false
  private readonly counts = { eventsIn: 0, eventsOut: 0, bytesIn: 0, bytesOut: 0, refused: 0 }

  constructor(private readonly config: RealtimeConfig, private readonly model: string, private readonly deps: RealtimeDeps, private readonly client: Peer) {
    this.limits = { ...defaultRealtimeLimits, ...deps.limits }
    this.rules = { models: config.models, maxAudioChars: MAX_AUDIO_CHARS, maxEventChars: MAX_EVENT_CHARS }
    this.arm('lifetime', this.limits.maxSessionMs, () => this.fail('session_time_limit', `A Realtime session may last ${Math.round(this.limits.maxSessionMs / 60000)} minutes; start a new one.`, 1000))
    this.arm('handshake', this.limits.handshakeMs, () => this.fail('upstream_timeout', `The Realtime model did not start a session within ${Math.round(this.limits.handshakeMs / 1000)} s.`))
    this.touch()
    void this.open()
  }

  private async open() {
    const url = `${this.config.url}?model=${encodeURIComponent(this.model)}`
    let upstream: BackendPeer
    try {
      upstream = await this.deps.connect(url, this.config.apiKey ? { authorization: `Bearer ${this.config.apiKey}` } : {})
    } catch (err) {
      const detail = (err as Error).message
      this.deps.log?.({ level: 'warn', msg: 'realtime upstream unreachable', model: this.model, error: this.redact(detail) })
      const refused = /HTTP (401|403)/.test(detail)
      return this.fail(
        refused ? 'upstream_refused' : 'upstream_unavailable',
        refused ? 'The Realtime model refused the relay (its key was not accepted). The operator should check REALTIME_API_KEY.' : "The Realtime model could not be reached. Try again; the relay's log says why.",
      )
    }
    if (this.state === 'closed') return upstream.close(1000, 'client left')
    this.upstream = upstream
    upstream.onMessage((data) => this.fromUpstream(data))
    upstream.onClose((code, reason) => {
      if (this.state === 'closed') return
      this.upstream = undefined
      this.deps.log?.({ level: 'warn', msg: 'realtime upstream closed', model: this.model, code, reason: this.redact(reason).slice(0, 120) })
      this.fail('upstream_closed', this.responding ? 'The Realtime model dropped the connection in the middle of an answer; a new session is needed to go on.' : 'The Realtime model closed the connection; a new session is needed to go on.')
    })
  }

  /** A message from the client. */
  onClientMessage(data: string | Uint8Array) {
    if (this.state === 'closed') return
    this.touch()
    this.counts.eventsIn++
    this.counts.bytesIn += typeof data === 'string' ? data.length : data.byteLength
    if (typeof data !== 'string') return this.refuse(new EventProblem('invalid_event', 'Realtime events are JSON text messages; audio goes in input_audio_buffer.append as base64.'))
    let event
    try {
      event = checkClientEvent(data, this.rules)
    } catch (err) {
      if (err instanceof EventProblem) return this.refuse(err)
      throw err
    }
    if (this.state === 'open') return this.upstream!.send(this.beta ? JSON.stringify(this.beta.up(event)) : data)
    if (this.queued.length >= this.limits.maxQueued || this.queuedBytes + data.length > this.limits.maxQueuedBytes) return this.refuse(new EventProblem('upstream_not_ready', 'The Realtime model has not started the session yet; wait for session.created.', null, (event.event_id as string | undefined) ?? null))
    this.queued.push(data)
    this.queuedBytes += data.length
  }

  /** The client went away: end the upstream's session too. */
  onClientClose() {
    this.end(1000, 'client closed')
  }

  private fromUpstream(data: string | Uint8Array) {
    if (this.state === 'closed' || typeof data !== 'string') return
    let event: Record<string, unknown>
    try {
      event = JSON.parse(data) as Record<string, unknown>
    } catch {
      return this.deps.log?.({ level: 'warn', msg: 'realtime upstream sent non-JSON', model: this.model })
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event) || typeof event.type !== 'string') {
      return this.deps.log?.({ level: 'warn', msg: 'realtime upstream sent an event without a type', model: this.model })
    }
    try {
      this.onUpstreamEvent(event, data)
    } catch (err) {
      this.deps.log?.({ level: 'error', msg: 'realtime upstream event failed', model: this.model, error: (err as Error).message })
      this.fail('internal_error', 'The relay could not pass on what the Realtime model sent.')
    }
  }

  private onUpstreamEvent(event: Record<string, unknown>, data: string) {
    const type = event.type
    if (this.state === 'connecting') {
      if (type !== 'session.created') {
        return this.fail('upstream_error', type === 'error' ? `The Realtime model refused the session: ${this.redact(String((event.error as { message?: unknown } | undefined)?.message ?? '')).slice(0, 200)}` : 'The Realtime model did not start with session.created.')
      }
      this.dialect = dialectOf(event)
      if (this.dialect === 'beta') this.beta = new BetaUpstream(event, (e) => this.toClient(this.redact(JSON.stringify(e))))
      this.state = 'open'
      this.clear('handshake')
    }
    // A beta upstream sends no response.created, and its audio ends after response.done: an
    // answer is under way from its first delta until it says it is done or a sentence's audio ends.
    if (type === 'response.created' || (typeof type === 'string' && type.startsWith('response.') && type.endsWith('.delta'))) this.responding = true
    if (type === 'response.done' || type === 'response.audio.done' || type === 'response.output_audio.done') this.responding = false
    if (this.responding) this.arm('upstream', this.limits.upstreamIdleMs, () => this.fail('upstream_timeout', `The Realtime model stopped in the middle of an answer (nothing for ${Math.round(this.limits.upstreamIdleMs / 1000)} s).`))
    else this.clear('upstream')

    if (this.beta) this.beta.down(event)
    else this.toClient(this.redact(data))
    if (type === 'session.created') {
      this.queuedBytes = 0
      for (const queued of this.queued.splice(0)) this.onQueued(queued)
    }
  }

  /** A client event that waited for the session: translated now that the dialect is known. */
  private onQueued(text: string) {
    this.upstream?.send(this.beta ? JSON.stringify(this.beta.up(JSON.parse(text) as Record<string, unknown>)) : text)
  }

  private toClient(text: string) {
    if (this.client.bufferedAmount > this.limits.maxClientBufferBytes) return this.fail('client_too_slow', 'The connection could not keep up with the answer; the session was closed.')
    this.counts.eventsOut++
    this.counts.bytesOut += text.length
    this.client.send(text)
  }

  private refuse(problem: EventProblem) {
    this.counts.refused++
    this.toClient(errorEvent(problem.code, problem.message, { param: problem.param, eventId: problem.eventId }))
  }

  /**
   * The upstream's words may quote what it was sent; the key is never passed on. (A "key" of a
   * few characters could not be told from the audio's base64, and is no secret to keep.)
   */
  private redact(text: string): string {
    const key = this.config.apiKey
    return key && key.length >= MIN_REDACTED_KEY && text.includes(key) ? text.replaceAll(key, '[redacted]') : text
  }

  private touch() {
    this.arm('idle', this.limits.idleMs, () => this.fail('idle_timeout', `Nothing was sent for ${Math.round(this.limits.idleMs / 1000)} s: the session was closed.`, 1000))
  }

  private arm(name: 'handshake' | 'upstream' | 'idle' | 'lifetime', ms: number, then: () => void) {
    clearTimeout(this.timers.get(name))
    this.timers.set(name, setTimeout(then, ms))
  }

  private clear(name: 'handshake' | 'upstream' | 'idle' | 'lifetime') {
    clearTimeout(this.timers.get(name))
    this.timers.delete(name)
  }

  /** Ends the session with the protocol's error event first, so the client can say why. */
  private fail(code: string, message: string, closeCode = 1011) {
    if (this.state === 'closed') return
    this.client.send(errorEvent(code, message, { type: 'server_error' }))
    this.end(closeCode, code)
  }

  private end(code: number, reason: string) {
    if (this.state === 'closed') return
    this.state = 'closed'
    for (const t of this.timers.values()) clearTimeout(t)
    this.beta?.close()
    this.upstream?.close(1000, 'session ended')
    this.client.close(code, reason)
    // Counts and times only: no key, no audio, no text.
    this.deps.log?.({ level: code === 1000 ? 'info' : 'warn', msg: 'realtime session', model: this.model, dialect: this.dialect, ms: Date.now() - this.started, events_in: this.counts.eventsIn, events_out: this.counts.eventsOut, bytes_in: this.counts.bytesIn, bytes_out: this.counts.bytesOut, refused: this.counts.refused, close: reason })
  }
}
