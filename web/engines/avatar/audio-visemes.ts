/**
 * Lip-sync from audio alone, for voices that give no phoneme timings (the relay's TTS, remote
 * audio): every 10 ms of 16 kHz audio, a 32 ms Hann window → spectrum → energy in four bands
 * (first formant, second formant, upper formants, fricative noise) → the likeliest visemes.
 * A small fixed cost per hop (one 512-point FFT, no allocation). It cannot tell "p" from "t" —
 * no audio-only method can reliably — but it gets openness, rounding, spreading, fricatives and
 * silence, which is most of what a viewer sees.
 */
import { Spectrum, WINDOW } from '../../lib/audio/spectrum.ts'
import type { Viseme } from './bundle.ts'
import type { VisemeSpan } from './visemes.ts'

export const HOP = 160
const RATE = 16000
const HALF = WINDOW / 2
const BIN_HZ = RATE / WINDOW

/** Below this level (dBFS) the mouth rests; it opens fully by `LOUD_DB`. */
const GATE_DB = -48
const LOUD_DB = -22

const band = (lo: number, hi: number) => [Math.round(lo / BIN_HZ), Math.round(hi / BIN_HZ)] as const
const F1 = band(150, 900)
const F2 = band(900, 2300)
const F3 = band(2300, 4000)
const FRIC = band(4000, 7800)
/** Where to look for the first and second formants. */
const F1_SEARCH = band(220, 1000)
const F2_SEARCH = band(800, 2800)

export class AudioVisemes {
  private readonly spectrum = new Spectrum()
  private readonly power = this.spectrum.power
  private readonly history = new Float32Array(WINDOW)
  private pending = new Float32Array(0)
  private peakDb = -100
  /** ms (on the caller's timeline) of the next hop's end. */
  private clockMs = 0

  /** Starts a new stretch of audio at `ms` (e.g. a sentence's start on the playback clock). */
  reset(ms = 0) {
    this.history.fill(0)
    this.pending = new Float32Array(0)
    this.peakDb = -100
    this.clockMs = ms
  }

  /** Feeds 16 kHz samples; returns a span per complete 10 ms hop, placed at the centre of its window. */
  push(samples: Float32Array): VisemeSpan[] {
    const all = new Float32Array(this.pending.length + samples.length)
    all.set(this.pending)
    all.set(samples, this.pending.length)
    const out: VisemeSpan[] = []
    let i = 0
    for (; i + HOP <= all.length; i += HOP) out.push(this.hop(all.subarray(i, i + HOP)))
    this.pending = all.slice(i)
    return out
  }

  /** One hop: slide the window by 160 samples and classify it. */
  hop(chunk: Float32Array): VisemeSpan {
    this.history.copyWithin(0, HOP)
    this.history.set(chunk, WINDOW - HOP)
    const { history } = this
    let power = 0
    for (let n = 0; n < WINDOW; n++) power += history[n]! * history[n]!
    this.spectrum.of(history)
    const e1 = this.energy(F1)
    const e2 = this.energy(F2)
    const e3 = this.energy(F3)
    const ef = this.energy(FRIC)
    // The window covers the last 32 ms: its sound is centred 16 ms before the hop's end.
    const startMs = this.clockMs - 21
    const endMs = this.clockMs - 11
    this.clockMs += 10
    const db = 10 * Math.log10(power / WINDOW + 1e-12)
    // Loudness against the recent peak (it decays 30 dB a second): consonants are quieter than
    // the vowels around them, whatever the overall level.
    this.peakDb = Math.max(db, this.peakDb - 0.3)
    const rel = db - this.peakDb
    const loud = Math.min(1, Math.max(0, (db - GATE_DB) / (LOUD_DB - GATE_DB)))
    if (loud === 0) return { viseme: 'sil', startMs, endMs }
    const total = e1 + e2 + e3 + ef + 1e-12
    const fric = ef / total
    const low = e1 / total
    const weight = 0.35 + 0.65 * loud
    if (fric > 0.45) return { viseme: e3 / total > 0.2 ? 'CH' : 'SS', startMs, endMs, weight }
    if (fric > 0.25 && rel < -10) return { viseme: 'FF', startMs, endMs, weight }
    if (rel < -12) return { viseme: low > 0.9 ? 'PP' : 'nn', startMs, endMs, weight }
    // A vowel: where its first two formants are (the classic vowel chart).
    const f1 = this.peakHz(F1_SEARCH)
    const f2 = this.peakHz([Math.max(F2_SEARCH[0], Math.round((f1 + 300) / BIN_HZ)), F2_SEARCH[1]])
    let viseme: Viseme
    if (f1 > 680) viseme = 'aa'
    else if (f2 > 1750) viseme = f1 < 430 ? 'I' : 'E'
    else if (f2 < 1250) viseme = f1 < 430 ? 'U' : 'O'
    else viseme = 'E'
    return { viseme, startMs, endMs, weight }
  }

  /** The frequency of the strongest peak of the smoothed spectrum between two bins. */
  private peakHz([lo, hi]: readonly [number, number]) {
    const p = this.power
    let best = lo
    let bestValue = -1
    for (let k = Math.max(3, lo); k < Math.min(HALF - 3, hi); k++) {
      const v = p[k - 3]! + p[k - 2]! + p[k - 1]! + p[k]! + p[k + 1]! + p[k + 2]! + p[k + 3]!
      if (v > bestValue) {
        bestValue = v
        best = k
      }
    }
    return best * BIN_HZ
  }

  private energy([lo, hi]: readonly [number, number]) {
    let e = 0
    for (let k = lo; k < hi; k++) e += this.power[k]!
    return e
  }
}
