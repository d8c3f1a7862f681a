import { AppError, errorCode } from './errors.ts'

/** Every request to a worker carries an id; the worker's reply echoes it. */
export interface WorkerRequest {
  type: string
  id: number
}

/** Worker events: replies (with the request's id) and unsolicited events (without). */
export interface WorkerEvent {
  type: string
  id?: number
}

/** The error event every worker protocol shares. */
export interface WorkerErrorEvent {
  type: 'error'
  id?: number
  code: string
  message: string
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
type Handler<E> = (event: E) => void

/** Event types that settle a request: `ready` after `load`, `result` after anything else. */
const REPLIES = new Set(['ready', 'result'])

/**
 * The event that answers a request of type `T`: the convention above, in types, unless the
 * protocol names another reply in `Replies` (the avatar's `avatar` request is answered by `ready`).
 */
export type ReplyOf<Ev extends WorkerEvent, T extends string, Replies = object> = T extends keyof Replies
  ? Extract<Ev, { type: Replies[T] }>
  : T extends 'load'
    ? Extract<Ev, { type: 'ready' }>
    : Extract<Ev, { type: 'result' }>

/**
 * The main thread's side of a worker protocol: a pending map keyed by request id, typed events,
 * and a crash turned into an AppError for every request still waiting.
 */
export class WorkerRpc<Req extends WorkerRequest, Ev extends WorkerEvent, Replies = object> {
  private nextId = 1
  private readonly pending = new Map<number, { resolve(ev: Ev): void; reject(err: AppError): void }>()
  private readonly handlers = new Map<string, Set<Handler<never>>>()

  constructor(
    private readonly worker: Worker,
    /** Named in error messages: "the speech detector". */
    private readonly label: string,
  ) {
    worker.addEventListener('message', (e: MessageEvent<Ev>) => this.dispatch(e.data))
    worker.addEventListener('error', (e) => {
      e.preventDefault()
      this.crash(e.message || 'the worker failed to start')
    })
    worker.addEventListener('messageerror', () => this.crash('a message could not be read'))
  }

  request<M extends DistributiveOmit<Req, 'id'>>(message: M, transfer: Transferable[] = []): Promise<ReplyOf<Ev, M['type'], Replies>> {
    const id = this.nextId++
    return new Promise<ReplyOf<Ev, M['type'], Replies>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (ev: Ev) => void, reject })
      try {
        this.worker.postMessage({ ...message, id }, transfer)
      } catch (err) {
        // Not sent (a detached buffer, an uncloneable value): nothing will answer it.
        this.pending.delete(id)
        reject(new AppError('worker_message_failed', `Could not send to the ${this.label}: ${(err as Error).message}`))
      }
    })
  }

  /** A message that expects no reply (id 0), such as a cancel that must reach the worker mid-request. */
  notify<M extends DistributiveOmit<Req, 'id'>>(message: M) {
    this.worker.postMessage({ ...message, id: 0 })
  }

  on<K extends Ev['type'] | 'crash'>(type: K, handler: Handler<K extends 'crash' ? AppError : Extract<Ev, { type: K }>>): () => void {
    let set = this.handlers.get(type)
    if (!set) this.handlers.set(type, (set = new Set()))
    set.add(handler as Handler<never>)
    return () => set.delete(handler as Handler<never>)
  }

  terminate() {
    this.worker.terminate()
    this.failAll(new AppError('worker_stopped', `The ${this.label} was stopped.`))
  }

  private dispatch(event: Ev) {
    const waiting = event.id ? this.pending.get(event.id) : undefined
    if (waiting && (REPLIES.has(event.type) || event.type === 'error')) {
      this.pending.delete(event.id!)
      if (event.type === 'error') {
        const e = event as unknown as WorkerErrorEvent
        waiting.reject(new AppError(e.code, e.message))
      } else waiting.resolve(event)
      return
    }
    this.emit(event.type, event)
  }

  private emit(type: string, payload: unknown) {
    for (const h of this.handlers.get(type) ?? []) (h as Handler<unknown>)(payload)
  }

  private crash(detail: string) {
    const err = new AppError('worker_crashed', `The ${this.label} stopped working (${detail}).`)
    // An uncaught error can leave the worker half-alive, holding its model: end it for good.
    this.worker.terminate()
    this.failAll(err)
    this.emit('crash', err)
  }

  private failAll(err: AppError) {
    for (const p of this.pending.values()) p.reject(err)
    this.pending.clear()
  }
}

/**
 * The worker's side: handles one message at a time, in order, and turns a thrown error into
 * `{type:'error', id, code, message}`.
 */
export function serveRequests<Req extends WorkerRequest>(
  scope: { addEventListener(type: 'message', h: (e: MessageEvent<Req>) => void): void; postMessage(m: unknown, t?: Transferable[]): void },
  handle: (request: Req) => Promise<void>,
) {
  let queue = Promise.resolve()
  scope.addEventListener('message', (e) => {
    const request = e.data
    queue = queue.then(() =>
      handle(request).catch((err: unknown) => {
        const code = errorCode(err) || 'worker_error'
        const message = err instanceof Error ? err.message : String(err)
        scope.postMessage({ type: 'error', id: request.id || undefined, code, message })
      }),
    )
  })
}
