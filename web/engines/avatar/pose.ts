/**
 * The avatar's pose at a moment: breathing, head sway, glances, blinks, brows, lids and the mouth's
 * blend of shapes and bend — from the time, the conversation's mood, the expression asked for and
 * the viseme weights. Pure and deterministic (its randomness is seeded), so frames can be tested;
 * the renderers only draw it.
 */
import type { ExpressionAmounts, IdleMotion, LayeredManifest, Viseme } from './bundle.ts'
import type { Expression } from './expressions.ts'

export type Mood = 'idle' | 'listening' | 'thinking' | 'speaking'

export interface BrowPose {
  /** Vertical offset (avatar px, negative is up). */
  y: number
  /** Turn about the brow's middle (radians, positive clockwise as seen). */
  angle: number
}

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
  /** Each brow: the viewer's left, then right. */
  brows: [BrowPose, BrowPose]
  /** The eyes' height, as a scale about their centres: below 1 the lids close in (a squint), above 1 they open wide. */
  eyeScale: number
  /** Mouth shapes and their weights (largest first, summing to 1): the visemes' alone, whatever the expression. */
  mouths: [string, number][]
  /** How open the jaw is, 0…1 (the WebGPU renderer drops the chin by it). */
  jaw: number
  /** How far each mouth corner is lifted (avatar px; the viewer's left, then right; negative is down): the drawn mouth bends, its shape stays. */
  mouthCorners: [number, number]
}

/** An expression's timing: eased in, held, then back to neutral unless asked again. */
export const EXPRESSION_EASE_MS = 280
export const EXPRESSION_HOLD_MS = 6000
export const EXPRESSION_DECAY_MS = 1500
/** How much the lids move the eyes' height at ±1: a full squint keeps 55% of it, wide open shows 30% more. */
const LID_NARROW = 0.45
const LID_WIDEN = 0.3
const DEG = Math.PI / 180

type Amounts = Required<ExpressionAmounts>
const NEUTRAL: Amounts = { brows: 0, browTilt: 0, browSkew: 0, lids: 0, mouthCorners: 0, mouthSkew: 0, headTiltDeg: 0 }
const FIELDS = Object.keys(NEUTRAL) as (keyof Amounts)[]
const mix = (a: Amounts, b: Amounts, k: number): Amounts => {
  const out = { ...a }
  for (const f of FIELDS) out[f] = a[f] + (b[f] - a[f]) * k
  return out
}

/** The face at rest, facing ahead: the first frame, and the picture a remote model animates. */
export function restPose(m: LayeredManifest): Pose {
  return { breath: 1, headAngle: 0, headShift: [0, 0], gaze: [0, 0], blink: 0, brows: [{ y: 0, angle: 0 }, { y: 0, angle: 0 }], eyeScale: 1, mouths: [[m.visemes.sil, 1]], jaw: 0, mouthCorners: [0, 0] }
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

/**
 * The expression's amounts over time: from wherever the face was when asked (so a new expression
 * replaces the old one smoothly, and asking again for the one shown only renews its hold) to the
 * target, held, then eased back to neutral. A function of the time alone, not of the frames drawn,
 * so it keeps time while nothing draws the local face (a remote model's frames are shown).
 */
export class ExpressionBlend {
  private from = NEUTRAL
  private to = NEUTRAL
  private at = -Infinity

  set(target: Amounts, ms: number) {
    this.from = this.sample(ms)
    this.to = target
    this.at = ms
  }

  sample(ms: number): Amounts {
    const t = ms - this.at
    if (t < EXPRESSION_EASE_MS) return mix(this.from, this.to, ease(t / EXPRESSION_EASE_MS))
    if (t < EXPRESSION_EASE_MS + EXPRESSION_HOLD_MS) return this.to
    return mix(this.to, NEUTRAL, ease((t - EXPRESSION_EASE_MS - EXPRESSION_HOLD_MS) / EXPRESSION_DECAY_MS))
  }
}

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
  private readonly expression = new ExpressionBlend()
  /** The expression last asked for, at what intensity and when (what the face shows, for stats). */
  private asked: { expression: Expression; intensity: number; at: number } = { expression: 'neutral', intensity: 0, at: -Infinity }
  /** Idle life held still (no breath, sway, glances or blinks): frames then differ only by what is asked (tests, stills). */
  still = false

  constructor(private readonly manifest: LayeredManifest, seed = 7) {
    this.idle = manifest.idle
    this.rand = random(seed)
    this.nextBlink = 1200 + this.rand() * this.idle.blinkPeriodS * 1000
    this.nextGlance = 600 + this.rand() * 1500
  }

  /**
   * Eases into `expression` at `intensity` (0…1) from the moment `ms` (the clock `pose` is given).
   * False, and nothing changes, when the bundle does not declare it; `neutral` always goes.
   */
  setExpression(expression: Expression, intensity: number, ms: number): boolean {
    const amounts = expression === 'neutral' ? NEUTRAL : this.manifest.expressions?.[expression]
    if (!amounts) return false
    const k = Number.isFinite(intensity) ? Math.min(1, Math.max(0, intensity)) : 0
    this.expression.set(mix(NEUTRAL, { ...NEUTRAL, ...amounts }, k), ms)
    this.asked = { expression, intensity: k, at: ms }
    return true
  }

  /** The expression on the face at the last frame, and how much of it shows (0…1: eased in, held, fading). */
  get shown(): { name: Expression; weight: number } {
    const { expression, intensity, at } = this.asked
    const t = (this.lastMs ?? 0) - at
    const k = t < 0 ? 0 : t < EXPRESSION_EASE_MS ? ease(t / EXPRESSION_EASE_MS) : t < EXPRESSION_EASE_MS + EXPRESSION_HOLD_MS ? 1 : 1 - ease((t - EXPRESSION_EASE_MS - EXPRESSION_HOLD_MS) / EXPRESSION_DECAY_MS)
    return { name: expression, weight: expression === 'neutral' ? 0 : intensity * k }
  }

  pose(ms: number, mood: Mood, visemes: ReadonlyMap<Viseme, number>, voiceLevel = 0): Pose {
    const dt = this.lastMs === undefined ? 16 : Math.min(200, Math.max(0, ms - this.lastMs))
    this.lastMs = ms
    const { breathPeriodS, breathScale, swayDeg, blinkPeriodS, blinkMs, saccadePx } = this.idle
    const t = ms / 1000

    const still = this.still
    // Breathing and a slow sway made of two incommensurate sines (never visibly periodic).
    const breath = still ? 1 : 1 + breathScale * 0.5 * (1 - Math.cos((2 * Math.PI * t) / breathPeriodS))
    const sway = still ? 0 : ((swayDeg * Math.PI) / 180) * (0.6 * Math.sin(t * 0.53) + 0.4 * Math.sin(t * 0.91 + 1.3))
    // Mood: attentive tilt when listening, a turn away while thinking, livelier while speaking.
    const tiltTarget = mood === 'listening' ? 0.035 : mood === 'thinking' ? -0.03 : 0
    this.tilt = approach(this.tilt, tiltTarget, Math.min(1, dt / 400))
    const talk = mood === 'speaking' ? voiceLevel : 0
    const nod = mood === 'speaking' ? 2.5 * Math.sin(t * 5.1) * talk : 0
    const bob = still ? 0 : 1.5 * Math.sin((2 * Math.PI * t) / breathPeriodS)

    // Blinks: irregular, a quick close and a slower open.
    if (!still && ms >= this.nextBlink + blinkMs) this.nextBlink = ms + blinkPeriodS * 1000 * (0.5 + this.rand())
    const into = ms - this.nextBlink
    const blink = still || into < 0 || into > blinkMs ? 0 : into < blinkMs * 0.4 ? ease(into / (blinkMs * 0.4)) : 1 - ease((into - blinkMs * 0.4) / (blinkMs * 0.6))

    // Glances (saccades): a quick jump to a new point now and then; thinking looks up and aside.
    if (!still && ms >= this.nextGlance) {
      this.glanceFrom = this.gazeAt(ms)
      const r = saccadePx
      this.glanceTo = mood === 'thinking' ? [-r * (0.8 + 0.4 * this.rand()), -r * (0.8 + 0.4 * this.rand())] : [(this.rand() * 2 - 1) * r, (this.rand() * 2 - 1) * r * 0.5]
      if (mood === 'listening' || mood === 'speaking') this.glanceTo = [this.glanceTo[0] * 0.4, this.glanceTo[1] * 0.4]
      this.glanceAt = ms
      this.nextGlance = ms + 700 + this.rand() * 2200
    }
    const gaze: [number, number] = still ? [0, 0] : this.gazeAt(ms)

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

    // The expression, on top of the mood's brows and tilt: each brow (its own tilt and skew), the lids (a wide-open
    // eye gives way to a blink, so the closed lid always covers it), the mouth's corners.
    const x = this.expression.sample(ms)
    const brow = this.browNow + x.brows
    const browTilt = x.browTilt * DEG
    const lidScale = x.lids >= 0 ? 1 - LID_NARROW * x.lids : 1 - LID_WIDEN * x.lids * (1 - blink)

    return {
      breath,
      headAngle: sway + this.tilt + x.headTiltDeg * DEG,
      headShift: [0, bob + nod],
      gaze,
      blink,
      brows: [
        // The left brow's inner end is its right one: lifted by turning it anticlockwise (`|| 0`: no −0).
        { y: brow + x.browSkew, angle: -browTilt || 0 },
        { y: brow - x.browSkew, angle: browTilt },
      ],
      eyeScale: lidScale,
      mouths,
      jaw: Math.min(1, jaw),
      mouthCorners: [x.mouthCorners - x.mouthSkew, x.mouthCorners + x.mouthSkew],
    }
  }

  private gazeAt(ms: number): [number, number] {
    const k = ease((ms - this.glanceAt) / 45)
    return [this.glanceFrom[0] + (this.glanceTo[0] - this.glanceFrom[0]) * k, this.glanceFrom[1] + (this.glanceTo[1] - this.glanceFrom[1]) * k]
  }
}
