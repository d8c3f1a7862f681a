import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { decodeWav } from '../../lib/audio/wav.ts'
import { AudioVisemes } from './audio-visemes.ts'

const tone = (hz: number, seconds: number, amp = 0.3) => Float32Array.from({ length: 16000 * seconds }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / 16000))
/** Hiss: white noise through a first difference, which tilts it toward the high frequencies like an "s". */
const hiss = (seconds: number, amp = 0.3) => {
  let seed = 1
  let last = 0
  return Float32Array.from({ length: 16000 * seconds }, () => {
    seed = (seed * 16807) % 2147483647
    const x = amp * ((seed / 2147483647) * 2 - 1)
    const y = x - last
    last = x
    return y
  })
}

describe('AudioVisemes', () => {
  it('gives one span per 10 ms, on the timeline it was reset to, carrying samples over between pushes', () => {
    const a = new AudioVisemes()
    a.reset(1000)
    const spans = [...a.push(new Float32Array(250)), ...a.push(new Float32Array(230))]
    expect(spans).toHaveLength(3)
    expect(spans.map((s) => s.startMs)).toEqual([979, 989, 999])
  })
  it('rests in silence and opens for a loud low vowel-like sound', () => {
    const a = new AudioVisemes()
    expect(a.push(new Float32Array(1600)).every((s) => s.viseme === 'sil')).toBe(true)
    const loud = a.push(tone(500, 0.3)).slice(5)
    expect(loud.every((s) => ['aa', 'O', 'U', 'E'].includes(s.viseme))).toBe(true)
  })
  it('hears hiss as a fricative', () => {
    const a = new AudioVisemes()
    expect(a.push(hiss(0.3)).slice(5).filter((s) => s.viseme === 'SS' || s.viseme === 'CH').length).toBeGreaterThan(20)
  })
  it('tells vowels apart by their first two formants', () => {
    // Two tones standing in for F1 and F2 of "ee", "ah" and "oo".
    const vowel = (f1: number, f2: number) => {
      const a = tone(f1, 0.3, 0.3)
      const b = tone(f2, 0.3, 0.15)
      return a.map((x, i) => x + b[i]!)
    }
    const heard = (f1: number, f2: number) => {
      const spans = new AudioVisemes().push(vowel(f1, f2)).slice(5)
      const counts = new Map<string, number>()
      for (const s of spans) counts.set(s.viseme, (counts.get(s.viseme) ?? 0) + 1)
      return [...counts].sort((x, y) => y[1] - x[1])[0]![0]
    }
    expect(heard(300, 2300)).toBe('I')
    expect(heard(800, 1250)).toBe('aa')
    expect(heard(330, 850)).toBe('U')
    expect(heard(500, 900)).toBe('O')
    expect(heard(550, 1900)).toBe('E')
  })
  it('on real speech, opens during the words and rests in the pauses between sentences', () => {
    const { samples } = decodeWav(readFileSync(new URL('../../../tests/fixtures/speech.wav', import.meta.url)))
    const truth = JSON.parse(readFileSync(new URL('../../../tests/fixtures/speech.json', import.meta.url), 'utf8')).files['speech.wav'].speech as { start: number; end: number }[]
    const spans = new AudioVisemes().push(samples)
    const inSpeech = (ms: number) => truth.some((s) => ms >= s.start * 1000 && ms <= s.end * 1000)
    const speaking = spans.filter((s) => inSpeech(s.startMs))
    const pauses = spans.filter((s) => !truth.some((t) => s.startMs >= t.start * 1000 - 100 && s.startMs <= t.end * 1000 + 100))
    expect(speaking.filter((s) => s.viseme !== 'sil').length / speaking.length).toBeGreaterThan(0.6)
    expect(pauses.every((s) => s.viseme === 'sil')).toBe(true)
  })
})
