/// <reference lib="webworker" />
import type { SpeechChunk, SpeechFollower } from './engine.ts'
import { RemoteEngine, type RemoteState } from './remote-engine.ts'

/** A remote that failed is tried again at a new reply, at most this often. */
const RETRY_MS = 10_000

export interface RemoteTarget {
  url: string
  protocols: string[]
}

/**
 * The face from a model on a GPU server, through the relay: which model (if any), the session
 * with it (RemoteEngine), and the retry policy — a failed one is tried again at the next reply.
 * Its frames are drawn on the 2D canvas, scaled to cover the square stage.
 */
export class RemoteFace implements SpeechFollower {
  private target: RemoteTarget | null = null
  private engine: RemoteEngine | undefined
  private lastTry = 0
  private generation = 0
  /** Remote frames drawn so far (for stats, and to hold the last one between replies). */
  frames = 0

  constructor(
    private readonly flat: OffscreenCanvas,
    /** The local face at rest, as the picture the model animates. */
    private readonly reference: () => Promise<string>,
    private readonly clock: () => number,
    private readonly events: { state(state: RemoteState | 'off', why?: string): void; firstFrame(at: number): void },
  ) {}

  get ready() {
    return this.engine?.ready ?? false
  }

  get firstFrameMs() {
    return this.engine?.firstFrameMs
  }

  /** Another model, or none: (re)connects unless it is the same one and alive. */
  async setTarget(target: RemoteTarget | null) {
    const same = JSON.stringify(target) === JSON.stringify(this.target) && this.engine && this.engine.state !== 'failed'
    this.target = target
    if (!same) await this.connect()
  }

  /** The sound, resampled to 16 kHz, is what a remote model animates from. */
  speech(chunk: SpeechChunk) {
    if (chunk.audio16k) this.engine?.speech(chunk.startMs, chunk.audio16k)
  }

  finish() {
    this.engine?.finish()
  }

  flush() {
    this.engine?.flush()
    if (this.target && this.engine?.state === 'failed' && performance.now() - this.lastTry > RETRY_MS) void this.connect()
  }

  /** Draws the frame for `audioMs` into the reply, if there is one; says whether it did. */
  draw(audioMs: number): boolean {
    const bitmap = this.engine?.ready ? this.engine.frameAt(audioMs) : undefined
    if (!bitmap) return false
    const c = this.flat
    const ctx = c.getContext('2d', { alpha: false }) as OffscreenCanvasRenderingContext2D
    const scale = Math.max(c.width / bitmap.width, c.height / bitmap.height)
    const w = bitmap.width * scale
    const h = bitmap.height * scale
    ctx.drawImage(bitmap, (c.width - w) / 2, (c.height - h) / 2, w, h)
    this.frames++
    return true
  }

  private async connect() {
    const generation = ++this.generation
    this.engine?.dispose()
    this.engine = undefined
    if (!this.target) return this.events.state('off')
    this.lastTry = performance.now()
    const target = this.target
    const reference = await this.reference()
    // A newer call (another model, or off) won while the picture was made.
    if (generation !== this.generation) return
    const engine = new RemoteEngine(target.url, target.protocols, reference, {
      state: (state, why) => generation === this.generation && this.events.state(state, why),
      firstFrame: (at) => this.events.firstFrame(at),
    }, this.clock)
    this.engine = engine
    await engine.connect().catch(() => {})
  }
}
