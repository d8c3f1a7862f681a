import { describe, expect, it } from 'vitest'
import { DownSampler, Framer, rms } from './resampler.ts'

const sine = (rate: number, hz: number, seconds: number) =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => Math.sin((2 * Math.PI * hz * i) / rate))

describe('DownSampler', () => {
  it('turns 48 kHz into exactly a third as many samples, whatever the block size', () => {
    const input = sine(48000, 440, 1)
    for (const block of [128, 441, 1000, 48000]) {
      const d = new DownSampler(48000, 16000)
      let n = 0
      for (let i = 0; i < input.length; i += block) n += d.process(input.subarray(i, i + block)).length
      expect(Math.abs(n - 16000)).toBeLessThanOrEqual(1)
    }
  })

  it('handles non-integer ratios (44.1 kHz) with a continuous output', () => {
    const d = new DownSampler(44100, 16000)
    const chunks: Float32Array[] = []
    const input = sine(44100, 300, 0.5)
    for (let i = 0; i < input.length; i += 128) chunks.push(d.process(input.subarray(i, i + 128)).slice()) // a view: copy before the next call
    const out = Float32Array.from(chunks.flatMap((c) => [...c]))
    expect(Math.abs(out.length - 8000)).toBeLessThanOrEqual(1)
    // The 300 Hz tone survives: compare with the ideal 16 kHz sine (box filter gain ~0.99 at 300 Hz).
    const ideal = sine(16000, 300, 0.5)
    let err = 0
    for (let i = 10; i < 7990; i++) err = Math.max(err, Math.abs(out[i]! - ideal[i]! * 0.99))
    expect(err).toBeLessThan(0.05)
  })

  it('keeps a constant signal constant', () => {
    const d = new DownSampler(48000, 16000)
    const out = d.process(new Float32Array(4800).fill(0.25))
    for (const v of out) expect(v).toBeCloseTo(0.25, 6)
  })

  it('refuses to up-sample', () => {
    expect(() => new DownSampler(8000, 16000)).toThrow(/Cannot down-sample/)
  })
})

describe('Framer', () => {
  it('emits fixed frames across uneven pushes and keeps the remainder', () => {
    const f = new Framer(512)
    const frames: Float32Array[] = []
    const data = Float32Array.from({ length: 1300 }, (_, i) => i)
    f.push(data.subarray(0, 100), (x) => frames.push(x))
    f.push(data.subarray(100, 1300), (x) => frames.push(x))
    expect(frames.map((x) => x.length)).toEqual([512, 512])
    expect(frames[1]![0]).toBe(512)
    expect(frames[0]).not.toBe(frames[1])
  })
})

describe('rms', () => {
  it('is 1/√2 for a full-scale sine', () => {
    expect(rms(sine(16000, 100, 1))).toBeCloseTo(Math.SQRT1_2, 3)
  })
})
