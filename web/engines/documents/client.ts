import type { AppError } from '../../lib/errors.ts'
import { lazyWorker } from '../../lib/lazy-worker.ts'
import { WorkerRpc } from '../../lib/worker-rpc.ts'
import type { LoadProgress } from '../asr/protocol.ts'
import type { Chunk, DocumentFormat, DocumentInfo, DocumentsEvent, DocumentsRequest, EmbedderSpec, SearchResult } from './protocol.ts'

export interface DocumentsEngineOptions {
  embedder: EmbedderSpec
  /** The embedding model's download, file by file. */
  onProgress?(info: LoadProgress): void
  /** The stored documents were read (again, after a restart, or after another tab changed them). */
  onReady?(documents: DocumentInfo[]): void
  onCrash?(err: AppError): void
}

/** The documents worker, typed: started on first use, and again (reopening the stored index) after a crash. */
export function createDocumentsEngine(options: DocumentsEngineOptions) {
  const worker = lazyWorker<DocumentsRequest, DocumentsEvent>({
    spawn() {
      const rpc = new WorkerRpc<DocumentsRequest, DocumentsEvent>(new Worker(new URL('./documents.worker.ts', import.meta.url), { type: 'module', name: 'parley-documents' }), 'documents index')
      rpc.on('progress', (e) => options.onProgress?.(e.info))
      rpc.on('documents', (e) => options.onReady?.(e.documents))
      return rpc
    },
    async load(rpc) {
      const ready = await rpc.request({ type: 'load', embedder: options.embedder })
      options.onReady?.(ready.documents)
    },
    onCrash: options.onCrash,
  })
  const call = async <T>(pick: (rpc: WorkerRpc<DocumentsRequest, DocumentsEvent>) => Promise<T>) => pick(await worker.load())
  return {
    open: () => call(async () => {}),
    async parse(docId: string, name: string, format: DocumentFormat, data: ArrayBuffer): Promise<{ chunks: Chunk[]; pages?: number }> {
      return (await call((rpc) => rpc.request({ type: 'parse', docId, name, format, data }, [data]))).parsed!
    },
    async embed(texts: string[]): Promise<{ vectors: Float32Array; dims: number; embedder: string }> {
      const r = await call((rpc) => rpc.request({ type: 'embed', texts }))
      return { vectors: r.vectors!, dims: r.dims!, embedder: r.embedder! }
    },
    /** Another embedder (the placement changed): the index is opened again with it, on the same worker. */
    async reconfigure(embedder: EmbedderSpec): Promise<DocumentInfo[]> {
      options.embedder = embedder
      const ready = await call((rpc) => rpc.request({ type: 'load', embedder }))
      return ready.documents
    },
    async store(info: DocumentInfo, chunks: Chunk[], vectors: Float32Array | null, dims: number): Promise<DocumentInfo[]> {
      return (await call((rpc) => rpc.request({ type: 'store', info, chunks, vectors, dims }, vectors ? [vectors.buffer] : []))).documents!
    },
    async remove(docId: string): Promise<DocumentInfo[]> {
      return (await call((rpc) => rpc.request({ type: 'remove', docId }))).documents!
    },
    async chunks(docId: string): Promise<Chunk[]> {
      return (await call((rpc) => rpc.request({ type: 'chunks', docId }))).chunks!
    },
    async search(query: string, k: number): Promise<SearchResult> {
      return (await call((rpc) => rpc.request({ type: 'search', query, k }))).search!
    },
    dispose: () => worker.dispose(),
  }
}

export type DocumentsEngine = ReturnType<typeof createDocumentsEngine>
