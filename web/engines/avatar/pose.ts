/**
 * The avatar's pose at a moment: breathing, head sway, glances, blinks, brows and the mouth's
 * blend of shapes — from the time, the conversation's mood and the viseme weights. Pure and
 * deterministic (its randomness is seeded), so frames can be tested; the renderers only draw it.
 */
import type { IdleMotion, LayeredManifest, Viseme } from './bundle.ts'

export type Mood = 'idle' | 'listening' | 'thinking' | 'speaking'

export interface Pose {
  /** Body scale about the bottom centre (breathing). */
  breath: number
  /** Head rotation about the neck (radians) and shift (canvas px). */
  headAngle: number
  headShift: [number, number]
  /** Where the eyes look, as an offset of the irises (canvas px). */
  gaze: [number, number]
  /** 0 open … 1 closed. */
  blink: number
  /** Brows' vertical offset (canvas px, negative is up). */
  brow: number
  /** Mouth shapes and their weights (largest first, summing to 1). */
  mouths: [string, number][]
  /** How open the jaw is, 0…1 (the WebGPU renderer drops the chin by it). */
  jaw: number
}

/** How far each viseme opens the jaw. */
export const JAW: Record<Viseme, number> = { sil: 0, PP: 0, FF: 0.12, TH: 0.25, DD: 0.3, kk: 0.45, CH: 0.3, SS: 0.15, nn: 0.3, RR: 0.3, aa: 1, E: 0.55, I: 0.3, O: 0.75, U: 0.35 }

/** A small seeded generator: the same seed gives the same blinks and glances. */
function random(seed: number) {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 4294967296
  }
}

const ease = (x: number) => (x <= 0 ? 0 : x >= 1 ? 1 : x * x * (3 - 2 * x))
const approach = (from: number, to: number, rate: number) => from + (to - from) * rate

export class PoseDriver {
  private readonly idle: IdleMotion
  private readonly rand: () => number
  private nextBlink: number
  private nextGlance: number
  private glanceFrom: [number, number] = [0, 0]
  private glanceTo: [number, number] = [0, 0]
  private glanceAt = 0
  private tilt = 0
  private browNow = 0
  private lastMs: number | undefined

  constructor(private readonly manifest: LayeredManifest, seed = 7) {
    this.idle = manifest.idle
    this.rand = random(seed)
    this.nextBlink = 1200 + this.rand() * this.idle.blinkPeriodS * 1000
    this.nextGlance = 600 + this.rand() * 1500
  }

  pose(ms: number, mood: Mood, visemes: ReadonlyMap<Viseme, number>, voiceLevel = 0): Pose {
    const dt = this.lastMs === undefined ? 16 : Math.min(200, Math.max(0, ms - this.lastMs))
    this.lastMs = ms
    const { breathPeriodS, breathScale, swayDeg, blinkPeriodS, blinkMs, saccadePx } = this.idle
    const t = ms / 1000

    // Breathing and a slow sway made of two incommensurate sines (never visibly periodic).
    const breath = 1 + breathScale * 0.5 * (1 - Math.cos((2 * Math.PI * t) / breathPeriodS))
    const sway = ((swayDeg * Math.PI) / 180) * (0.6 * Math.sin(t * 0.53) + 0.4 * Math.sin(t * 0.91 + 1.3))
    // Mood: attentive tilt when listening, a turn away while thinking, livelier while speaking.
    const tiltTarget = mood === 'listening' ? 0.035 : mood === 'thinking' ? -0.03 : 0
    this.tilt = approach(this.tilt, tiltTarget, Math.min(1, dt / 400))
    const talk = mood === 'speaking' ? voiceLevel : 0
    const nod = mood === 'speaking' ? 2.5 * Math.sin(t * 5.1) * talk : 0
    const bob = 1.5 * Math.sin((2 * Math.PI * t) / breathPeriodS)

    // Blinks: irregular, a quick close and a slower open.
    if (ms >= this.nextBlink + blinkMs) this.nextBlink = ms + blinkPeriodS * 1000 * (0.5 + this.rand())
    const into = ms - this.nextBlink
    const blink = into < 0 || into > blinkMs ? 0 : into < blinkMs * 0.4 ? ease(into / (blinkMs * 0.4)) : 1 - ease((into - blinkMs * 0.4) / (blinkMs * 0.6))

    // Glances (saccades): a quick jump to a new point now and then; thinking looks up and aside.
    if (ms >= this.nextGlance) {
      this.glanceFrom = this.gazeAt(ms)
      const r = saccadePx
      this.glanceTo = mood === 'thinking' ? [-r * (0.8 + 0.4 * this.rand()), -r * (0.8 + 0.4 * this.rand())] : [(this.rand() * 2 - 1) * r, (this.rand() * 2 - 1) * r * 0.5]
      if (mood === 'listening' || mood === 'speaking') this.glanceTo = [this.glanceTo[0] * 0.4, this.glanceTo[1] * 0.4]
      this.glanceAt = ms
      this.nextGlance = ms + 700 + this.rand() * 2200
    }
    const gaze = this.gazeAt(ms)

    const browTarget = mood === 'listening' ? -4 : mood === 'thinking' ? -6 : mood === 'speaking' ? -3 * talk : 0
    this.browNow = approach(this.browNow, browTarget, Math.min(1, dt / 150))

    // The mouth: viseme weights gathered per shape (several visemes share one).
    const shapes = new Map<string, number>()
    let jaw = 0
    for (const [v, w] of visemes) {
      if (w <= 0) continue
      const shape = this.manifest.visemes[v]
      shapes.set(shape, (shapes.get(shape) ?? 0) + w)
      jaw += JAW[v] * w
    }
    if (!shapes.size) shapes.set(this.manifest.visemes.sil, 1)
    const mouths = [...shapes].sort((a, b) => b[1] - a[1]).slice(0, 3)
    const sum = mouths.reduce((n, [, w]) => n + w, 0)
    for (const m of mouths) m[1] /= sum

    return { breath, headAngle: sway + this.tilt, headShift: [0, bob + nod], gaze, blink, brow: this.browNow, mouths, jaw: Math.min(1, jaw) }
  }

  private gazeAt(ms: number): [number, number] {
    const k = ease((ms - this.glanceAt) / 45)
    return [this.glanceFrom[0] + (this.glanceTo[0] - this.glanceFrom[0]) * k, this.glanceFrom[1] + (this.glanceTo[1] - this.glanceFrom[1]) * k]
  }
}
