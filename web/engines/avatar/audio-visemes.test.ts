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
  it('hears hiss as a fricative and a high tone as a spread vowel', () => {
    const a = new AudioVisemes()
    // Broadband noise puts most of its energy above 4 kHz.
    expect(a.push(hiss(0.3)).slice(5).filter((s) => s.viseme === 'SS' || s.viseme === 'CH').length).toBeGreaterThan(20)
    const b = new AudioVisemes()
    expect(b.push(tone(1800, 0.3)).slice(5).every((s) => s.viseme === 'I')).toBe(true)
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
