import { AppError } from '../../lib/errors.ts'

/** A server event of the Realtime protocol (GA names: the relay translates other dialects). */
export type RealtimeEvent = { type: string } & Record<string, unknown>

export interface LinkOptions {
  /** The relay's `WS /api/v1/realtime?model=…`. */
  url: string
  /** `realtime`, and the access token as OpenAI's browser clients offer a key. */
  protocols: string[]
  /** The session.update sent once the model has said session.created. */
  session(): Record<string, unknown>
}

/** The longest the model may take to start a session (the relay gives its upstream 10 s). */
const OPEN_MS = 15_000

/**
 * One WebSocket to a Realtime model through the relay: opened on first use, configured with the
 * session's settings, and reopened after a failure. Whoever waits for an event learns of a close
 * or a protocol error as an AppError with the relay's words.
 */
export class RealtimeLink {
  private socket: WebSocket | null = null
  private opening: Promise<void> | null = null
  private readonly listeners = new Set<(e: RealtimeEvent | AppError) => void>()
  /** The session as the model last confirmed it (session.updated). */
  session: Record<string, unknown> = {}
  /** Counts the sockets opened: a new one is a new session, which knows nothing said before it. */
  connection = 0

  constructor(private readonly options: LinkOptions) {}

  get isOpen() {
    return this.socket?.readyState === WebSocket.OPEN && this.opening === null
  }

  get isOpening() {
    return this.opening !== null
  }

  /** Connects and configures the session, or resolves at once when that is done. */
  open(): Promise<void> {
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) return this.opening ?? Promise.resolve()
    const socket = new WebSocket(this.options.url, this.options.protocols)
    this.socket = socket
    this.connection++
    let lastError: AppError | null = null
    let started = false
    socket.onmessage = (m) => {
      let event: RealtimeEvent
      try {
        event = JSON.parse(String(m.data)) as RealtimeEvent
      } catch {
        return
      }
      // The error a close is explained by is the last thing said before it.
      lastError = event.type === 'error' ? protocolError(event) : null
      if (event.type === 'session.created') started = true
      if (event.type === 'session.created') this.send({ type: 'session.update', session: this.options.session() })
      if (event.type === 'session.created' || event.type === 'session.updated') this.session = (event.session as Record<string, unknown>) ?? {}
      this.deliver(event)
    }
    socket.onclose = (c) => {
      if (this.socket !== socket) return
      this.socket = null
      this.opening = null
      // The relay sends an error event saying why before it closes; without one, the socket broke.
      this.deliver(lastError ?? closeError(c, started))
    }
    this.opening = this.waitFor((e) => e.type === 'session.updated', undefined, OPEN_MS).then(
      () => void (this.opening = null),
      (err: unknown) => {
        this.opening = null
        this.close()
        throw err
      },
    )
    return this.opening
  }

  send(event: Record<string, unknown>) {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(event))
  }

  /** Every event from now on, and a close or protocol error as an AppError; returns the unsubscribe. */
  listen(handler: (e: RealtimeEvent | AppError) => void): () => void {
    this.listeners.add(handler)
    return () => void this.listeners.delete(handler)
  }

  /** The next event that matches; rejects on an error event, a close, the signal or the deadline. */
  waitFor(match: (e: RealtimeEvent) => boolean, signal: AbortSignal | undefined, ms: number): Promise<RealtimeEvent> {
    return new Promise((resolve, reject) => {
      const done = (fn: () => void) => {
        off()
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        fn()
      }
      const onAbort = () => done(() => reject(signal!.reason ?? new DOMException('Stopped.', 'AbortError')))
      const off = this.listen((e) => {
        if (e instanceof AppError) return done(() => reject(e))
        if (e.type === 'error') return isStopRefusal(e) ? undefined : done(() => reject(protocolError(e)))
        if (match(e)) done(() => resolve(e))
      })
      const timer = setTimeout(() => done(() => reject(new AppError('realtime_timeout', `The Realtime model did not answer within ${Math.round(ms / 1000)} s. Try again.`))), ms)
      if (signal?.aborted) onAbort()
      else signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  close() {
    const socket = this.socket
    this.socket = null
    this.opening = null
    socket?.close(1000, 'done')
  }

  private deliver(e: RealtimeEvent | AppError) {
    for (const l of [...this.listeners]) l(e)
  }
}

/** A protocol `error` event as the app's error: the relay's (or model's) code and words. */
export function protocolError(e: RealtimeEvent): AppError {
  const error = (e.error ?? {}) as { code?: unknown; message?: unknown }
  // The relay's upstream_* codes are about the Realtime model here, not the language model's.
  const code = typeof error.code === 'string' ? error.code.replace(/^upstream_/, 'realtime_') : 'realtime_error'
  return new AppError(code, typeof error.message === 'string' ? error.message : 'The Realtime model reported an error.')
}

/** A close with no error event before it: refused at the door, or a connection that broke. */
function closeError(c: CloseEvent, started: boolean): AppError {
  // A browser is not told why an upgrade was refused: a wrong token and a stopped relay look alike.
  if (!started) return new AppError('realtime_unavailable', 'The Realtime model could not be opened through the relay. Check that the relay is running and, if it asks for one, the access token in Settings.')
  if (c.code === 1006) return new AppError('relay_unreachable', 'The connection to the relay broke off during the Realtime session. Check that it is running.')
  return new AppError('realtime_closed', `The Realtime session ended (${c.reason || c.code}). The next turn starts a new one.`)
}

let stops = 0
/** The event id of a stop (a cancel, a truncate): a refusal of it only means the answer had ended. */
export const stopEventId = () => `evt_parley_stop_${(++stops).toString(36)}`
export const isStopRefusal = (e: RealtimeEvent) => String((e.error as { event_id?: unknown } | undefined)?.event_id ?? '').startsWith('evt_parley_stop_')
