/**
 * Phoneme timings for a voice that does not report them (the eSpeak NG WebAssembly program only
 * writes audio): its phonemes (`--ipa --sep=_`: "_" between phonemes, a space between words, a
 * line per clause) laid over the audio it made — each clause on a stretch of sound, each phoneme
 * given a share of its clause by its kind (stressed and long vowels longest, stops shortest).
 * An estimate, judged against eSpeak NG's true timings in the lip-sync benchmark.
 */
import type { PhonemeTiming } from '../phonemes.ts'

const FRAME_MS = 10
/** Quiet this long (or longer) between sounds may be a clause's pause. */
const GAP_MS = 60

const VOWELS = /[aɑɐæʌeɛəɜɘiɪyʏᵻɨoɔɒøœuʊɯɚɝ]/u
const STOPS = /^[pbtdkgɡʔ]/u
const FRICATIVES = /^(tʃ|dʒ|[szʃʒfvθðhxç])/u

/** How long a phoneme tends to last, relative to the others in its clause. */
export function phonemeWeight(phoneme: string): number {
  const core = phoneme.replace(/[ˈˌ]/gu, '')
  const vowels = [...core].filter((c) => VOWELS.test(c)).length
  if (vowels) return 1 + (phoneme.includes('ˈ') ? 0.45 : phoneme.includes('ˌ') ? 0.2 : 0) + (core.includes('ː') ? 0.3 : 0) + (vowels > 1 ? 0.4 : 0)
  if (STOPS.test(core)) return 0.65
  if (FRICATIVES.test(core)) return 0.85
  return 0.6
}

/** Stretches of sound in the audio (ms), split where it is quiet for at least GAP_MS. */
export function soundStretches(samples: Float32Array, sampleRate: number): { start: number; end: number; gapBefore: number }[] {
  const hop = Math.round((sampleRate * FRAME_MS) / 1000)
  const db: number[] = []
  for (let i = 0; i + hop <= samples.length; i += hop) {
    let p = 0
    for (let j = i; j < i + hop; j++) p += samples[j]! * samples[j]!
    db.push(10 * Math.log10(p / hop + 1e-12))
  }
  const peak = Math.max(...db)
  const threshold = Math.max(-50, peak - 38)
  const out: { start: number; end: number; gapBefore: number }[] = []
  let quiet = Infinity
  db.forEach((d, k) => {
    if (d < threshold) return void quiet++
    const t = k * FRAME_MS
    if (out.length && quiet * FRAME_MS < GAP_MS) out.at(-1)!.end = t + FRAME_MS
    else out.push({ start: t, end: t + FRAME_MS, gapBefore: out.length ? quiet * FRAME_MS : 0 })
    quiet = 0
  })
  return out
}

/** Lays the clauses' phonemes over the audio. */
export function estimateTimings(ipaLines: string[], samples: Float32Array, sampleRate: number): PhonemeTiming[] {
  const clauses = ipaLines
    .map((line) => line.trim().split(/\s+/).filter(Boolean).map((word) => word.split('_').filter(Boolean)))
    .filter((words) => words.length)
  let stretches = soundStretches(samples, sampleRate)
  if (!clauses.length || !stretches.length) return []
  // One stretch per clause: close the shortest gaps (a stop's closure, not a pause) until they match.
  while (stretches.length > clauses.length) {
    let at = 1
    for (let i = 2; i < stretches.length; i++) if (stretches[i]!.gapBefore < stretches[at]!.gapBefore) at = i
    stretches[at - 1]!.end = stretches[at]!.end
    stretches = [...stretches.slice(0, at), ...stretches.slice(at + 1)]
  }
  // Fewer stretches than clauses: share the whole sound among the clauses by their weight.
  const regions =
    stretches.length === clauses.length
      ? stretches
      : (() => {
          const start = stretches[0]!.start
          const span = stretches.at(-1)!.end - start
          const weights = clauses.map((words) => words.flat().reduce((n, p) => n + phonemeWeight(p), 0))
          const total = weights.reduce((a, b) => a + b, 0)
          let t = start
          return weights.map((w) => {
            const r = { start: t, end: t + (span * w) / total, gapBefore: 0 }
            t = r.end
            return r
          })
        })()
  const out: PhonemeTiming[] = []
  clauses.forEach((words, c) => {
    const { start, end } = regions[c]!
    const phonemes = words.flatMap((w, i) => (i ? [' ', ...w] : w))
    const weights = phonemes.map((p) => (p === ' ' ? 0 : phonemeWeight(p)))
    const total = weights.reduce((a, b) => a + b, 0)
    let t = start
    phonemes.forEach((symbol, i) => {
      const d = ((end - start) * weights[i]!) / total
      if (d > 0) out.push({ symbol, startMs: t, endMs: t + d })
      t += d
    })
  })
  return out
}
