/**
 * OmniRT's native realtime protocol (`/v1/avatar/realtime`). A cancel ends an OmniRT session
 * for good, so the relay's cancel is: tell the browser at once, cancel upstream, wait for
 * `session.cancelled` (the server finishes the chunks it already has first: their frames and
 * metrics are dropped), then `session.create` again on the same socket with the same reference.
 * Chunks for the next answer wait meanwhile — a re-create costs no reconnect, and it runs while
 * the user speaks. Closing waits for `session.closed` (backend-peer.ts).
 */
import type { AvatarSessionInfo } from '../contract.ts'
import type { BackendPeer, Connect } from '../sockets.ts'
import { ChunkMeter, frameCount, type AvatarLimits, type Backend, type BackendOutput, type Create } from './backend.ts'
import { backendError, checkedNumbers, closeGracefully, parseJson, ReplyWatch, Superseded, timedOut } from './backend-peer.ts'
import type { AvatarModel } from './config.ts'
import { errorMessage, serverMessage, WireError } from './wire.ts'

type Phase = 'new' | 'live' | 'cancelling' | 'creating' | 'closing'

export class NativeBackend implements Backend {
  private peer: BackendPeer | undefined
  private create_: Create | undefined
  private info: AvatarSessionInfo | undefined
  /** live: chunks go straight on; cancelling/creating: the session is being replaced and chunks wait. */
  private phase: Phase = 'new'
  /** Chunks went to the upstream session since it was created: a cancel must end it. */
  private dirty = false
  private queue: Uint8Array[] = []
  /** OmniRT sends a chunk's metrics, then its frames: the metrics wait for them. */
  private held: Record<string, unknown> | undefined
  private awaiting: { type: string; resolve(m: Record<string, unknown>): void; reject(err: Error): void } | undefined
  private readonly meter = new ChunkMeter()
  private readonly watch: ReplyWatch

  constructor(private readonly model: AvatarModel, private readonly connect: Connect, private readonly headers: Record<string, string>, private readonly out: BackendOutput, private readonly limits: AvatarLimits) {
    this.watch = new ReplyWatch(limits.replyMs, () => out.fail('backend_timeout', `The avatar server stopped answering (no video for ${Math.round(limits.replyMs / 1000)} s).`))
  }

  async create(message: Create): Promise<AvatarSessionInfo> {
    const peer = await this.connect(this.model.wsUrl!, this.headers)
    this.peer = peer
    if (this.phase === 'closing') {
      peer.close(1000, 'session ended')
      throw new Superseded()
    }
    this.create_ = message
    peer.onMessage((data) => this.onMessage(data))
    peer.onClose((code) => {
      this.awaiting?.reject(new WireError('backend_closed', `The avatar server closed the connection (${code}).`))
      if (this.phase !== 'closing') this.out.fail('backend_closed', `The avatar server closed the session (${code}).`)
    })
    this.phase = 'creating'
    const info = sessionInfo(await this.ask({ type: 'session.create', model: this.model.id, backend: 'auto', inputs: message.inputs, config: message.config }, 'session.created', 'the new session'))
    this.info = info
    this.phase = 'live'
    return info
  }

  audio(chunk: Uint8Array) {
    if (this.phase !== 'live') {
      if (this.queue.length >= this.limits.maxQueuedChunks) return this.out.fail('too_many_chunks', `Audio arrived faster than the avatar server takes it (more than ${this.limits.maxQueuedChunks} chunks waiting).`)
      this.queue.push(chunk)
      return
    }
    // Bounded: audio the server has not taken yet stays under a few chunks' worth.
    if (this.peer!.bufferedAmount > this.limits.maxQueuedChunks * chunk.length) return this.out.fail('too_many_chunks', 'Audio arrived faster than the avatar server takes it.')
    this.watch.sent()
    this.meter.sent()
    this.dirty = true
    this.peer!.send(chunk)
  }

  async cancel() {
    this.queue = []
    this.held = undefined
    this.watch.clear()
    this.meter.restart()
    this.out.text(serverMessage({ type: 'session.cancelled', session_id: this.info!.session_id }))
    // A session that has had no audio has nothing to cancel; one being replaced will be fresh.
    if (this.phase === 'live' && this.dirty) await this.recreate()
  }

  /** Ends the upstream session and opens a new one on the same socket, with the same reference. */
  private async recreate() {
    try {
      this.phase = 'cancelling'
      await this.ask({ type: 'session.cancel' }, 'session.cancelled', 'the cancel')
      this.phase = 'creating'
      const { inputs, config } = this.create_!
      const again = sessionInfo(await this.ask({ type: 'session.create', model: this.model.id, backend: 'auto', inputs, config }, 'session.created', 'the new session'))
      const before = this.info!
      if (again.audio.chunk_samples !== before.audio.chunk_samples || again.audio.sample_rate !== before.audio.sample_rate || again.video.fps !== before.video.fps || again.lookahead_chunks !== before.lookahead_chunks) {
        throw new WireError('backend_error', 'The avatar server changed its chunk size, sample rate, frame rate or lookahead after a cancel.')
      }
      if (this.phase !== 'creating') return
      this.phase = 'live'
      this.dirty = false
      for (const chunk of this.queue.splice(0)) this.audio(chunk)
    } catch (err) {
      if (this.phase === 'closing') return
      const e = err instanceof WireError ? err : new WireError('backend_error', (err as Error).message)
      this.out.fail(e.code, e.message)
    }
  }

  /** Sends a control message and waits for its answer (an error instead of it fails). */
  private ask(message: Record<string, unknown>, type: string, what: string): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => settle(() => reject(timedOut(what, this.limits.replyMs))), this.limits.replyMs)
      const settle = (f: () => void) => {
        clearTimeout(timer)
        this.awaiting = undefined
        f()
      }
      this.awaiting = { type, resolve: (m) => settle(() => resolve(m)), reject: (err) => settle(() => reject(err)) }
      this.peer!.send(JSON.stringify(message))
    })
  }

  private onMessage(data: string | Uint8Array) {
    if (typeof data !== 'string') {
      // Frames rendered for a cancelled answer are dropped, as is anything before a session.
      if (this.phase !== 'live') return
      this.watch.answered()
      this.out.text(serverMessage(this.meter.answered(frameCount(data), this.held ?? {})))
      this.held = undefined
      return this.out.video(data)
    }
    const m = parseJson(data)
    if (!m) return
    if (m.type === 'metrics') {
      if (this.phase === 'live') this.held = m
    } else if (m.type === 'error') {
      // While a session is being created, an error is its answer; while one is cancelled, it
      // belongs to a dropped chunk; otherwise it answers the oldest chunk.
      if (this.phase === 'creating' || this.phase === 'new') this.awaiting?.reject(backendError(m))
      else if (this.phase === 'live') {
        this.watch.answered()
        this.meter.failed()
        const e = backendError(m)
        this.out.text(errorMessage(e.code, e.message))
      }
    } else if (this.awaiting && m.type === this.awaiting.type) this.awaiting.resolve(m)
  }

  close() {
    if (this.phase === 'closing') return
    this.phase = 'closing'
    this.watch.clear()
    this.queue = []
    this.awaiting?.reject(new Superseded())
    if (this.peer) void closeGracefully(this.peer, { type: 'session.close' }, 'session.closed')
  }
}

/** session.created's numbers, checked and passed on (the audio spec and lookahead included). */
function sessionInfo(m: Record<string, unknown>): AvatarSessionInfo {
  const audio = (m.audio ?? {}) as Record<string, unknown>
  const video = (m.video ?? {}) as Record<string, unknown>
  const n = { chunk: Number(audio.chunk_samples), fps: Number(video.fps), rate: Number(audio.sample_rate ?? 16000), lookahead: Number(m.lookahead_chunks ?? 0) }
  const problem = checkedNumbers(n) ?? (Number(audio.channels ?? 1) !== 1 ? 'not mono audio' : null)
  if (problem) throw new WireError('backend_error', `The avatar server gave ${problem}.`)
  return {
    session_id: String(m.session_id),
    trace_id: typeof m.trace_id === 'string' ? m.trace_id : undefined,
    audio: { format: 'pcm_s16le', sample_rate: n.rate, channels: 1, chunk_samples: n.chunk },
    video: { encoding: 'jpeg-seq', wire_magic: 'VIDX', fps: n.fps, width: Number(video.width) || 0, height: Number(video.height) || 0 },
    lookahead_chunks: n.lookahead,
  }
}
