import type { ErrorType } from '../contract.ts'
import { errorBody } from '../errors.ts'

const encoder = new TextEncoder()

/** One SSE `event: error` frame in OpenAI's error shape: streams never end in a silent close. */
export function sseErrorFrame(code: string, message: string, type: ErrorType = 'server_error'): Uint8Array {
  return encoder.encode(`event: error\ndata: ${JSON.stringify(errorBody(code, message, type))}\n\n`)
}

/** A controller for one upstream call that the client going away aborts too. */
export function abortWithClient(request: Request): AbortController {
  const upstream = new AbortController()
  const gone = () => upstream.abort('client closed')
  if (request.signal.aborted) gone()
  else request.signal.addEventListener('abort', gone, { once: true })
  return upstream
}

export interface PassThroughOptions {
  /** Aborting it cancels the upstream request; the stream aborts it itself on timeouts. */
  upstream: AbortController
  idleMs: number
  maxMs: number
  label: string
  /**
   * How a failure reaches the client: an SSE error frame (event streams), or by breaking off the
   * response (binary audio, where a frame would be played as noise: the client sees a cut stream).
   */
  onFailure?: 'sse-error' | 'break-off'
}

/**
 * Forwards an upstream byte stream chunk by chunk, as it arrives (no buffering, no re-parsing).
 * A stall longer than `idleMs`, a stream longer than `maxMs`, or an upstream that breaks off
 * ends the stream with an SSE error frame. A client that goes away cancels the upstream.
 */
export function passThroughEventStream(body: ReadableStream<Uint8Array>, opts: PassThroughOptions): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  let stopReason: 'idle' | 'max' | undefined
  const stop = (why: 'idle' | 'max') => {
    stopReason = why
    opts.upstream.abort(why)
  }
  // The idle clock runs only while waiting on the upstream, not on a slow client. One timer per
  // stream, not one per chunk: when it fires it checks how long the current wait has been.
  let waitingSince: number | undefined
  const checkIdle = () => {
    if (stopReason) return
    const waited = waitingSince === undefined ? 0 : Date.now() - waitingSince
    if (waited >= opts.idleMs) return stop('idle')
    idle = setTimeout(checkIdle, opts.idleMs - waited)
  }
  let idle = setTimeout(checkIdle, opts.idleMs)
  const max = setTimeout(stop, opts.maxMs, 'max')
  const release = () => {
    clearTimeout(idle)
    clearTimeout(max)
  }
  // A read that is pending when the upstream is aborted rejects; make sure that happens.
  opts.upstream.signal.addEventListener('abort', () => void reader.cancel().catch(() => {}), { once: true })

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        waitingSince = Date.now()
        const { done, value } = await reader.read()
        waitingSince = undefined
        if (stopReason) throw new Error(stopReason)
        if (done) {
          release()
          controller.close()
          return
        }
        controller.enqueue(value)
      } catch {
        release()
        if (opts.onFailure === 'break-off') return controller.error(new Error(`${opts.label} stream failed (${stopReason ?? 'upstream broke off'})`))
        controller.enqueue(failureFrame(stopReason, opts))
        controller.close()
      }
    },
    cancel() {
      release()
      opts.upstream.abort('client closed')
    },
  })
}

function failureFrame(reason: 'idle' | 'max' | undefined, opts: PassThroughOptions): Uint8Array {
  if (reason === 'idle') {
    return sseErrorFrame('upstream_timeout', `The ${opts.label} stopped sending for ${opts.idleMs / 1000} s; the answer was cut off. Try again.`)
  }
  if (reason === 'max') {
    return sseErrorFrame('stream_too_long', `The answer ran past the relay's limit of ${Math.round(opts.maxMs / 1000)} s and was cut off.`)
  }
  return sseErrorFrame('upstream_disconnected', `The connection to the ${opts.label} broke off in the middle of the answer. Try again.`)
}
