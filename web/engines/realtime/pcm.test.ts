import { describe, expect, it } from 'vitest'
import { fromPcm16Base64, resample, toPcm16Base64 } from './pcm.ts'

describe('Realtime PCM', () => {
  it('round-trips floats through base64 PCM16 within one step', () => {
    const s = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i / 7) * 0.9)
    const back = fromPcm16Base64(toPcm16Base64(s))
    expect(back.length).toBe(s.length)
    for (let i = 0; i < s.length; i++) expect(Math.abs(back[i]! - s[i]!)).toBeLessThan(2 / 0x7fff)
  })

  it('writes little-endian and clips', () => {
    const bytes = Uint8Array.from(atob(toPcm16Base64(Float32Array.of(1, -1, 2, 0.5))), (c) => c.charCodeAt(0))
    expect([...bytes]).toEqual([0xff, 0x7f, 0x00, 0x80, 0xff, 0x7f, 0xff, 0x3f])
  })

  it('resamples 16 kHz to 24 kHz keeping the duration and the shape', () => {
    const s = Float32Array.from({ length: 16000 }, (_, i) => Math.sin((2 * Math.PI * 200 * i) / 16000))
    const r = resample(s, 16000, 24000)
    expect(r.length).toBe(24000)
    for (let i = 0; i < r.length; i += 97) expect(r[i]!).toBeCloseTo(Math.sin((2 * Math.PI * 200 * i) / 24000), 2)
  })

  it('handles long audio (more than one slice of characters)', () => {
    const s = new Float32Array(24000 * 3).fill(0.25)
    expect(fromPcm16Base64(toPcm16Base64(s)).length).toBe(s.length)
  })
})
