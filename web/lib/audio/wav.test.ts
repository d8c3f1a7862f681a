import { describe, expect, it } from 'vitest'
import { decodeWav, encodeWav } from './wav.ts'

describe('WAV', () => {
  it('round-trips 16-bit mono', () => {
    const samples = Float32Array.from([0, 0.5, -0.5, 0.25, -1])
    const back = decodeWav(encodeWav({ sampleRate: 16000, samples }))
    expect(back.sampleRate).toBe(16000)
    back.samples.forEach((s, i) => expect(s).toBeCloseTo(samples[i]!, 3))
  })

  it('refuses what is not a WAV, saying so', () => {
    expect(() => decodeWav(new TextEncoder().encode('<!doctype html><html>'))).toThrow(/Not a WAV file/)
  })
})
