import { describe, expect, it } from 'vitest'
import { spansFromPhonemes, visemeOf, VisemeTrack } from './visemes.ts'

const ph = (symbols: string, ms = 100) => [...symbols].map((symbol, i) => ({ symbol, startMs: i * ms, endMs: (i + 1) * ms }))

describe('visemeOf', () => {
  it('maps IPA symbols to the Oculus visemes', () => {
    expect([...'pfθtkʃsnɹaeiou'].map(visemeOf)).toEqual(['PP', 'FF', 'TH', 'DD', 'kk', 'CH', 'SS', 'nn', 'RR', 'aa', 'E', 'I', 'O', 'U'])
    expect(visemeOf(' ')).toBe('sil')
    expect(visemeOf(',')).toBe('sil')
  })
  it('maps whole phonemes as eSpeak NG names them: diphthongs by their start, affricates as one', () => {
    expect(['oʊ', 'ɜː', 'aɪ', 'tʃ', 'dʒ', 'ˈɑː', 'iː'].map(visemeOf)).toEqual(['O', 'E', 'aa', 'CH', 'CH', 'aa', 'I'])
  })
  it('gives nothing for marks that are not sounds', () => {
    expect(visemeOf('ˈ')).toBeNull()
    expect(visemeOf('ː')).toBeNull()
  })
})

describe('spansFromPhonemes', () => {
  it('lends the time of stress and length marks to the sound before, and merges repeats', () => {
    // "hˈɛlˈoː" → h ˈ ɛ l ˈ o ː
    const spans = spansFromPhonemes(ph('hˈɛlˈoː'))
    expect(spans.map((s) => [s.viseme, s.startMs, s.endMs])).toEqual([
      ['kk', 0, 200],
      ['E', 200, 300],
      ['nn', 300, 500],
      ['O', 500, 700],
    ])
  })
  it('shifts spans by the sentence offset', () => {
    expect(spansFromPhonemes(ph('pa'), 1000)[1]).toMatchObject({ viseme: 'aa', startMs: 1100, endMs: 1200 })
  })
})

describe('VisemeTrack', () => {
  const track = () => {
    const t = new VisemeTrack({ attackMs: 50, releaseMs: 50 })
    t.add(spansFromPhonemes(ph('pa', 200)))
    return t
  }
  it('is at rest before the first sound forms and after the last fades', () => {
    expect(track().sample(-100).get('sil')).toBe(1)
    expect(track().sample(500).get('sil')).toBe(1)
  })
  it('holds a sound fully in its middle, and the weights always sum to 1', () => {
    const t = track()
    expect(t.sample(300).get('aa')).toBeCloseTo(1)
    for (let ms = -60; ms < 520; ms += 7) {
      const w = t.sample(ms)
      expect([...w.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
    }
  })
  it('blends neighbours across a boundary instead of switching (coarticulation)', () => {
    const w = track().sample(200)
    expect(w.get('PP')!).toBeGreaterThan(0.2)
    expect(w.get('aa')!).toBeGreaterThan(0.2)
  })
  it('changes smoothly: no jump larger than a small step between 10 ms samples', () => {
    const t = track()
    let prev = t.sample(-60).get('aa') ?? 0
    for (let ms = -50; ms < 520; ms += 10) {
      const now = t.sample(ms).get('aa') ?? 0
      expect(Math.abs(now - prev)).toBeLessThan(0.35)
      prev = now
    }
  })
  it('clears on barge-in and prunes what is long past', () => {
    const t = track()
    t.prune(10_000)
    expect(t.length).toBe(0)
    const u = track()
    u.clear()
    expect(u.sample(300).get('sil')).toBe(1)
  })
})
