import { toSpeakable } from './speakable.ts'

export interface SentenceOptions {
  locale: string
  /** Shorter sentences wait to be spoken with the next one ("Sure." + "Here it is."). */
  minWords: number
  /** Longer text is cut at a clause boundary (, ; : —) so the voice can start sooner. */
  maxChars: number
}

export const defaultSentenceOptions: SentenceOptions = { locale: 'en', minWords: 3, maxChars: 220 }

/** Abbreviations after which a full stop does not end a sentence (ICU breaks after them). */
const ABBREVIATION = /(?:^|\s)(?:(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Mt|vs|etc|approx|Inc|Ltd|Co|Corp|No|Fig|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.|(?:\p{L}\.){2,})\s*$/iu
/** A sentence that ends with terminal punctuation and then a space is complete, even last. */
const ENDED = /(?:[.!?…]+["'”’)\]]*\s+|[。！？]+["'”’」』)\]]*\s*)$/
const CJK_END = /[。！？]["'”’」』)\]]*$/
const CLAUSE = /[,;:—–](?=\s)/g

/**
 * Streaming LLM text → speakable sentences, each the moment it is complete. Uses the platform's
 * Intl.Segmenter (decimals, initials, CJK, closing quotes), adds what it lacks (common
 * abbreviations, "…"), keeps fenced code out of the voice, merges fragments of fewer than
 * `minWords` words and cuts very long sentences at a clause. Pure: no timers, no I/O.
 */
export class SentenceSegmenter {
  private readonly options: SentenceOptions
  private readonly segmenter: Intl.Segmenter
  /** Written text not yet emitted (code removed). */
  private pending = ''
  /** A fragment too short to speak alone, waiting for the next sentence. */
  private carry = ''
  private inCode = false
  /** The end of the last delta, held back when it may be the start of a ``` fence. */
  private tail = ''

  constructor(options: Partial<SentenceOptions> = {}) {
    this.options = { ...defaultSentenceOptions, ...options }
    this.segmenter = new Intl.Segmenter(this.options.locale, { granularity: 'sentence' })
  }

  /** Adds a delta of streamed text; returns the sentences it completed. */
  push(delta: string): string[] {
    this.absorb(delta, false)
    return this.take(false)
  }

  /** The stream ended: everything left, as sentences. */
  flush(): string[] {
    this.absorb('', true)
    const out = this.take(true)
    if (this.carry) out.push(this.carry)
    this.carry = ''
    return out.filter(Boolean)
  }

  /** Moves text into `pending`, dropping fenced code blocks (they are shown, not spoken). */
  private absorb(delta: string, final: boolean) {
    let text = this.tail + delta
    this.tail = ''
    if (!final) {
      // Trailing backticks may be (part of) a fence the next delta completes: wait for it.
      const m = /`+$/.exec(text)
      if (m) {
        this.tail = m[0]
        text = text.slice(0, -m[0].length)
      }
    }
    const parts = text.split('```')
    parts.forEach((part, i) => {
      if (i > 0) {
        this.inCode = !this.inCode
        // A code block ends whatever sentence came before it.
        if (this.inCode && this.pending.trim()) this.pending = `${this.pending.trimEnd()}\n\n`
      }
      if (!this.inCode) this.pending += part
    })
  }

  private take(final: boolean): string[] {
    const segments = [...this.segmenter.segment(this.pending)].map((s) => s.segment)
    const merged = splitEllipses(mergeAbbreviations(segments))
    let complete = merged.length - 1
    const last = merged.at(-1) ?? ''
    if (final || (last && (ENDED.test(last) || CJK_END.test(last)) && !ABBREVIATION.test(last))) complete = merged.length
    const out: string[] = []
    for (const sentence of merged.slice(0, complete)) this.emit(sentence, out)
    this.pending = merged.slice(complete).join('')
    // A long unfinished sentence: speak up to its last clause boundary now.
    if (!final && this.pending.length > this.options.maxChars) {
      const cut = lastClause(this.pending, this.options.maxChars)
      if (cut > 0) {
        this.emit(this.pending.slice(0, cut), out, true)
        this.pending = this.pending.slice(cut).trimStart()
      }
    }
    return out
  }

  private emit(sentence: string, out: string[], force = false) {
    const spoken = toSpeakable(sentence)
    if (!spoken) return
    const text = this.carry ? `${this.carry} ${spoken}` : spoken
    if (!force && words(text) < this.options.minWords && !isCjk(text)) {
      this.carry = text
      return
    }
    this.carry = ''
    for (const piece of splitLong(text, this.options.maxChars)) out.push(piece)
  }
}

function words(text: string): number {
  return text.split(/\s+/).filter(Boolean).length
}

function isCjk(text: string): boolean {
  return /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/.test(text)
}

function mergeAbbreviations(segments: string[]): string[] {
  const out: string[] = []
  for (const s of segments) {
    const prev = out.at(-1)
    if (prev !== undefined && ABBREVIATION.test(prev)) out[out.length - 1] = prev + s
    else out.push(s)
  }
  return out
}

/** "Well… I think so" stays one; "Wait… Then what?" is two. */
function splitEllipses(segments: string[]): string[] {
  return segments.flatMap((s) => s.split(/(?<=(?:…|\.\.\.)["'”’)]*\s+)(?=["'“‘(]?\p{Lu})/u))
}

function lastClause(text: string, max: number): number {
  let cut = -1
  for (const m of text.matchAll(CLAUSE)) if (m.index! < max) cut = m.index! + 1
  return cut
}

function splitLong(text: string, max: number): string[] {
  const out: string[] = []
  let rest = text
  while (rest.length > max) {
    const cut = lastClause(rest, max)
    if (cut <= 0) break
    out.push(rest.slice(0, cut).trim())
    rest = rest.slice(cut).trim()
  }
  if (rest) out.push(rest)
  return out
}
