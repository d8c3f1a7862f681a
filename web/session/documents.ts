import type { LoadProgress } from '../engines/asr/protocol.ts'
import { createDocumentsEngine, type DocumentsEngine } from '../engines/documents/client.ts'
import { documentFormat } from '../engines/documents/formats.ts'
import type { Chunk, DocumentInfo, EmbedderSpec, SearchResult } from '../engines/documents/protocol.ts'
import { AppError } from '../lib/errors.ts'
import { oneAtATime } from '../lib/lazy-worker.ts'
import type { DocumentSearchPlacement } from './document-search.ts'

/** A file being added (or indexed again), as the Documents panel shows it. */
export interface DocumentJob {
  id: string
  name: string
  bytes: number
  stage: 'waiting' | 'reading' | 'embedding' | 'saving' | 'failed' | 'kept'
  /** Passages embedded so far, of `total`. */
  done: number
  total: number
  error?: unknown
  /** Kept, but not as asked: "searched by its words only: …". */
  warning?: string
}

export interface DocumentsState {
  documents: readonly DocumentInfo[]
  jobs: readonly DocumentJob[]
  /** How passages are embedded, and why. */
  search: DocumentSearchPlacement | null
  /** The embedding model's download, while it loads. */
  progress: LoadProgress | null
  /** The stored documents could not be read (storage denied, a crashed worker). */
  error: unknown
}

/**
 * Passages per request to the embedder: on the device a search waits for at most one batch; through
 * the relay, fewer and larger requests stay under its rate limit (it takes 256 texts, 1 MiB).
 */
const BATCH = { device: 16, relay: 64 }
/** How many passages a turn is given. */
export const TURN_PASSAGES = 4


/**
 * The user's documents, kept in this browser: added (read, cut into passages, embedded, stored)
 * one file at a time with progress, deleted, indexed again; and searched for each turn. The work
 * is the documents worker's; this keeps the panel's state and the order of things.
 */
export class Documents {
  private engine: DocumentsEngine | null = null
  private placement: DocumentSearchPlacement | null = null
  private list: readonly DocumentInfo[] = []
  private jobs: DocumentJob[] = []
  private progress: LoadProgress | null = null
  private error: unknown = null
  private snapshot: DocumentsState | null = null
  private readonly queue = oneAtATime()
  private jobId = 0

  constructor(
    private readonly changed: () => void,
    /** The documents worker's client (tests give a scripted one). */
    private readonly createEngine: typeof createDocumentsEngine = createDocumentsEngine,
  ) {}

  get state(): DocumentsState {
    return (this.snapshot ??= { documents: this.list, jobs: this.jobs, search: this.placement, progress: this.progress, error: this.error })
  }

  get count() {
    return this.list.length
  }

  /** How passages are embedded now (the placement was decided again). The worker starts with the first one. */
  configure(placement: DocumentSearchPlacement) {
    const same = this.placement && sameSpec(this.placement.spec, placement.spec)
    // The session decides placements on every change of what it knows: only a different one is news.
    const news = !same || this.placement!.label !== placement.label || this.placement!.reason !== placement.reason
    this.placement = placement
    if (!this.engine) {
      this.engine = this.createEngine({
        embedder: placement.spec,
        onProgress: (info) => this.update(() => (this.progress = info.status === 'ready' || info.status === 'done' ? null : info)),
        onReady: (documents) => this.update(() => ((this.list = documents), (this.error = null))),
        onCrash: (err) => this.update(() => (this.error = err)),
      })
      this.engine.open().catch((err: unknown) => this.update(() => (this.error = err)))
    } else if (!same) {
      // Not queued behind a file being added: the worker takes it between two batches, so the next
      // search, and the file's next batch, already use the new choice — a switch away from the relay
      // sends nothing more to it (the file's batches disagree and it is kept for its words only).
      this.engine.reconfigure(placement.spec).then(
        (documents) => this.update(() => (this.list = documents)),
        (err: unknown) => this.update(() => (this.error = err)),
      )
    }
    if (news) this.update(() => {})
  }

  /** Adds files: each is checked at once (format, size), then read and indexed in turn. */
  add(files: readonly File[]) {
    for (const file of files) {
      const job: DocumentJob = { id: `j${++this.jobId}`, name: file.name, bytes: file.size, stage: 'waiting', done: 0, total: 0 }
      this.update(() => (this.jobs = [...this.jobs, job]))
      try {
        const format = documentFormat(file)
        const docId = `d${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
        void this.queue(() => this.index(job, async () => {
          this.step(job, { stage: 'reading' })
          const parsed = await this.need().parse(docId, file.name, format, await file.arrayBuffer())
          return { info: { id: docId, name: file.name, format, bytes: file.size, addedAt: Date.now(), chunks: parsed.chunks.length, ...(parsed.pages && { pages: parsed.pages }), embeddedWith: null, storedBytes: 0 }, chunks: parsed.chunks }
        }))
      } catch (err) {
        this.step(job, { stage: 'failed', error: err })
      }
    }
  }

  /** Embeds a kept document again with the embedder set now (after the model or the choice changed). */
  reindex(docId: string) {
    const info = this.list.find((d) => d.id === docId)
    if (!info) return
    const job: DocumentJob = { id: `j${++this.jobId}`, name: info.name, bytes: info.bytes, stage: 'waiting', done: 0, total: 0 }
    this.update(() => (this.jobs = [...this.jobs, job]))
    void this.queue(() => this.index(job, async () => ({ info, chunks: await this.need().chunks(docId) })))
  }

  /** Deletes a kept document; a failure (storage denied) is shown, not thrown at the button. */
  async remove(docId: string) {
    try {
      const documents = await this.queue(() => this.need().remove(docId))
      this.update(() => (this.list = documents))
    } catch (err) {
      this.update(() => (this.error = err))
    }
  }

  /** Clears a finished or failed job from the panel. */
  dismiss(jobId: string) {
    this.update(() => (this.jobs = this.jobs.filter((j) => j.id !== jobId)))
  }

  /**
   * The passages nearest a question. Not queued behind a file being added: the worker answers it
   * between two batches. Null when there are no documents, or the search took longer than `waitMs`.
   */
  async search(query: string, k = TURN_PASSAGES, waitMs = 1500): Promise<SearchResult | null> {
    if (!this.engine || !this.list.length || !query.trim()) return null
    let timer: ReturnType<typeof setTimeout> | undefined
    const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), waitMs)))
    try {
      return await Promise.race([this.engine.search(query, k), late])
    } catch (err) {
      console.warn('[documents] search failed:', err)
      return null
    } finally {
      clearTimeout(timer)
    }
  }

  dispose() {
    this.engine?.dispose()
    this.engine = null
  }

  private need(): DocumentsEngine {
    if (!this.engine) throw new AppError('documents_not_ready', 'The documents index is not open yet.')
    return this.engine
  }

  /** Reads (or fetches) a document's chunks, embeds them a batch at a time, and stores it. */
  private async index(job: DocumentJob, read: () => Promise<{ info: DocumentInfo; chunks: Chunk[] }>) {
    try {
      const { info, chunks } = await read()
      const spec = this.placement?.spec
      let warning: string | undefined
      let embedded: { vectors: Float32Array; dims: number; by: string } | null = null
      if (spec && spec.kind !== 'none') {
        try {
          embedded = await this.embedAll(job, chunks, BATCH[spec.kind])
        } catch (err) {
          // Kept anyway: its words are still searched, and "index again" can add the meaning later.
          warning = `kept, but searched by its words only: ${err instanceof Error ? err.message : String(err)}`
        }
      }
      this.step(job, { stage: 'saving' })
      const documents = await this.need().store({ ...info, embeddedWith: embedded?.by ?? null }, chunks, embedded?.vectors ?? null, embedded?.dims ?? 0)
      this.update(() => (this.list = documents))
      this.step(job, { stage: 'kept', ...(warning && { warning }) })
    } catch (err) {
      this.step(job, { stage: 'failed', error: err })
    }
  }

  private async embedAll(job: DocumentJob, chunks: readonly Chunk[], batch: number) {
    this.step(job, { stage: 'embedding', done: 0, total: chunks.length })
    const rows: Float32Array[] = []
    let dims = 0
    let by = ''
    for (let i = 0; i < chunks.length; i += batch) {
      // Each passage is embedded with its heading: "Refunds: …" places it better than the bare text.
      const out = await this.need().embed(chunks.slice(i, i + batch).map((c) => (c.heading ? `${c.heading}\n${c.text}` : c.text)))
      if (by && out.embedder !== by) throw new AppError('documents_embedder_changed', 'the embedding model changed while it was being indexed; index it again')
      // A relay's provider may answer one batch in another size: rows of two sizes cannot share an index.
      if (dims && out.dims !== dims) throw new AppError('upstream_bad_response', `the embedder answered with vectors of ${out.dims} numbers after ${dims}; index it again`)
      by = out.embedder
      dims = out.dims
      rows.push(out.vectors)
      this.step(job, { done: Math.min(chunks.length, i + batch) })
    }
    const vectors = new Float32Array(chunks.length * dims)
    let at = 0
    for (const r of rows) (vectors.set(r, at), (at += r.length))
    return { vectors, dims, by }
  }

  private step(job: DocumentJob, patch: Partial<DocumentJob>) {
    Object.assign(job, patch)
    this.update(() => (this.jobs = this.jobs.map((j) => (j.id === job.id ? { ...job } : j))))
  }

  private update(change: () => void) {
    change()
    this.snapshot = null
    this.changed()
  }
}

const sameSpec = (a: EmbedderSpec, b: EmbedderSpec) => JSON.stringify(a) === JSON.stringify(b)
