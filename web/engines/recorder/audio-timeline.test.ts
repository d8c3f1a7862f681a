import { describe, expect, it } from 'vitest'
import { AudioTimeline, MicClock, resampleLinear } from './audio-timeline.ts'

const ones = (n: number) => new Float32Array(n).fill(1)

describe('AudioTimeline', () => {
  it('puts a sentence where it was heard, with silence before it', () => {
    const t = new AudioTimeline(1000)
    t.place(100, ones(50), 1000)
    const got = t.take(200)!
    expect(got.startSample).toBe(0)
    expect(got.samples.length).toBe(200)
    expect(got.samples.slice(0, 100).every((v) => v === 0)).toBe(true)
    expect(got.samples.slice(100, 150).every((v) => v === 1)).toBe(true)
    expect(got.samples.slice(150).every((v) => v === 0)).toBe(true)
  })

  it('takes in order, never ahead of now, and continues where the last take ended', () => {
    const t = new AudioTimeline(1000)
    t.place(0, ones(100), 1000)
    expect(t.take(40)!.samples.length).toBe(40)
    expect(t.take(40)).toBeNull()
    const rest = t.take(100)!
    expect(rest.startSample).toBe(40)
    expect(rest.samples.every((v) => v === 1)).toBe(true)
    expect(t.seconds).toBe(0.1)
  })

  it('cuts what would have been said after an interruption', () => {
    const t = new AudioTimeline(1000)
    t.place(0, ones(100), 1000)
    t.place(200, ones(100), 1000)
    t.take(30)
    t.cut(60)
    const rest = t.take(300)!.samples
    expect(rest.slice(0, 30).every((v) => v === 1)).toBe(true)
    expect(rest.slice(30).every((v) => v === 0)).toBe(true)
  })

  it('cuts the avatar\'s voice only, never the user\'s', () => {
    const t = new AudioTimeline(1000)
    t.place(0, ones(100), 1000, 'user')
    t.place(0, ones(100), 1000, 'avatar')
    t.cut(50)
    const got = t.take(100)!.samples
    expect(got[10]).toBe(2)
    expect(got[80]).toBe(1)
  })

  it('mixes overlapping sound', () => {
    const t = new AudioTimeline(1000)
    t.place(0, ones(10), 1000)
    t.place(5, ones(10), 1000)
    expect(Array.from(t.take(15)!.samples)).toEqual([1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1])
  })

  it('places sound at its own rate on the timeline\'s rate', () => {
    const t = new AudioTimeline(48000)
    t.place(0, ones(22050), 22050)
    const got = t.take(1000)!.samples
    expect(got.length).toBe(48000)
    expect(got[47990]).toBeCloseTo(1)
  })
})

describe('resampleLinear', () => {
  it('keeps the duration and interpolates between samples', () => {
    const out = resampleLinear(new Float32Array([0, 1, 0, -1]), 2, 4)
    expect(out.length).toBe(8)
    expect(Array.from(out.slice(0, 4))).toEqual([0, 0.5, 1, 0.5])
  })
})

describe('the microphone through the gate', () => {
  it('is heard only while the gate is open, ramped at its edges', () => {
    const t = new AudioTimeline(1000)
    t.place(0, ones(300), 1000, 'mic')
    t.openGate(100)
    t.closeGate(200)
    const got = t.take(300)!.samples
    expect(got.slice(0, 100).every((v) => v === 0)).toBe(true)
    expect(got[100]).toBeGreaterThan(0)
    expect(got[100]).toBeLessThan(1)
    expect(got.slice(110, 190).every((v) => v === 1)).toBe(true)
    expect(got.slice(200).every((v) => v === 0)).toBe(true)
  })

  it('stays open across takes until it is closed, and mixes with the avatar', () => {
    const t = new AudioTimeline(1000)
    t.openGate(0)
    t.place(0, ones(100), 1000, 'mic')
    t.place(50, ones(100), 1000, 'avatar')
    expect(t.take(50)!.samples.at(-1)).toBe(1)
    t.place(100, ones(100), 1000, 'mic')
    t.closeGate(150)
    const rest = t.take(200)!.samples
    expect(rest[20]).toBe(2) // 70 ms: both voices
    expect(rest[140]).toBe(0) // 190 ms: the gate closed, the avatar done
  })
})

describe('MicClock', () => {
  it('lays frames end to end through jitter and sets the clock again after a gap', () => {
    const c = new MicClock(120)
    expect(c.place(1032, 512, 16000)).toBe(1000)
    expect(c.place(1070, 512, 16000)).toBe(1032) // arrived 6 ms late: still end to end
    expect(c.place(1090, 512, 16000)).toBe(1064) // early: still end to end
    expect(c.place(5032, 512, 16000)).toBe(5000) // muted a while: the clock follows
    expect(c.place(5100, 512, 16000)).toBe(5032) // late, within the tolerance: end to end
    expect(c.place(5080, 512, 16000)).toBe(5048) // sooner than the clock: it was set late, and moves back
  })
})
