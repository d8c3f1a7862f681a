/**
 * Phonemes for Kokoro, and the timings of what a voice says (for lip-sync). Pure: eSpeak NG's
 * output comes in as lines, durations as numbers.
 */

/** One sound of the answer and when it is heard, in ms from the start of its sentence. */
export interface PhonemeTiming {
  /** IPA symbol (" " between words). */
  symbol: string
  startMs: number
  endMs: number
}

const CLAUSE_END = /([,.!?;:—…]+)/

/**
 * eSpeak NG prints one line of IPA per clause and drops the punctuation, which Kokoro uses for
 * its prosody: put each clause's closing punctuation back. If the clauses do not line up (eSpeak
 * splits differently), the lines are joined with the sentence's final punctuation only.
 */
export function withPunctuation(text: string, lines: string[]): string {
  const ipa = lines.map((l) => l.trim()).filter(Boolean)
  const parts = text.split(CLAUSE_END)
  const clauses: { words: string; mark: string }[] = []
  for (let i = 0; i < parts.length; i += 2) {
    const words = parts[i]!.trim()
    const mark = parts[i + 1] ?? ''
    if (/[\p{L}\p{N}]/u.test(words)) clauses.push({ words, mark })
    else if (clauses.length && mark) clauses.at(-1)!.mark += mark
  }
  if (clauses.length === ipa.length) return ipa.map((p, i) => `${p}${clauses[i]!.mark}`).join(' ').trim()
  const last = /[.!?…]+\s*$/.exec(text)?.[0].trim() ?? ''
  return `${ipa.join(' ')}${last}`
}

/**
 * Spreads a waveform's length over the tokens by the model's predicted durations (any unit:
 * only the ratios matter). `tokens` are the input symbols including the boundary tokens, which
 * take their time but are not sounds.
 */
export function timingsFromDurations(tokens: string[], durations: ArrayLike<number | bigint>, samples: number, sampleRate: number, boundary = '$'): PhonemeTiming[] {
  const d = Array.from(durations, Number)
  const total = d.reduce((a, b) => a + b, 0)
  if (!total || d.length !== tokens.length) return []
  const msPerUnit = (samples / sampleRate) * 1000 / total
  const out: PhonemeTiming[] = []
  let t = 0
  tokens.forEach((symbol, i) => {
    const end = t + d[i]! * msPerUnit
    if (symbol !== boundary) out.push({ symbol, startMs: t, endMs: end })
    t = end
  })
  return out
}
