/// <reference lib="webworker" />
import { DownSampler } from '../../lib/audio/resampler.ts'
import type { SpeechChunk, SpeechFollower } from './engine.ts'
import type { FrameSource } from './protocol.ts'
import { RemoteEngine, type RemoteState } from './remote-engine.ts'

/** A remote that failed is tried again at a new reply, at most this often. */
const RETRY_MS = 10_000

export interface RemoteTarget {
  url: string
  protocols: string[]
  /** The longest the voice may wait for this model's frames (ms). */
  maxDelayMs?: number
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
    private readonly events: { state(state: RemoteState | 'off', why?: string): void; firstFrame(at: number): void; delay(ms: number): void },
  ) {}

  get ready() {
    return this.engine?.ready ?? false
  }

  /** What the session measured: how long the voice waits, and the backend's own times. */
  get measures() {
    const e = this.engine
    return { remoteFirstFrameMs: e?.firstFrameMs, remoteDelayMs: e?.delayMs, remoteBackendFirstFrameMs: e?.backend.firstFrameMs, remoteBackendRenderMs: e?.backend.renderMs }
  }

  /** Another model, or none: (re)connects unless it is the same one and alive. */
  async setTarget(target: RemoteTarget | null) {
    const same = JSON.stringify(target) === JSON.stringify(this.target) && this.engine && this.engine.state !== 'failed'
    this.target = target
    if (!same) await this.connect()
  }

  /** The sound, at the session's sample rate, is what a remote model animates from. */
  speech(chunk: SpeechChunk) {
    const e = this.engine
    if (!e?.ready) return
    const rate = e.sampleRate
    // Lateness counts from when playback scheduled the sentence (a busy worker gets it later).
    const at = chunk.at === undefined ? undefined : chunk.at - performance.timeOrigin
    if (rate === 16000 && chunk.audio16k) return e.speech(chunk.startMs, chunk.audio16k, at)
    if (chunk.audio) e.speech(chunk.startMs, resample(chunk.audio.samples, chunk.audio.sampleRate, rate), at)
  }

  finish() {
    this.engine?.finish()
  }

  flush() {
    this.engine?.flush()
    if (this.target && this.engine?.state === 'failed' && performance.now() - this.lastTry > RETRY_MS) void this.connect()
  }

  /**
   * Draws the frame for `audioMs` into the reply, if there is one, and says what it did:
   * 'remote' (drawn), 'syncing' (its frames are late: the picture is left as it was, not
   * replaced by one from before), or null (nothing remote for this moment).
   */
  draw(audioMs: number): Exclude<FrameSource, 'local'> | null {
    const found = this.engine?.ready ? this.engine.frameAt(audioMs) : undefined
    if (found?.kind === 'syncing') return this.frames > 0 ? 'syncing' : null
    if (found?.kind !== 'frame') return null
    const bitmap = found.frame
    const c = this.flat
    const ctx = c.getContext('2d', { alpha: false }) as OffscreenCanvasRenderingContext2D
    const scale = Math.max(c.width / bitmap.width, c.height / bitmap.height)
    const w = bitmap.width * scale
    const h = bitmap.height * scale
    ctx.drawImage(bitmap, (c.width - w) / 2, (c.height - h) / 2, w, h)
    this.frames++
    return 'remote'
  }

  private async connect() {
    const generation = ++this.generation
    this.engine?.dispose()
    this.engine = undefined
    this.events.delay(0)
    if (!this.target) return this.events.state('off')
    this.lastTry = performance.now()
    const target = this.target
    const reference = await this.reference()
    // A newer call (another model, or off) won while the picture was made.
    if (generation !== this.generation) return
    const engine = new RemoteEngine(target.url, target.protocols, reference, {
      state: (state, why) => generation === this.generation && this.events.state(state, why),
      firstFrame: (at) => this.events.firstFrame(at),
      delay: (ms) => generation === this.generation && this.events.delay(ms),
    }, this.clock, target.maxDelayMs)
    this.engine = engine
    await engine.connect().catch(() => {})
  }
}

/** The voice's sound at the rate a model takes (a box filter down, straight lines up). */
function resample(samples: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return samples
  if (from > to) return new DownSampler(from, to).process(samples).slice()
  const out = new Float32Array(Math.floor((samples.length * to) / from))
  for (let i = 0; i < out.length; i++) {
    const x = (i * from) / to
    const k = Math.floor(x)
    out[i] = samples[k]! + (x - k) * ((samples[k + 1] ?? samples[k]!) - samples[k]!)
  }
  return out
}
