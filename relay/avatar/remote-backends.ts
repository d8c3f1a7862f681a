/**
 * The two ways a session reaches a remote avatar model, behind one interface (backend.ts):
 * OmniRT's native realtime protocol (cancel, metrics), and a model server's compat protocol
 * (lock-step, no cancel: the relay closes and re-inits, off the critical path). The third way is
 * the built-in mock (mock-backend.ts).
 */
import type { AvatarSessionInfo } from '../contract.ts'
import type { BackendPeer, Connect } from '../sockets.ts'
import { newId, type AvatarLimits, type Backend, type BackendOutput, type Create } from './backend.ts'
import type { AvatarModel } from './config.ts'
import { errorMessage, serverMessage, WireError } from './wire.ts'

function parseJson(data: string): Record<string, unknown> | null {
  try {
    const m = JSON.parse(data) as unknown
    return typeof m === 'object' && m !== null && !Array.isArray(m) ? (m as Record<string, unknown>) : null
  } catch {
    return null
  }
}

/** A backend's error, its message trimmed (it is passed on to a browser). */
const backendError = (m: Record<string, unknown>) => new WireError(typeof m.code === 'string' ? m.code.slice(0, 40) : 'backend_error', typeof m.message === 'string' ? m.message.slice(0, 300) : 'The avatar server reported an error.')

/** Waits for the first text message of a kind; anything else text first is an error. */
function firstReply(peer: BackendPeer, type: string, ms: number, what: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new WireError('backend_timeout', `The avatar server did not answer ${what} within ${Math.round(ms / 1000)} s.`)), ms)
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

/** Watches for answers to chunks: a backend that stops answering has failed. */
class ReplyWatch {
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
class Superseded extends WireError {
  constructor() {
    super('closed', 'The session ended.')
  }
}

export class NativeBackend implements Backend {
  private peer: BackendPeer | undefined
  private closing = false
  /** Between a cancel and the server's confirmation, answers to dropped chunks are not counted. */
  private cancelling = false
  private readonly watch: ReplyWatch

  constructor(private readonly model: AvatarModel, private readonly connect: Connect, private readonly headers: Record<string, string>, private readonly out: BackendOutput, private readonly limits: AvatarLimits) {
    this.watch = new ReplyWatch(limits.replyMs, () => out.fail('backend_timeout', `The avatar server stopped answering (no video for ${Math.round(limits.replyMs / 1000)} s).`))
  }

  async create(message: Create): Promise<AvatarSessionInfo> {
    const peer = await this.connect(this.model.wsUrl!, this.headers)
    this.peer = peer
    if (this.closing) {
      peer.close(1000, 'session ended')
      throw new Superseded()
    }
    const created = firstReply(peer, 'session.created', this.limits.replyMs, 'the new session')
    peer.send(JSON.stringify({ type: 'session.create', model: this.model.id, backend: 'auto', inputs: message.inputs, config: message.config }))
    const m = await created
    const audio = m.audio as Partial<AvatarSessionInfo['audio']> | undefined
    const video = m.video as Partial<AvatarSessionInfo['video']> | undefined
    const chunk = Number(audio?.chunk_samples)
    const fps = Number(video?.fps)
    // Checked, not trusted: a bad chunk size or frame rate would break every browser after it.
    if (!Number.isInteger(chunk) || chunk <= 0 || chunk > 16000 * 10 || !(fps > 0 && fps <= 120)) throw new WireError('backend_error', 'The avatar server gave no usable chunk size or frame rate.')
    peer.onMessage((data) => {
      if (typeof data !== 'string') {
        if (this.cancelling) return
        this.watch.answered()
        return this.out.video(data)
      }
      const reply = parseJson(data)
      if (reply?.type === 'session.cancelled') this.cancelling = false
      else if (reply?.type === 'error' && !this.cancelling) this.watch.answered()
      if (reply) this.out.text(data)
    })
    peer.onClose((code) => !this.closing && this.out.fail('backend_closed', `The avatar server closed the session (${code}).`))
    return {
      session_id: String(m.session_id),
      trace_id: typeof m.trace_id === 'string' ? m.trace_id : undefined,
      audio: { format: 'pcm_s16le', sample_rate: 16000, channels: 1, chunk_samples: chunk },
      video: { encoding: 'jpeg-seq', wire_magic: 'VIDX', fps, width: Number(video?.width) || 0, height: Number(video?.height) || 0 },
    }
  }

  audio(chunk: Uint8Array) {
    // Bounded: audio the server has not taken yet stays under a few chunks' worth.
    if (this.peer!.bufferedAmount > this.limits.maxQueuedChunks * chunk.length) return this.out.fail('too_many_chunks', 'Audio arrived faster than the avatar server takes it.')
    this.watch.sent()
    this.peer!.send(chunk)
  }

  async cancel() {
    this.watch.clear()
    this.cancelling = true
    this.peer!.send(JSON.stringify({ type: 'session.cancel' }))
  }

  close() {
    this.closing = true
    this.watch.clear()
    try {
      this.peer?.send(JSON.stringify({ type: 'session.close' }))
    } catch {
      // already gone
    }
    this.peer?.close(1000, 'session closed')
  }
}

/**
 * Compat servers answer exactly one message per chunk and must get the next only after that
 * answer; they have no cancel, so a cancel closes the connection and opens a fresh one, whose
 * `init` runs while the user is still speaking — the next answer does not wait for it.
 */
export class CompatBackend implements Backend {
  private peer: BackendPeer | undefined
  private ready: Promise<BackendPeer> | undefined
  private queue: Uint8Array[] = []
  private inFlight: { at: number; index: number } | undefined
  private index = 0
  private create_: Create | undefined
  private closing = false
  /** A connection still being opened (closed too if the session ends meanwhile). */
  private opening: BackendPeer | undefined
  /** Each cancel opens a new connection; only the latest may become the session's. */
  private generation = 0
  private readonly watch: ReplyWatch
  private readonly id = newId()

  constructor(private readonly model: AvatarModel, private readonly connect: Connect, private readonly headers: Record<string, string>, private readonly out: BackendOutput, private readonly limits: AvatarLimits) {
    this.watch = new ReplyWatch(limits.replyMs, () => out.fail('backend_timeout', `The avatar server stopped answering (no video for ${Math.round(limits.replyMs / 1000)} s).`))
  }

  async create(message: Create): Promise<AvatarSessionInfo> {
    this.create_ = message
    const { peer, init } = await this.open()
    this.ready = Promise.resolve(peer)
    const fps = Number(init.fps)
    const chunk = Number(init.chunk_samples) || Math.round((Number(init.slice_len) * 16000) / fps)
    if (!(chunk > 0) || !(fps > 0)) throw new WireError('backend_error', 'The avatar server did not say its chunk size or frame rate.')
    return {
      session_id: this.id,
      audio: { format: 'pcm_s16le', sample_rate: 16000, channels: 1, chunk_samples: chunk },
      video: { encoding: 'jpeg-seq', wire_magic: 'VIDX', fps, width: Number(init.width), height: Number(init.height) },
    }
  }

  /** Connects and sends init; resolves once the server answered init_ok. */
  private async open(generation = this.generation): Promise<{ peer: BackendPeer; init: Record<string, unknown> }> {
    const stale = () => this.closing || generation !== this.generation
    const peer = await this.connect(this.model.wsUrl!, this.headers)
    if (stale()) {
      peer.close(1000, 'superseded')
      throw new Superseded()
    }
    this.opening = peer
    const ok = firstReply(peer, 'init_ok', this.limits.replyMs, 'init')
    const { inputs, config } = this.create_!
    peer.send(JSON.stringify({ type: 'init', ref_image: inputs.image_b64, ...(inputs.prompt ? { prompt: inputs.prompt } : {}), ...(config.seed !== undefined ? { seed: config.seed } : {}) }))
    const init = await ok.catch((err: unknown) => {
      peer.close(1000, 'init failed')
      throw err
    })
    if (this.opening === peer) this.opening = undefined
    if (stale()) {
      peer.close(1000, 'superseded')
      throw new Superseded()
    }
    this.peer = peer
    peer.onMessage((data) => this.onReply(peer, data))
    peer.onClose((code) => peer === this.peer && !this.closing && this.out.fail('backend_closed', `The avatar server closed the session (${code}).`))
    return { peer, init }
  }

  private onReply(peer: BackendPeer, data: string | Uint8Array) {
    if (peer !== this.peer || !this.inFlight) return
    const { at, index } = this.inFlight
    this.inFlight = undefined
    this.watch.answered()
    if (typeof data === 'string') {
      const m = parseJson(data)
      this.out.text(m ? errorMessage(backendError(m).code, backendError(m).message) : errorMessage('backend_error', 'The avatar server sent something unexpected.'))
    } else {
      this.out.text(serverMessage({ type: 'metrics', chunk_index: index, infer_ms: Math.round(performance.now() - at), encode_ms: 0 }))
      this.out.video(data)
    }
    this.next()
  }

  audio(chunk: Uint8Array) {
    if (this.queue.length >= this.limits.maxQueuedChunks) return this.out.fail('too_many_chunks', `Audio arrived faster than the avatar server takes it (more than ${this.limits.maxQueuedChunks} chunks waiting).`)
    this.queue.push(chunk)
    this.next()
  }

  private next() {
    if (this.inFlight || !this.queue.length || !this.peer || this.closing) return
    const chunk = this.queue.shift()!
    this.inFlight = { at: performance.now(), index: this.index++ }
    this.watch.sent()
    this.peer.send(chunk)
  }

  async cancel() {
    this.queue = []
    this.inFlight = undefined
    this.index = 0
    this.watch.clear()
    const old = this.peer
    this.peer = undefined
    this.opening?.close(1000, 'superseded')
    this.out.text(serverMessage({ type: 'session.cancelled', session_id: this.id }))
    old?.close(1000, 'cancelled')
    // Re-init now, while the user speaks: chunks sent meanwhile wait in the queue. A second
    // cancel before this one is done replaces it (the older connection is closed, not kept).
    const generation = ++this.generation
    this.ready = this.open(generation).then(({ peer }) => {
      this.next()
      return peer
    })
    await this.ready.catch((err: unknown) => {
      if (!(err instanceof Superseded)) throw err
    })
  }

  close() {
    this.closing = true
    this.watch.clear()
    this.opening?.close(1000, 'session closed')
    try {
      this.peer?.send(JSON.stringify({ type: 'close' }))
    } catch {
      // already gone
    }
    this.peer?.close(1000, 'session closed')
  }
}
