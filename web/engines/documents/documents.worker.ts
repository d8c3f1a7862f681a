/// <reference lib="webworker" />
// Documents on the device: files read into chunks (pdf.js, htmlparser2, fflate for .docx), passages embedded (a
// sentence-embedding model through transformers.js, or the relay), kept in IndexedDB and searched
// by keyword and by vector. One request at a time: the main thread embeds a file a batch per
// request, so a search is answered between two batches, not after the whole file.
import { oneAtATime } from '../../lib/lazy-worker.ts'
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

/** The index made again from what is stored (read first, then swapped in whole: a search never sees half of it). */
async function reopen(embedderName: string) {
  const stored = await documentStore.all()
  keywords = new KeywordIndex()
  vectors = new VectorIndex(embedderName)
  chunks.clear()
  docs.clear()
  asked.clear()
  for (const doc of stored) index(doc)
}

/** Questions embedded lately: the model's own search for the words the turn searched already costs nothing. */
const asked = new Map<string, Float32Array>()
const ASKED = 64

/**
 * Other tabs of this app keep their own index over the same database: each says when it changed
 * the stored documents, and the others read them again (in turn with the requests).
 */
const tabs = new BroadcastChannel('parley-documents')
const inTurn = oneAtATime()
tabs.onmessage = () =>
  void inTurn(() => reopen(vectors.embedder)).then(
    () => {
      if (vectors.size) embedder?.warm()
      emit({ type: 'documents', documents: listed() })
    },
    () => {},
  )

serveRequests<DocumentsRequest>(self, (req) => inTurn(() => handle(req)))

async function handle(req: DocumentsRequest) {
  switch (req.type) {
    case 'load': {
      await embedder?.dispose()
      embedder = createEmbedder(req.embedder, (info) => emit({ type: 'progress', id: req.id, info }))
      await reopen(embedderId(req.embedder) ?? '')
      // Passages to search by meaning: the model loads now, not when the first question waits for it.
      if (vectors.size) embedder?.warm()
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
      tabs.postMessage('changed')
      if (docs.has(info.id)) unindex(info.id)
      index(doc)
      return emit({ type: 'result', id: req.id, documents: listed() })
    }
    case 'remove': {
      await documentStore.delete(req.docId)
      tabs.postMessage('changed')
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
      // The question is embedded only when some passage was embedded by the same embedder, and the
      // model is loaded (a turn does not wait seconds for it: the words answer meanwhile); when
      // embedding fails (the relay down or rate-limited) the words still answer.
      if (embedder && vectors.size && !embedder.ready) embedder.warm()
      const byMeaning = embedder?.ready && vectors.size ? await nearest(embedder, req.query) : null
      const byVector = byMeaning !== null
      const passages: Passage[] = fuseRanks([byWords, byMeaning ?? []], req.k).flatMap((f) => {
        const c = chunks.get(f.id)
        if (!c) return []
        return [{ ...c, source: docs.get(c.docId)?.name ?? '', score: f.score, ...(f.ranks[0] && { keywordRank: f.ranks[0] }), ...(f.ranks[1] && { vectorRank: f.ranks[1] }) }]
      })
      return emit({ type: 'result', id: req.id, search: { passages, vector: byVector, ms: performance.now() - started } })
    }
  }
}

/** The passages nearest the question by meaning, or null when the question could not be embedded. */
async function nearest(by: Embedder, query: string): Promise<string[] | null> {
  try {
    let vector = asked.get(query)
    if (!vector) {
      vector = (await by.embed([query])).vectors
      asked.set(query, vector)
      if (asked.size > ASKED) asked.delete(asked.keys().next().value!)
    }
    return vectors.query(vector, CANDIDATES, MIN_SIMILARITY)
  } catch (err) {
    console.warn('[documents] the question could not be embedded; searching by words only:', err)
    return null
  }
}

async function read(format: DocumentFormat, data: ArrayBuffer, name: string): Promise<{ sections: Section[]; pages?: number }> {
  if (format === 'pdf') return (await import('./parse-pdf.ts')).parsePdf(data, name)
  if (format === 'docx') return { sections: (await import('./parse-docx.ts')).parseDocx(data, name) }
  const text = new TextDecoder('utf-8').decode(data)
  if (/\u0000/.test(text.slice(0, 4096))) throw coded('document_unreadable', `“${name}” is not text (it looks like a binary file with a text file’s name).`)
  if (format === 'html') return { sections: parseHtml(text) }
  return { sections: format === 'markdown' ? parseMarkdown(text) : parseText(text) }
}
