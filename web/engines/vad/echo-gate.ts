/**
 * The avatar's own voice, come back through the microphone from the speakers, must not pass for
 * the user's: browsers' echo cancellation does not reliably remove Web Audio playback (Chromium
 * issue 687574), and a voice that hears itself interrupts itself. Parley knows exactly what it
 * plays and when: this gate is given that audio (the reference) and the reply's clock, learns the
 * echo path — its delay (−96 to 240 ms against the clock) and its level per frequency band — and scales down the speech
 * probability of microphone frames whose energy the echo explains. Speech of the user's over the
 * echo is not explained by it, and passes.
 *
 * Per 32 ms frame: 16 band energies of the microphone (M) and of the reference at every candidate
 * delay (R). The delay is where a fixed level explains the most frames of the last 3 s; until it is known,
 * every delay is assumed, and an echo as loud as the reference (more caution, never less). Once
 * the delay is known, the echo's gain per band is the upper quartile of M/R over the last 3 s of
 * the reference (a little more echo than typical: its frames vary). The unexplained share u = Σ max(0, M − margin·(E + noise)) / Σ M, where E is the gain
 * times the strongest reference around the delay (a room's reflections smear it later), decaying
 * 6 dB a frame after the reference ends; the probability passes in full from u = 0.65, not at all
 * below 0.35. Pure and clocked by its caller: no audio nodes, no timers.
 */
import { Spectrum } from '../../lib/audio/spectrum.ts'

const RATE = 16000
const FRAME = 512
const FRAME_MS = (FRAME * 1000) / RATE
/** The reference's band energies every 8 ms: delays are found to that step. */
const HOP = 128
const HOP_MS = (HOP * 1000) / RATE
const MAX_LAG_MS = 240
/**
 * The echo may also come *before* the clock says the voice is heard: browsers' output latency is
 * an estimate, sometimes tens of milliseconds too high. Delays from −96 ms are looked at.
 */
const MIN_LAG_MS = -96
const EARLY = Math.round(-MIN_LAG_MS / HOP_MS)
const LAGS = Math.round((MAX_LAG_MS - MIN_LAG_MS) / HOP_MS) + 1
/** Lag index → delay (ms). */
const delayOf = (l: number) => (l - EARLY) * HOP_MS
/** Band edges (Hz): 16 bands over speech's range. */
const EDGES = [125, 250, 375, 500, 750, 1000, 1250, 1500, 2000, 2500, 3000, 3500, 4000, 5000, 6000, 7000, 7900]
const BANDS = EDGES.length - 1
const BIN = (hz: number) => Math.round((hz * FRAME) / RATE)
/** Frames of envelope kept for finding the delay (3 s). */
const HISTORY = 94
/**
 * The echo's level assumed before it is measured: 6 dB under the reference. Louder than any of
 * the fixtures' rooms after a laptop's own speaker and microphone (−6 to −20 dB); a louder echo
 * than this could pass for the user in the first second of the first answer, before it is learnt.
 */
const PRIOR_DB = -6
/**
 * An 8 ms hop's echo strays further from the learnt gain than a frame's: the quick onset allows
 * three times as much (the echo fixtures' 50 answers pause it never at 1.4 times, 14 times at 1).
 */
const HOP_MARGIN = 3
/** The reference heard within this long counts as playing (its echo and the room's tail). */
const ACTIVE_MS = 400

export type EchoMode = 'auto' | 'speakers' | 'headphones'

/** A reply's clock as the main thread reads it: epoch ms `at`, `audioMs` into the reply as heard then, and whether it runs. */
export interface ReferenceClock {
  at: number
  audioMs: number
  playing: boolean
}

export class EchoGate {
  private readonly spectrum = new Spectrum()
  private mode: EchoMode = 'auto'
  /** The reply's audio at 16 kHz, by sample from its start, and its band energies per 8 ms hop. */
  private audio = new Float32Array(RATE * 10)
  private length = 0
  private bands: Float64Array[] = []
  /** The reply's mean square per 8 ms hop (what `echoEnergy` reads). */
  private hopEnergy: number[] = []
  private clocks: ReferenceClock[] = []
  /** Epoch ms when reference sound was last found under a microphone frame. */
  private lastActive = -Infinity
  /** ln gain of the echo per band, in power (until learnt: `PRIOR_DB`). */
  private readonly gain = new Float64Array(BANDS).fill(Math.log(10 ** (PRIOR_DB / 10)))
  /** Per remembered frame: the microphone's bands, and the reference's at every delay. */
  private readonly micHistory: Float64Array[] = []
  private readonly refHistory: Float64Array[][] = []
  /** Per remembered frame: the reference's strongest energy over all delays, per band (what `capGain` reads). */
  private readonly peakHistory: Float64Array[] = []
  /** The room's noise floor per band (minimum statistics: down fast, up ~4 dB a second); NaN until the first frame. */
  private readonly noise = new Float64Array(BANDS).fill(Number.NaN)
  private readonly tail = new Float64Array(BANDS)
  /** The estimated delay (hops), or null while unknown. */
  private lag: number | null = null
  private readonly micEnvelope: number[] = []
  private readonly refEnvelope: Float64Array[] = []
  private frames = 0
  private readonly micBands = new Float64Array(BANDS)
  /** The last frame's numbers, for tests and the session log. */
  last = { active: false, unexplained: 1, delayMs: null as number | null }

  setMode(mode: EchoMode) {
    this.mode = mode
  }

  /** A new reply: its audio starts again at 0. */
  resetReply() {
    this.length = 0
    this.bands = []
    this.hopEnergy = []
    this.clocks = []
  }

  /** A piece of the reply's audio (16 kHz), `startMs` into it. */
  addReference(startMs: number, samples: Float32Array) {
    const at = Math.max(0, Math.round((startMs * RATE) / 1000))
    const end = at + samples.length
    if (end > this.audio.length) {
      const grown = new Float32Array(Math.max(end, this.audio.length * 2))
      grown.set(this.audio.subarray(0, this.length))
      this.audio = grown
    }
    this.audio.set(samples, at)
    this.length = Math.max(this.length, end)
    // Band energies for every hop whose window is now complete.
    for (let j = Math.floor(at / HOP); j * HOP + FRAME <= this.length; j++) this.bands[j] = this.bandEnergies(this.audio.subarray(j * HOP, j * HOP + FRAME), new Float64Array(BANDS))
    for (let j = Math.floor(at / HOP); (j + 1) * HOP <= this.length; j++) {
      let e = 0
      for (let i = j * HOP; i < (j + 1) * HOP; i++) e += this.audio[i]! * this.audio[i]!
      this.hopEnergy[j] = e / HOP
    }
  }

  /** Whether the reply's clock runs at epoch ms `t` (an answer is being heard). */
  playingAt(t: number): boolean {
    return this.clockAt(t)?.playing ?? false
  }

  /** The reply's clock as last set at or before epoch ms `t`. */
  private clockAt(t: number): ReferenceClock | undefined {
    let clock: ReferenceClock | undefined
    for (const c of this.clocks) if (c.at <= t) clock = c
    return clock
  }

  /**
   * The most energy (mean square, the margin included) the echo may have in the 8 ms of microphone
   * audio from epoch ms `startMs`, for the quick onset (quick-onset.ts): the loudest hop of the
   * reference around the echo's delay (or at any delay, while it is unknown), times the echo's gain
   * in the bands where that hop's sound is. Rather more than the echo will have: the quick onset
   * only hurries a pause, and the speech model's gated frames follow it.
   */
  echoEnergy(startMs: number): number {
    if (this.mode === 'headphones') return 0
    const [from, to] = this.window()
    let r = 0
    let loudest = -1
    for (let l = from; l <= to; l++) {
      const at = this.replyMs(startMs - delayOf(l))
      const j = at === null ? -1 : Math.floor(at / HOP_MS)
      if ((this.hopEnergy[j] ?? 0) > r) (r = this.hopEnergy[j]!), (loudest = j)
    }
    if (r === 0) return 0
    // The gain where that hop's sound is: each band's, weighted by its share of the hop's energy
    // (a hop too near the reference's end for its bands: the loudest band's, the cautious choice).
    const bands = this.bands[loudest]
    let weighted = 0
    let total = 0
    for (let b = 0; b < BANDS && bands; b++) {
      weighted += Math.exp(this.gain[b]!) * bands[b]!
      total += bands[b]!
    }
    const gain = total > 0 ? weighted / total : Math.exp(Math.max(...this.gain))
    return HOP_MARGIN * (this.mode === 'speakers' ? 4 : 2) * gain * r
  }

  /** The reply's clock changed course (started, paused, resumed) or was read again. */
  setClock(clock: ReferenceClock) {
    this.clocks.push(clock)
    if (this.clocks.length > 32) this.clocks.shift()
  }

  /**
   * The speech probability of a microphone frame that started at epoch ms `startMs`, with what the
   * reference explains taken out.
   */
  judge(frame: Float32Array, startMs: number, probability: number): number {
    if (this.mode === 'headphones') return probability
    const m = this.bandEnergies(frame, this.micBands)
    // The reference's band energies at every candidate delay. Delayed by l hops, the echo is of what played l hops before this frame (before a pause or the end, too).
    const ref: Float64Array[] = []
    let heard = false
    for (let l = 0; l < LAGS; l++) {
      const at = this.replyMs(startMs - delayOf(l))
      const r = at === null ? undefined : this.bands[Math.round(at / HOP_MS)]
      ref.push(r ?? ZERO)
      if (r && sum(r) > 1e-9) heard = true
    }
    if (heard) this.lastActive = startMs
    this.trackNoise(m)
    this.remember(m, ref)
    const active = startMs - this.lastActive < ACTIVE_MS
    if (!active) {
      this.tail.fill(0)
      this.last = { active, unexplained: 1, delayMs: this.delayMs }
      return probability
    }
    // The echo: the strongest reference around the delay (or anywhere, while it is unknown).
    const [from, to] = this.window()
    const margin = this.mode === 'speakers' ? 4 : 2
    let total = 0
    let unexplained = 0
    for (let b = 0; b < BANDS; b++) {
      let r = 0
      for (let l = from; l <= to; l++) r = Math.max(r, ref[l]![b]!)
      const echo = Math.max(Math.exp(this.gain[b]!) * r, this.tail[b]! * 0.25)
      this.tail[b] = echo
      total += m[b]!
      unexplained += Math.max(0, m[b]! - margin * (echo + this.noise[b]!))
    }
    const u = total > 0 ? unexplained / total : 0
    this.last = { active, unexplained: u, delayMs: this.delayMs }
    return probability * Math.min(1, Math.max(0, (u - 0.35) / 0.3))
  }

  /** The delays the echo is looked for at: around the known one (a room's reflections come later), or all. */
  private window(): [number, number] {
    return this.lag === null ? [0, LAGS - 1] : [Math.max(0, this.lag - 2), Math.min(LAGS - 1, this.lag + 6)]
  }

  get delayMs(): number | null {
    return this.lag === null ? null : delayOf(this.lag)
  }

  /** Where in the reply's audio the listener was at epoch ms `t`, or null when nothing played. */
  private replyMs(t: number): number | null {
    const clock = this.clockAt(t)
    if (!clock || !clock.playing) return null
    const ms = clock.audioMs + (t - clock.at)
    return ms >= 0 && ms <= (this.length * 1000) / RATE ? ms : null
  }

  /** The echo's gain per band at the known delay: the upper quartile of ln(M/R) where the reference was strong. */
  private learnGain() {
    const [from, to] = this.window()
    for (let b = 0; b < BANDS; b++) {
      const r = this.refHistory.map((refs) => Math.max(...refs.slice(from, to + 1).map((x) => x[b]!)))
      const strongest = Math.max(...r)
      if (!(strongest > 1e-9)) continue
      // The room's noise is not echo: it is counted on its own.
      const ratios = r.map((x, i) => (x > strongest * 1e-3 ? Math.log(Math.max(this.micHistory[i]![b]! - this.noise[b]!, 1e-12) / x) : NaN)).filter((x) => !Number.isNaN(x)).sort((x, y) => x - y)
      if (ratios.length >= 10) this.gain[b] = Math.min(0, ratios[Math.floor(ratios.length * 0.75)]!)
    }
  }

  private trackNoise(m: Float64Array) {
    for (let b = 0; b < BANDS; b++) {
      const n = this.noise[b]!
      this.noise[b] = Number.isNaN(n) ? m[b]! : m[b]! < n ? n + 0.3 * (m[b]! - n) : n * 1.03
    }
  }

  /** Keeps the envelopes and, every 8 frames, finds the delay where they correlate best. */
  private remember(m: Float64Array, ref: Float64Array[]) {
    if (!ref.some((r) => r !== ZERO)) return
    this.micEnvelope.push(Math.log(sum(m) + 1e-10))
    this.refEnvelope.push(Float64Array.from(ref, (r) => sum(r)))
    this.micHistory.push(Float64Array.from(m))
    this.refHistory.push(ref)
    const peak = new Float64Array(BANDS)
    for (const r of ref) for (let b = 0; b < BANDS; b++) peak[b] = Math.max(peak[b]!, r[b]!)
    this.peakHistory.push(peak)
    if (this.micEnvelope.length > HISTORY) {
      this.micEnvelope.shift()
      this.refEnvelope.shift()
      this.micHistory.shift()
      this.refHistory.shift()
      this.peakHistory.shift()
    }
    ++this.frames
    // While the echo is not measured yet, every other frame: the cautious start should be short.
    if (this.lag === null && this.frames % 2 === 0) this.capGain()
    if (this.frames % 8 !== 0) return
    // For each delay: the echo's level (the median of M − R over frames where the reference was
    // strong), and how many of those frames it explains within 3 dB. The user talking over the echo
    // spoils a frame for every delay alike, so it does not move the choice (a correlation would).
    let best = 0
    let bestLag = -1
    for (let l = 0; l < LAGS; l++) {
      const r = this.refEnvelope.map((row) => row[l]!)
      const strongest = Math.max(...r)
      if (!(strongest > 1e-9)) continue
      const d: number[] = []
      for (let i = 0; i < r.length; i++) if (r[i]! > strongest * 1e-2) d.push(this.micEnvelope[i]! - Math.log(r[i]!))
      if (d.length < 20) continue
      const median = [...d].sort((x, y) => x - y)[d.length >> 1]!
      const share = d.filter((x) => Math.abs(x - median) < 0.69).length / d.length
      if (share > best) {
        best = share
        bestLag = l
      }
    }
    if (bestLag >= 0 && best > 0.45) {
      this.lag = bestLag
      this.learnGain()
    }
  }

  /**
   * No delay explains the microphone yet. If it is quiet while the reference is loud (headphones,
   * a muted speaker), the echo can be no louder than that: the cautious start gives way, so the
   * user is not held back for want of an echo that is not there. Per band, the gain is capped 6 dB
   * over the 90th percentile of (M − noise) / R over the strongest reference of any delay.
   */
  private capGain() {
    const ratios: number[] = []
    for (let b = 0; b < BANDS; b++) {
      let strongest = 0
      for (const peak of this.peakHistory) strongest = Math.max(strongest, peak[b]!)
      if (!(strongest > 1e-9)) continue
      ratios.length = 0
      this.peakHistory.forEach((peak, i) => {
        if (peak[b]! > strongest * 1e-2) ratios.push(Math.log(Math.max(this.micHistory[i]![b]! - this.noise[b]!, 1e-12) / peak[b]!))
      })
      ratios.sort((x, y) => x - y)
      // 6 dB over what was seen: few frames, so a margin; a real echo leaves the prior as it is.
      if (ratios.length >= 10) this.gain[b] = Math.min(this.gain[b]!, ratios[Math.floor(ratios.length * 0.9)]! + Math.log(4))
    }
  }

  private bandEnergies(window: Float32Array, out: Float64Array): Float64Array {
    const p = this.spectrum.of(window)
    for (let b = 0; b < BANDS; b++) {
      let e = 0
      for (let k = BIN(EDGES[b]!); k < BIN(EDGES[b + 1]!); k++) e += p[k]!
      out[b] = e
    }
    return out
  }
}

const ZERO = new Float64Array(BANDS)
const sum = (a: ArrayLike<number>) => {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]!
  return s
}
