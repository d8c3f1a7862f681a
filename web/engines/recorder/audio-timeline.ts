/**
 * The recording's sound on one clock: sentences of the voice are placed where they were heard
 * (ms since the recording started), and the encoder takes the sound in order, up to "now" — with
 * silence between sentences, so that the track is continuous and lasts as long as the picture.
 * Nothing is taken ahead of the moment it is heard: a reply cut short (barge-in, Stop) is cut in
 * the file where the listener stopped hearing it, not where its queued audio would have ended.
 * Overlapping sound is mixed (summed): the user's voice (the microphone's speech) and the avatar's
 * share the one track, as a listener in the room hears them. A cut touches the avatar's voice only.
 *
 * The microphone (`mic`) comes live, frame by frame, and is heard only through a gate that the
 * speech detector opens and closes: what it picks up between utterances (the room, the avatar's
 * own voice from the speakers) stays out of the file, as it would with the detector's segments —
 * but the sound is known as it happens, so the file can be written seconds behind, not a whole
 * utterance behind.
 */
/** Whose voice a sound is: the avatar's, a segment of the user's speech, or the microphone live (gated). */
export type AudioSource = 'avatar' | 'user' | 'mic'

/** Ramps at the gate's edges (ms): no click where it opens or closes. */
const GATE_RAMP_MS = 10

export class AudioTimeline {
  /** Samples handed to the encoder so far. */
  private written = 0
  private segments: { start: number; data: Float32Array; source: AudioSource }[] = []
  /** Where the microphone is heard, in samples (`to` is Infinity while it is open). */
  private gates: { from: number; to: number }[] = []

  constructor(readonly sampleRate: number) {}

  private at(ms: number): number {
    return Math.round((ms * this.sampleRate) / 1000)
  }

  /** Sound at `rate` Hz, heard from `startMs` on. */
  place(startMs: number, samples: Float32Array, rate: number, source: AudioSource = 'avatar') {
    if (!samples.length) return
    this.segments.push({ start: this.at(startMs), data: resampleLinear(samples, rate, this.sampleRate), source })
  }

  /** Nothing of the avatar's voice placed is heard after `ms` (the reply was interrupted then). */
  cut(ms: number) {
    const end = this.at(ms)
    this.segments = this.segments.flatMap((s) =>
      s.source !== 'avatar' ? [s] : s.start >= end ? [] : [{ ...s, data: s.start + s.data.length > end ? s.data.subarray(0, end - s.start) : s.data }],
    )
  }

  /** The user began speaking at `ms`: the microphone is heard from there. */
  openGate(ms: number) {
    const last = this.gates.at(-1)
    if (last && last.to === Infinity) return
    this.gates.push({ from: Math.max(this.at(ms), last?.to ?? 0), to: Infinity })
  }

  /** The user stopped at `ms`. */
  closeGate(ms: number) {
    const last = this.gates.at(-1)
    if (last && last.to === Infinity) last.to = Math.max(last.from, this.at(ms))
  }

  /** The sound from where the last take ended up to `ms`, or null when there is none yet. */
  take(untilMs: number): { startSample: number; samples: Float32Array } | null {
    const until = this.at(untilMs)
    if (until <= this.written) return null
    const from = this.written
    const out = new Float32Array(until - from)
    const gain = this.segments.some((s) => s.source === 'mic') ? this.gateGain(from, until) : null
    for (const s of this.segments) {
      const a = Math.max(from, s.start)
      const b = Math.min(until, s.start + s.data.length)
      if (s.source === 'mic') for (let i = a; i < b; i++) out[i - from]! += s.data[i - s.start]! * gain![i - from]!
      else for (let i = a; i < b; i++) out[i - from]! += s.data[i - s.start]!
    }
    this.written = until
    this.segments = this.segments.filter((s) => s.start + s.data.length > until)
    this.gates = this.gates.filter((g) => g.to > until)
    return { startSample: from, samples: out }
  }

  /** The gate's gain over samples `from`…`until`: 1 inside, 0 outside, ramped at the edges. */
  private gateGain(from: number, until: number): Float32Array {
    const gain = new Float32Array(until - from)
    const ramp = Math.max(1, this.at(GATE_RAMP_MS))
    for (const g of this.gates) {
      const a = Math.max(from, g.from)
      const b = Math.min(until, g.to)
      for (let i = a; i < b; i++) gain[i - from] = Math.min(1, (i - g.from + 1) / ramp, g.to === Infinity ? 1 : (g.to - i) / ramp)
    }
    return gain
  }

  /** Seconds of sound taken. */
  get seconds(): number {
    return this.written / this.sampleRate
  }
}

/**
 * Linear interpolation to another rate. The voices come at 16–24 kHz and the Opus track runs at
 * 48 kHz (all its input at one rate); for speech going up, linear is enough — its images sit above
 * the voice's own band edge, where there is little energy.
 */
export function resampleLinear(input: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return input
  const n = Math.round((input.length * to) / from)
  const out = new Float32Array(n)
  const step = from / to
  for (let i = 0; i < n; i++) {
    const x = i * step
    const j = Math.floor(x)
    const f = x - j
    const a = input[j] ?? 0
    const b = input[j + 1] ?? a
    out[i] = a + (b - a) * f
  }
  return out
}

export { MicClock } from '../../lib/audio/mic-clock.ts'
