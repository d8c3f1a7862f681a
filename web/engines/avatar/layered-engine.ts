/**
 * The local face: a layered 2D avatar driven by visemes — from phoneme timings when the voice
 * gives them, from the audio otherwise — with idle life from the pose driver. Draws through
 * whichever renderer the worker gives it (WebGPU, or Canvas2D).
 */
import { AudioVisemes } from './audio-visemes.ts'
import type { Viseme } from './bundle.ts'
import type { AvatarRenderer } from './canvas2d-renderer.ts'
import type { AvatarEngine, SpeechChunk } from './engine.ts'
import type { Expression } from './expressions.ts'
import type { LoadedAvatar } from './load-bundle.ts'
import { PoseDriver, restPose, type Mood, type Pose } from './pose.ts'
import { spansFromPhonemes, VisemeTrack, type VisemeSpan } from './visemes.ts'

export class LayeredEngine implements AvatarEngine {
  renderer: AvatarRenderer | undefined
  private avatar: LoadedAvatar | undefined
  private driver: PoseDriver | undefined
  private readonly track = new VisemeTrack()
  private readonly audio = new AudioVisemes()
  private readonly weights = new Map<Viseme, number>()
  private frames = 0
  private frameMsTotal = 0
  private audioMsTotal = 0
  private audioHops = 0
  /** The last pose drawn (for redrawing after a renderer change). */
  lastPose: Pose | undefined

  async load() {}

  async loadAvatar(avatar: LoadedAvatar) {
    this.avatar = avatar
    this.driver = new PoseDriver(avatar.manifest)
  }

  async warmup() {
    this.idleFrame(0, 'idle')
  }

  get manifest() {
    return this.avatar?.manifest
  }

  get loaded(): LoadedAvatar | undefined {
    return this.avatar
  }

  features(chunk: SpeechChunk): VisemeSpan[] {
    if (chunk.phonemes?.length) return spansFromPhonemes(chunk.phonemes, chunk.startMs)
    if (!chunk.audio16k) return []
    const t = performance.now()
    this.audio.reset(chunk.startMs + 10)
    const spans = this.audio.push(chunk.audio16k)
    this.audioMsTotal += performance.now() - t
    this.audioHops += spans.length
    return spans
  }

  infer(features: VisemeSpan[]) {
    // What ended long before this sentence will not be drawn again (the clock only moves on).
    if (features.length) this.track.prune(features[0]!.startMs)
    this.track.add(features)
  }

  composeFrame(nowMs: number, audioMs: number, mood: Mood) {
    this.draw(nowMs, mood, this.track.sample(audioMs, this.weights))
  }

  idleFrame(nowMs: number, mood: Mood) {
    this.weights.clear()
    this.draw(nowMs, mood, this.weights)
  }

  /** Eases into an expression from the moment `ms` (the frames' clock); false when the bundle does not declare it. */
  setExpression(expression: Expression, intensity: number, ms: number): boolean {
    return this.driver?.setExpression(expression, intensity, ms) ?? false
  }

  /** Idle life held still (no breath, sway, glances or blinks): tests and stills. */
  set still(on: boolean) {
    if (this.driver) this.driver.still = on
  }

  /** Draws the face at rest — facing ahead, neutral, mouth closed — without touching the pose's clock. */
  restFrame() {
    if (!this.avatar || !this.renderer) return
    this.lastPose = restPose(this.avatar.manifest)
    this.renderer.draw(this.lastPose)
  }

  /** Redraws the last pose (a new renderer's first frame matches what was on screen). */
  redraw() {
    if (this.lastPose) this.renderer?.draw(this.lastPose)
  }

  flush() {
    this.track.clear()
  }

  stats() {
    return { frames: this.frames, frameMs: this.frames ? this.frameMsTotal / this.frames : 0, audioMsPer10ms: this.audioHops ? this.audioMsTotal / this.audioHops : 0, audioHops: this.audioHops, expression: this.driver?.shown }
  }

  private draw(nowMs: number, mood: Mood, weights: ReadonlyMap<Viseme, number>) {
    if (!this.driver || !this.renderer) return
    const t = performance.now()
    const open = 1 - (weights.get('sil') ?? 1)
    this.lastPose = this.driver.pose(nowMs, mood, weights, open)
    // A dropped frame (the GPU still busy) is not counted: the stats say what was drawn.
    if (!this.renderer.draw(this.lastPose)) return
    this.frameMsTotal += performance.now() - t
    this.frames++
  }

  dispose() {
    this.renderer?.dispose()
    if (this.avatar) for (const b of this.avatar.images.values()) b.close()
  }
}
