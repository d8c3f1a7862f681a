import MiniSearch from 'minisearch'
import type { Chunk } from './protocol.ts'

/** Words too common to tell passages apart (BM25's idf weighs them little; left out, a question's few real words decide). */
const STOP = new Set(
  'a an and are as at be but by can could did do does for from had has have how i if in into is it its me my of on or our so that the their them then there these they this to was we were what when where which who why will with would you your'.split(' '),
)

/**
 * Keyword search over the chunks (MiniSearch's BM25+): exact names, numbers and codes that a
 * sentence embedding blurs. A heading's and a file name's words count too, a heading's a little more.
 */
export class KeywordIndex {
  private readonly search = new MiniSearch<Chunk & { source: string }>({
    fields: ['text', 'heading', 'source'],
    storeFields: [],
    processTerm: (term) => {
      const t = term.toLowerCase()
      return STOP.has(t) ? null : t
    },
    searchOptions: { boost: { heading: 1.5, source: 0.5 }, prefix: (term) => term.length > 4, fuzzy: (term) => (term.length > 5 ? 0.15 : false), combineWith: 'OR' },
  })

  add(chunks: readonly Chunk[], source: string) {
    this.search.addAll(chunks.map((c) => ({ ...c, source })))
  }

  remove(ids: readonly string[]) {
    this.search.discardAll(ids.filter((id) => this.search.has(id)))
  }

  /** Chunk ids, best first. */
  query(text: string, k: number): string[] {
    return this.search
      .search(text)
      .slice(0, k)
      .map((r) => r.id as string)
  }

  get size() {
    return this.search.documentCount
  }
}
