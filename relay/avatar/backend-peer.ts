/**
 * Talking to a backend's socket, as both remote backends do (native-backend.ts,
 * compat-backend.ts): its JSON, its errors (their messages go on to a browser, trimmed), waiting
 * for one reply, watching for chunks it stops answering, and closing without leaving it to send
 * on a dead socket.
 */
import type { BackendPeer } from '../sockets.ts'
import { WireError } from './wire.ts'

/** How long a backend gets to confirm a close before its socket is closed anyway. */
export const CLOSE_WAIT_MS = 1000

export function parseJson(data: string): Record<string, unknown> | null {
  try {
    const m = JSON.parse(data) as unknown
    return typeof m === 'object' && m !== null && !Array.isArray(m) ? (m as Record<string, unknown>) : null
  } catch {
    return null
  }
}

/** A backend's error, its message trimmed (it is passed on to a browser). */
export const backendError = (m: Record<string, unknown>) => new WireError(typeof m.code === 'string' ? m.code.slice(0, 40) : 'backend_error', typeof m.message === 'string' ? m.message.slice(0, 300) : 'The avatar server reported an error.')

/** Waits for the first text message of a kind; anything else text first is an error. */
export function firstReply(peer: BackendPeer, type: string, ms: number, what: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(timedOut(what, ms)), ms)
    peer.onMessage((data) => {
      if (typeof data !== 'string') return
      clearTimeout(timer)
      const m = parseJson(data)
      if (m?.type === type) resolve(m)
      else reject(m ? backendError(m) : new WireError('backend_error', `The avatar server answered ${what} with something unexpected.`))
    })
    peer.onClose(() => {
      clearTimeout(timer)
      reject(new WireError('backend_closed', `The avatar server closed the connection during ${what}.`))
    })
  })
}

export const timedOut = (what: string, ms: number) => new WireError('backend_timeout', `The avatar server did not answer ${what} within ${Math.round(ms / 1000)} s.`)

/**
 * Asks a backend to close (`session.close`, or the compat `close`) and closes the socket once
 * it has answered, or after CLOSE_WAIT_MS: a socket closed at once makes OmniRT send its answer
 * on a dead socket, which it logs as a traceback. Replies still owed arrive first and are dropped.
 */
export function closeGracefully(peer: BackendPeer, message: Record<string, unknown>, answer: string, ms = CLOSE_WAIT_MS): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      peer.close(1000, 'session closed')
      resolve()
    }
    const timer = setTimeout(done, ms)
    peer.onMessage((data) => typeof data === 'string' && parseJson(data)?.type === answer && done())
    peer.onClose(() => {
      clearTimeout(timer)
      resolve()
    })
    try {
      peer.send(JSON.stringify(message))
    } catch {
      done()
    }
  })
}

/** Watches for answers to chunks: a backend that stops answering has failed. */
export class ReplyWatch {
  private pending = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  constructor(private readonly ms: number, private readonly onLate: () => void) {}
  sent() {
    if (this.pending++ === 0) this.arm()
  }
  answered() {
    this.pending = Math.max(0, this.pending - 1)
    clearTimeout(this.timer)
    if (this.pending) this.arm()
  }
  clear() {
    this.pending = 0
    clearTimeout(this.timer)
  }
  private arm() {
    clearTimeout(this.timer)
    this.timer = setTimeout(this.onLate, this.ms)
  }
}

/** A connection opened for a session that has since ended or been replaced: not an error. */
export class Superseded extends WireError {
  constructor() {
    super('closed', 'The session ended.')
  }
}

/** The checks both backends put a session's numbers through: a bad one would break every browser after it. */
export function checkedNumbers(n: { chunk: number; fps: number; rate: number; lookahead: number }): string | null {
  if (!Number.isInteger(n.chunk) || n.chunk <= 0 || n.chunk > n.rate * 10) return 'no usable chunk size'
  if (!(n.fps > 0 && n.fps <= 120)) return 'no usable frame rate'
  if (!Number.isInteger(n.rate) || n.rate < 8000 || n.rate > 48000) return 'no usable sample rate'
  if (!Number.isInteger(n.lookahead) || n.lookahead < 0 || n.lookahead > 16) return 'no usable lookahead'
  return null
}
