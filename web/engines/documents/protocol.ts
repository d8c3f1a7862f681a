import type { WorkerErrorEvent } from '../../lib/worker-rpc.ts'
import type { LoadProgress } from '../asr/protocol.ts'

/** The formats Parley reads a document from. */
export type DocumentFormat = 'text' | 'markdown' | 'html' | 'pdf' | 'docx'

/** A stretch of a document under one heading (or on one page, for a PDF). */
export interface Section {
  /** The headings above it, outermost first ("Returns", "Refunds"). */
  headings: string[]
  /** 1-based, for a PDF. */
  page?: number
  /** Paragraphs, in order. */
  paragraphs: string[]
}

/** One indexed passage of a document, as stored and as cited. */
export interface Chunk {
  /** `<docId>#<n>` */
  id: string
  docId: string
  /** Its place in the document, from 0. */
  n: number
  text: string
  /** The heading path, joined: "Returns › Refunds". */
  heading?: string
  page?: number
}

/** A stored document, as listed. */
export interface DocumentInfo {
  id: string
  name: string
  format: DocumentFormat
  /** The file's size. */
  bytes: number
  /** Epoch ms. */
  addedAt: number
  chunks: number
  pages?: number
  /** The embedder its vectors came from ("device:Xenova/all-MiniLM-L6-v2", "relay:text-embedding-3-small"), or null: keyword search only. */
  embeddedWith: string | null
  /** What its stored text, chunks and vectors take (bytes, about). */
  storedBytes: number
}

/** How passages are embedded: on this device, by the relay's embeddings route, or not at all (keyword search only). */
export type EmbedderSpec =
  | { kind: 'device'; modelId: string; device: 'webgpu' | 'wasm'; dtype: string; allowRemote: boolean }
  | { kind: 'relay'; model: string; token?: string }
  | { kind: 'none'; reason: string }

/** A passage found for a query, with where it came from. */
export interface Passage extends Chunk {
  /** The document's name. */
  source: string
  /** Fused score (reciprocal-rank fusion of the keyword and vector ranks). */
  score: number
  /** Its rank in each list, from 1, where it was in it. */
  keywordRank?: number
  vectorRank?: number
}

/** Main thread → documents worker. */
export type DocumentsRequest =
  /** Opens the stored index and sets the embedder (the model loads on first use). */
  | { type: 'load'; id: number; embedder: EmbedderSpec }
  /** A file's text, cut into chunks; nothing is stored yet. */
  | { type: 'parse'; id: number; docId: string; name: string; format: DocumentFormat; data: ArrayBuffer }
  /** Vectors for texts, from the embedder (one request per batch: searches wait for a batch, not a whole file). */
  | { type: 'embed'; id: number; texts: string[] }
  /** Stores a parsed (and perhaps embedded) document and adds it to the index. */
  | { type: 'store'; id: number; info: DocumentInfo; chunks: Chunk[]; vectors: Float32Array | null; dims: number }
  | { type: 'remove'; id: number; docId: string }
  /** The chunks of a stored document (to index it again with another embedder). */
  | { type: 'chunks'; id: number; docId: string }
  | { type: 'search'; id: number; query: string; k: number }

export interface SearchResult {
  passages: Passage[]
  /** Whether the vector path took part (an embedder is set and some document was embedded by it). */
  vector: boolean
  ms: number
}

/** Documents worker → main thread. */
export type DocumentsEvent =
  | { type: 'progress'; id: number; info: LoadProgress }
  | { type: 'ready'; id: number; documents: DocumentInfo[]; embedder: string | null }
  /** Another tab changed the stored documents: the list now. */
  | { type: 'documents'; documents: DocumentInfo[] }
  | { type: 'result'; id: number; parsed?: { chunks: Chunk[]; pages?: number }; vectors?: Float32Array; dims?: number; embedder?: string; documents?: DocumentInfo[]; chunks?: Chunk[]; search?: SearchResult; embedMs?: number }
  | WorkerErrorEvent
