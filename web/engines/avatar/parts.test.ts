import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { LayeredManifest } from './bundle.ts'
import { FaceParts, multiply, turnAbout, type Affine, type Halves } from './parts.ts'
import { restPose, type Pose } from './pose.ts'

const mira = JSON.parse(readFileSync(new URL('../../../public/avatars/mira/manifest.json', import.meta.url), 'utf8')) as LayeredManifest
const apply = (t: Affine, [x, y]: [number, number]): [number, number] => [t[0] * x + t[2] * y + t[4], t[1] * x + t[3] * y + t[5]]
const parts = new FaceParts(mira, 29)
const pose = (p: Partial<Pose>): Pose => ({ ...restPose(mira), ...p })

describe('FaceParts', () => {
  it('composes transforms (n first) and turns about a point', () => {
    const t = turnAbout(10, 10, Math.PI / 2)
    expect(apply(t, [10, 10])).toEqual([10, 10])
    const [x, y] = apply(t, [20, 10])
    // Clockwise as seen (y down): right of the pivot goes below it.
    expect(x).toBeCloseTo(10)
    expect(y).toBeCloseTo(20)
    const both = multiply([1, 0, 0, 1, 5, 0], t)
    expect(apply(both, [20, 10])[0]).toBeCloseTo(15)
  })

  it('at rest moves nothing: both brows as one, the eyes as drawn, the mouth unbent', () => {
    expect(parts.brows(restPose(mira))).toEqual([1, 0, 0, 1, 0, 0])
    expect(parts.eyes(restPose(mira))).toBeUndefined()
    expect(parts.bends(restPose(mira))).toBe(false)
  })

  it('a positive brow tilt (as the pose gives it) lifts each brow’s inner end', () => {
    const tilt = 0.2
    const b = parts.brows(pose({ brows: [{ y: 0, angle: -tilt }, { y: 0, angle: tilt }] })) as Halves<Affine>
    const [lx, rx] = [mira.anchors.eyes[0][0], mira.anchors.eyes[1][0]]
    const y = mira.layers.brows.y + 14.5
    // Inner ends face the middle; y up is negative.
    expect(apply(b.left, [lx + 30, y])[1]).toBeLessThan(y - 4)
    expect(apply(b.left, [lx - 30, y])[1]).toBeGreaterThan(y + 4)
    expect(apply(b.right, [rx - 30, y])[1]).toBeLessThan(y - 4)
    expect(apply(b.right, [rx + 30, y])[1]).toBeGreaterThan(y + 4)
  })

  it('squashes each eye about its own centre', () => {
    const e = parts.eyes(pose({ eyeScale: 0.5 }))!
    const [cx, cy] = mira.anchors.eyes[0]
    expect(apply(e.left, [cx, cy])).toEqual([cx, cy])
    expect(apply(e.left, [cx, cy - 10])[1]).toBeCloseTo(cy - 5)
  })

  it('bends the mouth along a curve: still in the middle, each corner by its own amount at the box’s side', () => {
    const p = pose({ mouthCorners: [-6, 10] })
    const mx = mira.anchors.mouth[0]
    const half = mira.mouthBox.width / 2
    expect(parts.mouthLift(p, mx)).toBe(0)
    expect(parts.mouthLift(p, mx + half)).toBeCloseTo(10)
    expect(parts.mouthLift(p, mx - half)).toBeCloseTo(-6)
    expect(parts.mouthLift(p, mx + half / 2)).toBeCloseTo(2.5)
    expect(parts.mouthLift(p, mx + half * 3)).toBeCloseTo(10)
  })
})
