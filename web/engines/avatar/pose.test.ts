import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { LayeredManifest, Viseme } from './bundle.ts'
import { EXPRESSION_DECAY_MS, EXPRESSION_EASE_MS, EXPRESSION_HOLD_MS, PoseDriver, type Pose } from './pose.ts'

const mira = JSON.parse(readFileSync(new URL('../../../public/avatars/mira/manifest.json', import.meta.url), 'utf8')) as LayeredManifest
const happy = mira.expressions!.happy!
const sad = mira.expressions!.sad!
const silent = new Map<Viseme, number>([['sil', 1]])
const talking = new Map<Viseme, number>([['aa', 0.7], ['E', 0.3]])

/** A driver with idle life held still, so a pose differs only by the expression. */
const still = () => {
  const d = new PoseDriver(mira)
  d.still = true
  return d
}
const DEG = Math.PI / 180

describe('PoseDriver: expressions', () => {
  it('is neutral until asked: brows level, eyes as drawn, mouth unbent', () => {
    const p = still().pose(1000, 'idle', silent)
    expect(p.brows).toEqual([{ y: 0, angle: 0 }, { y: 0, angle: 0 }])
    expect(p.eyeScale).toBe(1)
    expect(p.mouthCorners).toEqual([0, 0])
    expect(p.headAngle).toBe(0)
  })

  it('eases in over ~280 ms, smoothly, then holds the bundle’s amounts', () => {
    const d = still()
    d.setExpression('happy', 1, 1000)
    const corner = (ms: number) => d.pose(ms, 'idle', silent).mouthCorners[1]
    expect(corner(1000)).toBe(0)
    const mid = corner(1000 + EXPRESSION_EASE_MS / 2)
    expect(mid).toBeGreaterThan(happy.mouthCorners! * 0.3)
    expect(mid).toBeLessThan(happy.mouthCorners! * 0.7)
    let prev = 0
    for (let ms = 1000; ms <= 1000 + EXPRESSION_EASE_MS; ms += 16) {
      const c = corner(ms)
      expect(c).toBeGreaterThanOrEqual(prev)
      expect(c - prev).toBeLessThan(happy.mouthCorners! * 0.2)
      prev = c
    }
    const held = d.pose(1000 + EXPRESSION_EASE_MS + 3000, 'idle', silent)
    expect(held.mouthCorners).toEqual([happy.mouthCorners, happy.mouthCorners])
    expect(held.brows[0].y).toBeCloseTo(happy.brows!)
    expect(held.eyeScale).toBeLessThan(1)
    expect(held.headAngle).toBeCloseTo(happy.headTiltDeg! * DEG)
  })

  it('decays back to neutral after the hold, over ~1.5 s', () => {
    const d = still()
    d.setExpression('happy', 1, 0)
    const end = EXPRESSION_EASE_MS + EXPRESSION_HOLD_MS
    expect(d.pose(end - 10, 'idle', silent).mouthCorners[0]).toBe(happy.mouthCorners)
    const half = d.pose(end + EXPRESSION_DECAY_MS / 2, 'idle', silent).mouthCorners[0]
    expect(half).toBeGreaterThan(0)
    expect(half).toBeLessThan(happy.mouthCorners!)
    const after = d.pose(end + EXPRESSION_DECAY_MS + 1, 'idle', silent)
    expect(after.mouthCorners).toEqual([0, 0])
    expect(after.eyeScale).toBe(1)
    expect(after.brows[1]).toEqual({ y: 0, angle: 0 })
  })

  it('a new expression replaces the old one smoothly, from where the face is', () => {
    const d = still()
    d.setExpression('happy', 1, 0)
    const before = d.pose(1000, 'idle', silent).mouthCorners[0]
    d.setExpression('sad', 1, 1000)
    // No jump at the change, then on to the new one's amounts.
    expect(d.pose(1000, 'idle', silent).mouthCorners[0]).toBeCloseTo(before)
    expect(d.pose(1016, 'idle', silent).mouthCorners[0]).toBeGreaterThan(before - happy.mouthCorners! * 0.1)
    const now = d.pose(1000 + EXPRESSION_EASE_MS, 'idle', silent)
    expect(now.mouthCorners[0]).toBe(sad.mouthCorners)
    expect(now.brows[0].angle).toBeCloseTo(-sad.browTilt! * DEG)
  })

  it('asking again for the expression shown renews its hold without easing again', () => {
    const d = still()
    d.setExpression('happy', 1, 0)
    d.setExpression('happy', 1, 5000)
    expect(d.pose(5100, 'idle', silent).mouthCorners[0]).toBe(happy.mouthCorners)
    expect(d.pose(5000 + EXPRESSION_EASE_MS + EXPRESSION_HOLD_MS - 10, 'idle', silent).mouthCorners[0]).toBe(happy.mouthCorners)
  })

  it('keeps time while nothing draws the local face (a remote model’s frames shown): it shows, or has faded, when it draws again', () => {
    const d = still()
    d.pose(0, 'idle', silent)
    d.setExpression('sad', 1, 100)
    // No frames in between.
    expect(d.pose(3000, 'idle', silent).mouthCorners[0]).toBe(sad.mouthCorners)
    expect(d.pose(20_000, 'idle', silent).mouthCorners[0]).toBe(0)
  })

  it('scales by intensity: 0 is neutral, ½ half the amounts', () => {
    const zero = still()
    zero.setExpression('sad', 0, 0)
    const p = zero.pose(1000, 'idle', silent)
    expect(p.mouthCorners).toEqual([0, 0])
    expect(p.eyeScale).toBe(1)
    expect(p.brows.map((b) => b.angle)).toEqual([0, 0])
    const half = still()
    half.setExpression('sad', 0.5, 0)
    expect(half.pose(1000, 'idle', silent).mouthCorners[0]).toBeCloseTo(sad.mouthCorners! / 2)
  })

  it('neutral always goes; an expression the bundle does not declare is refused and changes nothing', () => {
    const bare = { ...mira, expressions: { happy } }
    const d = new PoseDriver(bare)
    d.still = true
    expect(d.setExpression('sad', 1, 0)).toBe(false)
    expect(d.pose(1000, 'idle', silent).mouthCorners).toEqual([0, 0])
    expect(d.setExpression('happy', 1, 0)).toBe(true)
    expect(d.setExpression('neutral', 1, 2000)).toBe(true)
    expect(d.pose(2000 + EXPRESSION_EASE_MS, 'idle', silent).mouthCorners).toEqual([0, 0])
  })

  it('leaves the mouth’s viseme weights and the jaw as lip-sync made them', () => {
    const plain = new PoseDriver(mira)
    const expressive = new PoseDriver(mira)
    for (const e of ['happy', 'sad', 'surprised', 'thinking', 'concerned', 'amused'] as const) {
      expressive.setExpression(e, 1, 0)
      for (const ms of [100, 400, 2000]) {
        const a = plain.pose(ms, 'speaking', talking, 0.8)
        const b = expressive.pose(ms, 'speaking', talking, 0.8)
        expect(b.mouths).toEqual(a.mouths)
        expect(b.jaw).toBe(a.jaw)
      }
    }
  })

  it('blends with the mood and idle life: the brows add up, blinks still happen, a wide-open eye gives way to them', () => {
    const d = new PoseDriver(mira)
    d.setExpression('surprised', 1, 0)
    const poses: Pose[] = []
    for (let ms = 0; ms < 15_000; ms += 10) poses.push(d.pose(ms, 'listening', silent))
    const blinking = poses.filter((p) => p.blink > 0.9)
    expect(blinking.length).toBeGreaterThan(0)
    // Held, not blinking: eyes wide, the brows up by the expression and the listening mood's −4 together.
    const open = poses[300]!
    expect(open.blink).toBe(0)
    expect(open.eyeScale).toBeGreaterThan(1.2)
    expect(open.brows[0].y).toBeCloseTo(mira.expressions!.surprised!.brows! - 4, 0)
    for (const p of blinking) expect(p.eyeScale).toBeLessThan(1.05)
  })

  it('a brow skew raises the viewer’s right brow and lowers the left; a tilt lifts both inner ends', () => {
    const d = still()
    d.setExpression('thinking', 1, 0)
    const t = mira.expressions!.thinking!
    const p = d.pose(1000, 'idle', silent)
    expect(p.brows[1].y).toBeCloseTo(t.brows! - t.browSkew!)
    expect(p.brows[0].y).toBeCloseTo(t.brows! + t.browSkew!)
    const m = still()
    m.setExpression('amused', 1, 0)
    const a = m.pose(1000, 'idle', silent)
    // A lopsided smile: the right corner higher than the left.
    expect(a.mouthCorners[1]).toBeGreaterThan(a.mouthCorners[0])
  })

  it('is deterministic: the same calls give the same poses', () => {
    const run = () => {
      const d = new PoseDriver(mira, 3)
      d.setExpression('amused', 0.8, 500)
      return Array.from({ length: 200 }, (_, i) => d.pose(i * 37, 'speaking', talking, 0.5))
    }
    expect(run()).toEqual(run())
  })
})
