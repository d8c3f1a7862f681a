/**
 * Lip-sync from phoneme timings: IPA symbols → Oculus visemes, and a viseme track whose weights
 * change smoothly — each sound's shape starts forming before it is heard and lingers after it
 * (coarticulation), with separate attack and release times, so shapes never flicker.
 */
import type { Viseme } from './bundle.ts'

/** One viseme held over a span of the reply's audio (ms from the reply's first sample). */
export interface VisemeSpan {
  viseme: Viseme
  startMs: number
  endMs: number
  /** How strongly (audio-driven spans use less than 1 when unsure). */
  weight?: number
}

const IPA: [string, Viseme][] = [
  ['pbm', 'PP'],
  ['fv', 'FF'],
  ['θð', 'TH'],
  ['tdɾʈɖ', 'DD'],
  ['kgɡŋhxɣqχʔ', 'kk'],
  ['ʃʒʧʤɕʑç', 'CH'],
  ['szʂʐ', 'SS'],
  ['nlɫɲɳʎ', 'nn'],
  ['ɹrɚɝɻʁɽ', 'RR'],
  ['aɑɐæʌ', 'aa'],
  ['eɛəɜɘ', 'E'],
  ['iɪjyʏᵻɨ', 'I'],
  ['oɔɒøœ', 'O'],
  ['uʊwɯɰ', 'U'],
]
const TABLE = new Map<string, Viseme>(IPA.flatMap(([chars, v]) => [...chars].map((c) => [c, v] as [string, Viseme])))

/** Affricates whose first letter alone would say something else. */
const CLUSTERS = new Map<string, Viseme>([
  ['tʃ', 'CH'],
  ['dʒ', 'CH'],
  ['ts', 'SS'],
  ['dz', 'SS'],
])

/**
 * The viseme of one phoneme in IPA — a letter (Kokoro's tokens) or a whole phoneme such as "oʊ",
 * "ɜː" or "tʃ" (eSpeak NG's events): a diphthong takes the shape it starts with. Null for marks
 * that are not sounds (stress, length, tie).
 */
export function visemeOf(symbol: string): Viseme | null {
  const core = symbol.replace(/[ˈˌːˑ\u0329\u0303ʰʲ\u0361]/gu, '')
  if (!core) return /^\s+$/.test(symbol) ? 'sil' : null
  if (/^[\s.,!?;:—…"'()“”_]+$/.test(core)) return 'sil'
  const cluster = CLUSTERS.get(core.slice(0, 2))
  if (cluster) return cluster
  for (const ch of core) {
    const v = TABLE.get(ch)
    if (v) return v
  }
  return null
}

/**
 * Phoneme timings → viseme spans. Marks that are not sounds lend their time to the sound before
 * them (a length mark lengthens the vowel); neighbouring spans of the same viseme merge.
 */
export function spansFromPhonemes(phonemes: readonly { symbol: string; startMs: number; endMs: number }[], offsetMs = 0): VisemeSpan[] {
  const out: VisemeSpan[] = []
  for (const p of phonemes) {
    const v = visemeOf(p.symbol)
    const last = out.at(-1)
    if (v === null || (last && last.viseme === v && Math.abs(last.endMs - (p.startMs + offsetMs)) < 1)) {
      if (last) last.endMs = p.endMs + offsetMs
      continue
    }
    out.push({ viseme: v, startMs: p.startMs + offsetMs, endMs: p.endMs + offsetMs })
  }
  return out
}

export interface Smoothing {
  /** A shape starts forming this long before its sound. */
  attackMs: number
  /** And fades this long after it. */
  releaseMs: number
}

/** Lips start moving a little before a sound and let go about as fast. */
export const DEFAULT_SMOOTHING: Smoothing = { attackMs: 70, releaseMs: 70 }

const smoothstep = (x: number) => (x <= 0 ? 0 : x >= 1 ? 1 : x * x * (3 - 2 * x))

/**
 * A timeline of viseme spans, appended as sentences arrive, sampled at any time: weights per
 * viseme that sum to 1 (silence takes what the sounds leave).
 */
export class VisemeTrack {
  private spans: VisemeSpan[] = []

  constructor(private readonly smoothing: Smoothing = DEFAULT_SMOOTHING) {}

  add(spans: readonly VisemeSpan[]) {
    for (const s of spans) if (s.viseme !== 'sil' && s.endMs > s.startMs) this.spans.push(s)
    this.spans.sort((a, b) => a.startMs - b.startMs)
  }

  clear() {
    this.spans = []
  }

  /** Forgets spans that ended long before `ms` (keeps memory flat over a long session). */
  prune(ms: number) {
    const horizon = ms - this.smoothing.releaseMs - 1000
    if (this.spans.length && this.spans[0]!.endMs < horizon) this.spans = this.spans.filter((s) => s.endMs >= horizon)
  }

  get length() {
    return this.spans.length
  }

  /** The weights at `ms` (into `out`, which is cleared first). */
  sample(ms: number, out: Map<Viseme, number> = new Map()): Map<Viseme, number> {
    out.clear()
    const { attackMs, releaseMs } = this.smoothing
    let total = 0
    for (const s of this.spans) {
      if (s.startMs - attackMs > ms) break
      if (s.endMs + releaseMs < ms) continue
      const rise = smoothstep((ms - (s.startMs - attackMs)) / attackMs)
      const fall = 1 - smoothstep((ms - s.endMs) / releaseMs)
      const w = Math.min(rise, fall) * (s.weight ?? 1)
      if (w <= 0) continue
      out.set(s.viseme, (out.get(s.viseme) ?? 0) + w)
      total += w
    }
    // Overlapping neighbours share the mouth; what is left is the mouth at rest.
    if (total > 1) for (const [v, w] of out) out.set(v, w / total)
    out.set('sil', Math.max(0, 1 - Math.min(1, total)))
    return out
  }
}
