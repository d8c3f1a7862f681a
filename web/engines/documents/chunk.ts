import type { Chunk, Section } from './protocol.ts'

export interface ChunkOptions {
  /** A chunk ends once it would pass this many tokens… */
  maxTokens: number
  /** …and the next one, in the same section, starts with about this many of the last one's. */
  overlapTokens: number
}

/**
 * 200–400 tokens a chunk: enough context to answer from, small enough that three or four fit in a
 * prompt beside the conversation. Sentence-embedding models read 256–512 tokens at most.
 */
export const CHUNKING: ChunkOptions = { maxTokens: 360, overlapTokens: 40 }

/** Han, kana and hangul: about a token a character in these models' tokenizers. */
const CJK = /[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]/gu

/**
 * Tokens, estimated: English runs about 4 tokens to 3 words in the tokenizers these models use
 * (a number or a rare name costs more, so it is counted by length); Chinese, Japanese and Korean
 * about one a character. Close enough for sizing chunks.
 */
export function estimateTokens(text: string): number {
  let n = 0
  for (const word of text.split(/\s+/)) {
    if (!word) continue
    const cjk = word.match(CJK)?.length ?? 0
    const rest = word.length - cjk
    n += cjk + (rest ? Math.max(1, Math.ceil(rest / 6)) + (rest > 3 ? 0.34 : 0) : 0)
  }
  return Math.ceil(n)
}

/**
 * A document's sections cut into chunks: never across a heading or a page (a citation names one),
 * whole paragraphs where they fit, a long paragraph at its sentences, a run-on sentence at words.
 */
export function chunkSections(docId: string, sections: readonly Section[], options: ChunkOptions = CHUNKING): Chunk[] {
  const chunks: Chunk[] = []
  for (const section of sections) {
    const heading = section.headings.length ? section.headings.join(' › ') : undefined
    const emit = (parts: string[]) => {
      const text = parts.join('\n').trim()
      if (text) chunks.push({ id: `${docId}#${chunks.length}`, docId, n: chunks.length, text, ...(heading && { heading }), ...(section.page && { page: section.page }) })
    }
    let parts: string[] = []
    let tokens = 0
    for (const unit of section.paragraphs.flatMap((p) => pieces(p, options.maxTokens))) {
      const size = estimateTokens(unit)
      if (tokens + size > options.maxTokens && parts.length) {
        emit(parts)
        const tail = tailOf(parts.join(' '), options.overlapTokens)
        parts = tail ? [tail] : []
        tokens = estimateTokens(tail)
      }
      parts.push(unit)
      tokens += size
    }
    emit(parts)
  }
  return chunks
}

/** A paragraph as pieces that each fit in a chunk: itself, its sentences, or runs of words. */
function pieces(paragraph: string, max: number): string[] {
  if (estimateTokens(paragraph) <= max) return [paragraph]
  // Chinese and Japanese end sentences with 。！？ and put no spaces between words.
  const sentences = paragraph.match(/[^.!?。！？]+(?:[.!?。！？]+["”’)」』]*\s*|$)/g) ?? [paragraph]
  return sentences.flatMap((s) => {
    if (estimateTokens(s) <= max) return [s.trim()]
    // A "word" longer than a chunk (text without spaces, a pasted blob) is cut by length, or it
    // would be one unbounded chunk: past the relay's per-text limit, and a flood in the prompt.
    const words = s.trim().split(/\s+/).flatMap((w) => cutLong(w, max))
    const runs: string[] = []
    let run: string[] = []
    for (const w of words) {
      if (estimateTokens([...run, w].join(' ')) > max && run.length) {
        runs.push(run.join(' '))
        run = []
      }
      run.push(w)
    }
    if (run.length) runs.push(run.join(' '))
    return runs
  })
}

/** A word over `max` tokens in pieces of about `max` (by characters: a token each in CJK text, about 4 otherwise). */
function cutLong(word: string, max: number): string[] {
  if (estimateTokens(word) <= max) return [word]
  const size = (word.match(CJK)?.length ?? 0) > word.length / 2 ? max : max * 4
  return word.match(new RegExp(`[^]{1,${size}}`, 'gu')) ?? [word]
}

/** The last words of a text, at most `tokens` of them, starting at a word (none when its last word alone is longer). */
function tailOf(text: string, tokens: number): string {
  if (tokens <= 0) return ''
  const words = text.split(/\s+/)
  let n = 0
  let i = words.length
  while (i > 0 && n + estimateTokens(words[i - 1]!) <= tokens) n += estimateTokens(words[--i]!)
  return words.slice(i).join(' ')
}
