import { AppError } from './errors.ts'
import type { WorkerEvent, WorkerRequest, WorkerRpc } from './worker-rpc.ts'

/**
 * A worker that loads its model once, on first use. A failed load is forgotten (the worker
 * ended) and a crash drops the worker, so the next use starts afresh.
 */
export function lazyWorker<Req extends WorkerRequest, Ev extends WorkerEvent>(options: {
  spawn(): WorkerRpc<Req, Ev>
  /** Sends the load request on a new worker; resolves once the model is ready. */
  load(rpc: WorkerRpc<Req, Ev>): Promise<unknown>
  onCrash?(err: AppError): void
}) {
  let rpc: WorkerRpc<Req, Ev> | undefined
  let ready: Promise<WorkerRpc<Req, Ev>> | undefined
  let disposed = false
  const forget = () => {
    rpc = undefined
    ready = undefined
  }
  return {
    /** The loaded worker (started and loaded now if need be). */
    load(): Promise<WorkerRpc<Req, Ev>> {
      // Disposed (another voice or model took over): work still queued for it must not start a new worker.
      if (disposed) return Promise.reject(new AppError('worker_stopped', 'This worker was replaced.'))
      if (!ready) {
        const current = options.spawn()
        rpc = current
        current.on('crash', (err) => {
          if (rpc === current) forget()
          options.onCrash?.(err)
        })
        ready = options.load(current).then(
          () => current,
          (err: unknown) => {
            current.terminate()
            if (rpc === current) forget()
            throw err
          },
        )
      }
      return ready
    },
    dispose() {
      disposed = true
      rpc?.terminate()
      forget()
    },
  }
}

/** Runs jobs one after another (a failed one does not stop the next). */
export function oneAtATime() {
  let queue: Promise<unknown> = Promise.resolve()
  return <T>(job: () => Promise<T>): Promise<T> => {
    const run = queue.then(job)
    queue = run.catch(() => {})
    return run
  }
}

/**
 * Requests to a lazily loaded worker, one after another, queued here rather than in the worker
 * so that a request whose signal is aborted while it waits (a cancelled answer's sentences) is
 * skipped instead of delaying the next one.
 */
export function queuedRequests<Req extends WorkerRequest, Ev extends WorkerEvent>(worker: { load(): Promise<WorkerRpc<Req, Ev>> }) {
  const queue = oneAtATime()
  return <T>(signal: AbortSignal | undefined, send: (rpc: WorkerRpc<Req, Ev>) => Promise<T>): Promise<T> =>
    queue(async () => {
      signal?.throwIfAborted()
      const rpc = await worker.load()
      signal?.throwIfAborted()
      return send(rpc)
    })
}
