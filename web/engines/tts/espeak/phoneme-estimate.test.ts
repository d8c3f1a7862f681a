import { describe, expect, it } from 'vitest'
import { estimateTimings, phonemeWeight, soundStretches } from './phoneme-estimate.ts'

const RATE = 16000
/** Sound (a tone) and silence, in ms: [[on, off], …]. */
function audio(parts: [number, number][]) {
  const total = parts.reduce((n, [a, b]) => n + a + b, 0)
  const out = new Float32Array((RATE * total) / 1000)
  let t = 0
  for (const [on, off] of parts) {
    for (let i = (t * RATE) / 1000; i < ((t + on) * RATE) / 1000; i++) out[i] = 0.3 * Math.sin(i / 3)
    t += on + off
  }
  return out
}

describe('phoneme timing estimates', () => {
  it('weighs stressed and long vowels above others, and stops lightest', () => {
    expect(phonemeWeight('ˈɑː')).toBeGreaterThan(phonemeWeight('ə'))
    expect(phonemeWeight('ə')).toBeGreaterThan(phonemeWeight('s'))
    expect(phonemeWeight('s')).toBeGreaterThan(phonemeWeight('t'))
    expect(phonemeWeight('aʊ')).toBeGreaterThan(phonemeWeight('a'))
  })

  it('finds the stretches of sound and the gaps between them', () => {
    const s = soundStretches(audio([[300, 40], [200, 200], [250, 0]]), RATE)
    // A 40 ms gap is a stop's closure, not a pause: it joins its neighbours.
    expect(s.map((x) => [x.start, x.end])).toEqual([
      [0, 540],
      [740, 990],
    ])
  })

  it('puts each clause on its own stretch of sound and fills it with its phonemes in order', () => {
    const t = estimateTimings(['h_ə_l_ˈoʊ', 'w_ˈɜː_l_d'], audio([[400, 200], [400, 0]]), RATE)
    expect(t.map((p) => p.symbol)).toEqual(['h', 'ə', 'l', 'ˈoʊ', 'w', 'ˈɜː', 'l', 'd'])
    expect(t[0]!.startMs).toBe(0)
    expect(t[3]!.endMs).toBeCloseTo(400)
    expect(t[4]!.startMs).toBe(600)
    expect(t.at(-1)!.endMs).toBeCloseTo(1000)
    for (let i = 1; i < 4; i++) expect(t[i]!.startMs).toBeCloseTo(t[i - 1]!.endMs)
    expect(t[3]!.endMs - t[3]!.startMs).toBeGreaterThan(t[2]!.endMs - t[2]!.startMs)
  })

  it('shares one stretch among several clauses when the audio has no pause between them, and gives nothing for silence', () => {
    const t = estimateTimings(['a', 'b_a'], audio([[600, 0]]), RATE)
    expect(t.map((p) => p.symbol)).toEqual(['a', 'b', 'a'])
    expect(t.at(-1)!.endMs).toBeCloseTo(600)
    expect(estimateTimings(['a'], new Float32Array(1600), RATE)).toEqual([])
  })
})
