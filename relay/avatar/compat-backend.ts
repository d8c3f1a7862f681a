/**
 * A model server's compat protocol (`init` … `close`; also what direct_ws servers speak).
 * Compat servers answer exactly one message per chunk and must get the next only after that
 * answer; they have no cancel, so a cancel closes the connection and opens a fresh one, whose
 * `init` runs while the user is still speaking — the next answer does not wait for it. A
 * connection is closed only after its `close_ok` (or a second), never under a reply still owed.
 */
import type { AvatarSessionInfo } from '../contract.ts'
import type { BackendPeer, Connect } from '../sockets.ts'
import { ChunkMeter, frameCount, newId, type AvatarLimits, type Backend, type BackendOutput, type Create } from './backend.ts'
import { backendError, checkedNumbers, closeGracefully, firstReply, parseJson, ReplyWatch, Superseded } from './backend-peer.ts'
import type { AvatarModel } from './config.ts'
import { errorMessage, serverMessage, WireError } from './wire.ts'

/** Compat servers take 16 kHz mono and do not say so. */
const COMPAT_RATE = 16000
const closeCompat = (peer: BackendPeer) => void closeGracefully(peer, { type: 'close' }, 'close_ok')

export class CompatBackend implements Backend {
  private peer: BackendPeer | undefined
  private ready: Promise<BackendPeer> | undefined
  private queue: Uint8Array[] = []
  private inFlight = false
  private create_: Create | undefined
  private closing = false
  /** A connection still being opened (closed too if the session ends meanwhile). */
  private opening: BackendPeer | undefined
  /** Each cancel opens a new connection; only the latest may become the session's. */
  private generation = 0
  private readonly meter = new ChunkMeter()
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
    const n = { fps, chunk: Number(init.chunk_samples) || Math.round((Number(init.slice_len) * COMPAT_RATE) / fps), rate: COMPAT_RATE, lookahead: Number(init.lookahead_chunks ?? 0) }
    const problem = checkedNumbers(n)
    if (problem) throw new WireError('backend_error', `The avatar server gave ${problem}.`)
    return {
      session_id: this.id,
      audio: { format: 'pcm_s16le', sample_rate: COMPAT_RATE, channels: 1, chunk_samples: n.chunk },
      video: { encoding: 'jpeg-seq', wire_magic: 'VIDX', fps, width: Number(init.width), height: Number(init.height) },
      lookahead_chunks: n.lookahead,
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
      closeCompat(peer)
      throw new Superseded()
    }
    this.peer = peer
    peer.onMessage((data) => this.onReply(peer, data))
    peer.onClose((code) => peer === this.peer && !this.closing && this.out.fail('backend_closed', `The avatar server closed the session (${code}).`))
    return { peer, init }
  }

  private onReply(peer: BackendPeer, data: string | Uint8Array) {
    if (peer !== this.peer || !this.inFlight) return
    this.inFlight = false
    this.watch.answered()
    if (typeof data === 'string') {
      this.meter.failed()
      const m = parseJson(data)
      const e = m ? backendError(m) : new WireError('backend_error', 'The avatar server sent something unexpected.')
      this.out.text(errorMessage(e.code, e.message))
    } else {
      this.out.text(serverMessage(this.meter.answered(frameCount(data))))
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
    this.inFlight = true
    this.watch.sent()
    this.meter.sent()
    this.peer.send(chunk)
  }

  async cancel() {
    this.queue = []
    this.inFlight = false
    this.meter.restart()
    this.watch.clear()
    const old = this.peer
    this.peer = undefined
    this.opening?.close(1000, 'superseded')
    this.out.text(serverMessage({ type: 'session.cancelled', session_id: this.id }))
    if (old) closeCompat(old)
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
    if (this.peer) closeCompat(this.peer)
  }
}
