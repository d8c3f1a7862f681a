import type { Passage } from '../../engines/documents/protocol.ts'
import type { MessageSource } from '../conversation-state.ts'
import { brief, refused, schema, type Tool } from './tool.ts'

export interface DocumentSearch {
  search(query: string, k: number): Promise<{ passages: Passage[]; ms: number; vector: boolean } | null>
  /** Numbers the passages for this answer (and shows them as its sources). */
  cite(passages: readonly Passage[], ms: number, vector: boolean): MessageSource[]
}

/** `search_documents`: the model looks in the user's documents itself, for what the passages it was given do not cover. */
export function documentTool(documents: DocumentSearch): Tool {
  return {
    definition: {
      name: 'search_documents',
      description: "Search the documents the user added (their files, kept in their browser) for passages about a query. Use it when the question is about their documents and the passages you were given do not answer it. Cite what you use by the passage's number, like [3].",
      parameters: schema({ query: { type: 'string', description: 'What to look for: key words, names, numbers.' } }, ['query']),
    },
    async run({ query }) {
      if (typeof query !== 'string' || !query.trim()) return refused('searched documents: ?', 'query must be a non-empty string')
      const found = await documents.search(query, 5)
      if (!found?.passages.length) return { result: { passages: [], note: 'nothing in the documents matches' }, chip: `searched documents: nothing on “${brief(query, 30)}”`, ok: true }
      const sources = documents.cite(found.passages, found.ms, found.vector)
      return {
        result: { passages: sources.map((s) => ({ n: s.n, source: s.label, text: s.text })) },
        chip: `searched documents: ${sources.length} passage${sources.length === 1 ? '' : 's'}`,
        ok: true,
      }
    },
  }
}
