/**
 * Where the face's parts go for a pose, as transforms in avatar px that both renderers apply — so
 * Canvas2D and WebGPU draw the same face: the head turned about the neck; each brow (its half of
 * the brows layer) lifted and turned about its middle; each eye (its half of the eye layers)
 * squashed about its centre by the lids; the mouth bent so its corners lift or drop.
 */
import type { LayeredManifest } from './bundle.ts'
import type { Pose } from './pose.ts'

/** A 2D affine transform as Canvas2D's setTransform takes it: x' = a·x + c·y + e, y' = b·x + d·y + f. */
export type Affine = [a: number, b: number, c: number, d: number, e: number, f: number]

/** m after n: n applies first. */
export function multiply(m: Affine, n: Affine): Affine {
  return [m[0] * n[0] + m[2] * n[1], m[1] * n[0] + m[3] * n[1], m[0] * n[2] + m[2] * n[3], m[1] * n[2] + m[3] * n[3], m[0] * n[4] + m[2] * n[5] + m[4], m[1] * n[4] + m[3] * n[5] + m[5]]
}

/** Turns by `angle` (radians, clockwise as seen) about (x, y), then moves by (dx, dy). */
export function turnAbout(x: number, y: number, angle: number, dx = 0, dy = 0): Affine {
  const c = Math.cos(angle)
  const s = Math.sin(angle)
  return [c, s, -s, c, x - (c * x - s * y) + dx, y - (s * x + c * y) + dy]
}

/** The same transform on a canvas `k` times the avatar's size (only the shift scales). */
export const scaled = (t: Affine, k: number): Affine => [t[0], t[1], t[2], t[3], t[4] * k, t[5] * k]

/** The two halves of a layer (the viewer's left and right part), split between the eyes. */
export interface Halves<T> {
  left: T
  right: T
}

export class FaceParts {
  /** The x between the eyes: what lies left of it is the left brow's, the left eye's. */
  readonly split: number
  private readonly browMiddleY: number

  constructor(
    private readonly m: LayeredManifest,
    /** The brows layer's picture height (avatar px). */
    browsHeight: number,
  ) {
    this.split = (m.anchors.eyes[0][0] + m.anchors.eyes[1][0]) / 2
    this.browMiddleY = m.layers.brows.y + browsHeight / 2
  }

  /** The head: turned about the neck, then shifted. */
  head(pose: Pose): Affine {
    const [nx, ny] = this.m.anchors.neck
    return turnAbout(nx, ny, pose.headAngle, pose.headShift[0], pose.headShift[1])
  }

  /** Each brow, before the head's turn; one transform for both when they move as one (one draw). */
  brows(pose: Pose): Halves<Affine> | Affine {
    const [l, r] = pose.brows
    if (l.angle === 0 && r.angle === 0 && l.y === r.y) return [1, 0, 0, 1, 0, l.y]
    const eyes = this.m.anchors.eyes
    return { left: turnAbout(eyes[0][0], this.browMiddleY, l.angle, 0, l.y), right: turnAbout(eyes[1][0], this.browMiddleY, r.angle, 0, r.y) }
  }

  /** Each eye squashed about its centre by the lids, before the head's turn; undefined when as drawn. */
  eyes(pose: Pose): Halves<Affine> | undefined {
    const k = pose.eyeScale
    if (Math.abs(k - 1) < 1e-4) return undefined
    const eyes = this.m.anchors.eyes
    return { left: [1, 0, 0, k, 0, eyes[0][1] * (1 - k)], right: [1, 0, 0, k, 0, eyes[1][1] * (1 - k)] }
  }

  /** Half-width of the mouth's bend: the corners' lift is full at the mouth box's sides. */
  get mouthReach(): number {
    return Math.max(1, this.m.mouthBox.width / 2)
  }

  /**
   * How far the mouth is lifted at avatar x (px, negative is down): the corner's amount times the
   * square of the distance from the middle (0 there, full at the box's sides) — a curve, so the
   * lips bend rather than tilt. The WebGPU vertex shader computes the same.
   */
  mouthLift(pose: Pose, x: number): number {
    const u = Math.max(-1, Math.min(1, (x - this.m.anchors.mouth[0]) / this.mouthReach))
    return (u < 0 ? pose.mouthCorners[0] : pose.mouthCorners[1]) * u * u
  }

  /** Whether the mouth bends at all (else it is drawn whole). */
  bends(pose: Pose): boolean {
    return Math.abs(pose.mouthCorners[0]) > 0.05 || Math.abs(pose.mouthCorners[1]) > 0.05
  }
}
