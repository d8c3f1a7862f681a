/// <reference lib="webworker" />
// Documents on the device: files read into chunks (pdf.js, htmlparser2, fflate for .docx), passages embedded (a
// sentence-embedding model through transformers.js, or the relay), kept in IndexedDB and searched
// by keyword and by vector. One request at a time: the main thread embeds a file a batch per
// request, so a search is answered between two batches, not after the whole file.
import { serveRequests } from '../../lib/worker-rpc.ts'
import { chunkSections } from './chunk.ts'
import { createEmbedder, embedderId, type Embedder } from './embedder.ts'
import { fuseRanks } from './fuse.ts'
import { KeywordIndex } from './keyword-index.ts'
import { parseHtml } from './parse-html.ts'
import { parseMarkdown, parseText } from './parse-text.ts'
import type { Chunk, DocumentFormat, DocumentInfo, DocumentsEvent, DocumentsRequest, Passage, Section } from './protocol.ts'
import { documentStore, storedBytes, type StoredDocument } from './store.ts'
import { VectorIndex } from './vector-index.ts'

declare const self: DedicatedWorkerGlobalScope

const emit = (e: DocumentsEvent, transfer: Transferable[] = []) => self.postMessage(e, transfer)
const coded = (code: string, message: string) => Object.assign(new Error(message), { code })

/** How many passages each list offers the fusion: deep enough that one list's 10th can still win. */
const CANDIDATES = 30
/**
 * Below this cosine a passage is not about the question at all (sentence models put unrelated
 * texts at about 0–0.2): a turn gets no passages rather than the least bad ones.
 */
const MIN_SIMILARITY = 0.25

let embedder: Embedder | null = null
let keywords = new KeywordIndex()
let vectors = new VectorIndex('')
const chunks = new Map<string, Chunk>()
const docs = new Map<string, DocumentInfo>()

function index(doc: StoredDocument) {
  docs.set(doc.info.id, doc.info)
  for (const c of doc.chunks) chunks.set(c.id, c)
  keywords.add(doc.chunks, doc.info.name)
  if (doc.vectors && doc.info.embeddedWith === vectors.embedder) vectors.add(doc.chunks.map((c) => c.id), doc.vectors, doc.dims)
}

function unindex(docId: string) {
  const ids = [...chunks.values()].filter((c) => c.docId === docId).map((c) => c.id)
  keywords.remove(ids)
  vectors.remove(ids)
  for (const id of ids) chunks.delete(id)
  docs.delete(docId)
}

const listed = () => [...docs.values()].sort((a, b) => a.addedAt - b.addedAt)

serveRequests<DocumentsRequest>(self, async (req) => {
  switch (req.type) {
    case 'load': {
      await embedder?.dispose()
      embedder = createEmbedder(req.embedder, (info) => emit({ type: 'progress', id: req.id, info }))
      keywords = new KeywordIndex()
      vectors = new VectorIndex(embedderId(req.embedder) ?? '')
      chunks.clear()
      docs.clear()
      for (const doc of await documentStore.all()) index(doc)
      return emit({ type: 'ready', id: req.id, documents: listed(), embedder: embedder?.id ?? null })
    }
    case 'parse': {
      const { sections, pages } = await read(req.format, req.data, req.name)
      const parsed = chunkSections(req.docId, sections)
      if (!parsed.length) throw coded('document_empty', `“${req.name}” has no text Parley can read${req.format === 'pdf' ? ' (a scanned PDF is pictures of text: it needs OCR first)' : ''}.`)
      return emit({ type: 'result', id: req.id, parsed: { chunks: parsed, ...(pages && { pages }) } })
    }
    case 'embed': {
      if (!embedder) throw coded('documents_no_embedder', 'No embedding model is set: documents are searched by their words only.')
      const started = performance.now()
      const out = await embedder.embed(req.texts)
      return emit({ type: 'result', id: req.id, vectors: out.vectors, dims: out.dims, embedder: embedder.id, embedMs: performance.now() - started }, [out.vectors.buffer])
    }
    case 'store': {
      const info = { ...req.info, storedBytes: storedBytes(req.chunks, req.vectors) }
      const doc: StoredDocument = { info, chunks: req.chunks, vectors: req.vectors, dims: req.dims }
      await documentStore.put(doc)
      if (docs.has(info.id)) unindex(info.id)
      index(doc)
      return emit({ type: 'result', id: req.id, documents: listed() })
    }
    case 'remove': {
      await documentStore.delete(req.docId)
      unindex(req.docId)
      return emit({ type: 'result', id: req.id, documents: listed() })
    }
    case 'chunks': {
      const doc = await documentStore.get(req.docId)
      if (!doc) throw coded('document_missing', 'That document is no longer kept in this browser.')
      return emit({ type: 'result', id: req.id, chunks: doc.chunks })
    }
    case 'search': {
      const started = performance.now()
      const byWords = keywords.query(req.query, CANDIDATES)
      // The question is embedded only when some passage was embedded by the same embedder.
      const byVector = Boolean(embedder && vectors.size)
      const byMeaning = byVector ? vectors.query((await embedder!.embed([req.query])).vectors, CANDIDATES, MIN_SIMILARITY) : []
      const passages: Passage[] = fuseRanks([byWords, byMeaning], req.k).flatMap((f) => {
        const c = chunks.get(f.id)
        if (!c) return []
        return [{ ...c, source: docs.get(c.docId)?.name ?? '', score: f.score, ...(f.ranks[0] && { keywordRank: f.ranks[0] }), ...(f.ranks[1] && { vectorRank: f.ranks[1] }) }]
      })
      return emit({ type: 'result', id: req.id, search: { passages, vector: byVector, ms: performance.now() - started } })
    }
  }
})

async function read(format: DocumentFormat, data: ArrayBuffer, name: string): Promise<{ sections: Section[]; pages?: number }> {
  if (format === 'pdf') return (await import('./parse-pdf.ts')).parsePdf(data, name)
  if (format === 'docx') return { sections: (await import('./parse-docx.ts')).parseDocx(data, name) }
  const text = new TextDecoder('utf-8').decode(data)
  if (/\u0000/.test(text.slice(0, 4096))) throw coded('document_unreadable', `“${name}” is not text (it looks like a binary file with a text file’s name).`)
  if (format === 'html') return { sections: parseHtml(text) }
  return { sections: format === 'markdown' ? parseMarkdown(text) : parseText(text) }
}
