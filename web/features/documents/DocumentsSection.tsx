import { useRef, useState, type DragEvent } from 'react'
import { embedderId } from '../../engines/documents/embedder.ts'
import type { DocumentInfo } from '../../engines/documents/protocol.ts'
import type { DocumentJob, DocumentsState } from '../../session/documents.ts'
import type { Settings } from '../../session/settings.ts'

interface Props {
  state: DocumentsState
  settings: Pick<Settings, 'documentSearch' | 'embeddingModel'>
  onChange(patch: Partial<Settings>): void
  /** The sentence-embedding models Parley knows (models/manifest.json). */
  embeddingModels: readonly { id: string; name: string }[]
  /** What the file picker accepts. */
  accept: string
  onAdd(files: File[]): void
  onRemove(docId: string): void
  onReindex(docId: string): void
  onDismiss(jobId: string): void
}

const size = (bytes: number) => (bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(0)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`)

const STAGE: Record<DocumentJob['stage'], string> = { waiting: 'waiting', reading: 'reading…', embedding: 'embedding', saving: 'saving…', failed: 'not added', kept: 'added' }

/** Settings → Documents: add files (drop or pick), see them indexed, delete them, and choose how they are searched. */
export function DocumentsSection({ state, settings, onChange, embeddingModels, accept, onAdd, onRemove, onReindex, onDismiss }: Props) {
  const input = useRef<HTMLInputElement>(null)
  const [over, setOver] = useState(false)
  const { documents, search, progress } = state
  // A file added as asked is in the list below; its progress row goes. Refusals and warnings stay until dismissed.
  const jobs = state.jobs.filter((j) => j.stage !== 'kept' || j.warning)
  const stored = documents.reduce((n, d) => n + d.storedBytes, 0)
  const drop = (e: DragEvent) => {
    e.preventDefault()
    setOver(false)
    const files = [...e.dataTransfer.files]
    if (files.length) onAdd(files)
  }
  const searchedByWords = (d: DocumentInfo) => search && search.spec.kind !== 'none' && d.embeddedWith !== embedderId(search.spec)
  return (
    <fieldset className="field field--group" data-testid="settings-documents">
      <legend className="field__label">Documents</legend>
      <p className="field__help group__about">
        Files the assistant answers from, citing them. They are kept in this browser until you delete them.{' '}
        {search?.leavesDevice
          ? 'To search them by meaning, their passages and your questions go to the relay’s embeddings service.'
          : 'They are read, indexed and searched on this device; only the few passages found for a question go with it to the language model.'}
      </p>
      <div
        className={`dropzone${over ? ' dropzone--over' : ''}`}
        data-testid="documents-drop"
        onDragOver={(e) => {
          e.preventDefault()
          setOver(true)
        }}
        onDragLeave={() => setOver(false)}
        onDrop={drop}
      >
        <span>Drop .txt, .md, .html, .pdf or .docx files here, or</span>
        <button type="button" className="ghost-button" onClick={() => input.current?.click()}>
          Choose files
        </button>
        <input
          ref={input}
          type="file"
          multiple
          accept={accept}
          hidden
          data-testid="documents-input"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])]
            e.target.value = ''
            if (files.length) onAdd(files)
          }}
        />
      </div>
      {jobs.length > 0 && (
        <ul className="documents documents--jobs" data-testid="document-jobs">
          {jobs.map((j) => (
            <li key={j.id} className={`document document--${j.stage}`} data-testid="document-job" data-stage={j.stage}>
              <span className="document__name">{j.name}</span>
              <span className="document__meta">
                {size(j.bytes)} · {STAGE[j.stage]}
                {j.stage === 'embedding' && j.total > 0 && ` ${j.done} of ${j.total} passages`}
              </span>
              {j.stage === 'embedding' && <progress max={j.total || 1} value={j.done} aria-label={`Embedding ${j.name}`} />}
              {j.error ? <span className="document__error" role="alert">{j.error instanceof Error ? j.error.message : String(j.error)}</span> : null}
              {j.warning && <span className="document__warning">{j.warning}</span>}
              {(j.stage === 'failed' || j.stage === 'kept') && (
                <button type="button" className="link-button" onClick={() => onDismiss(j.id)} aria-label={`Dismiss ${j.name}`}>
                  OK
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {documents.length > 0 ? (
        <ul className="documents" data-testid="documents">
          {documents.map((d) => (
            <li key={d.id} className="document" data-testid="document">
              <span className="document__name">{d.name}</span>
              <span className="document__meta">
                {size(d.bytes)} · {d.chunks} passage{d.chunks === 1 ? '' : 's'}
                {d.pages ? ` · ${d.pages} page${d.pages === 1 ? '' : 's'}` : ''}
                {searchedByWords(d) ? ' · searched by words only' : ''}
              </span>
              <span className="document__actions">
                {searchedByWords(d) && (
                  <button type="button" className="link-button" onClick={() => onReindex(d.id)}>
                    Index again
                  </button>
                )}
                <button type="button" className="link-button" aria-label={`Delete ${d.name}`} onClick={() => onRemove(d.id)}>
                  Delete
                </button>
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="field__help" data-testid="documents-empty">
          No documents yet.
        </p>
      )}
      {documents.length > 0 && <p className="field__help">{size(stored)} kept in this browser for {documents.length} document{documents.length === 1 ? '' : 's'}.</p>}
      <label className="field">
        <span className="field__help">Search by meaning</span>
        <select value={settings.documentSearch} data-testid="document-search" onChange={(e) => onChange({ documentSearch: e.target.value as Settings['documentSearch'] })}>
          <option value="auto">Automatic — an embedding model on this device when there is one</option>
          <option value="on-device">On this device only (never sent to be embedded)</option>
          <option value="relay">Through the relay’s embeddings service</option>
          <option value="keywords">Words only (no embedding model)</option>
        </select>
      </label>
      {settings.documentSearch !== 'keywords' && settings.documentSearch !== 'relay' && (
        <label className="field">
          <span className="field__help">Embedding model</span>
          <select value={settings.embeddingModel} data-testid="embedding-model" onChange={(e) => onChange({ embeddingModel: e.target.value })}>
            {embeddingModels.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
            {!embeddingModels.some((m) => m.id === settings.embeddingModel) && <option value={settings.embeddingModel}>{settings.embeddingModel}</option>}
          </select>
        </label>
      )}
      {search && (
        <p className="field__help" data-testid="document-search-placement">
          {search.label} — {search.reason}
        </p>
      )}
      {progress && progress.status === 'progress' && (
        <ul className="model-progress" aria-label="Embedding model download">
          <li>
            <span className="model-progress__file">{progress.file}</span>
            <progress max={100} value={progress.progress ?? 0} />
            <span className="model-progress__size">{progress.total ? `${size(progress.loaded ?? 0)} of ${size(progress.total)}` : ''}</span>
          </li>
        </ul>
      )}
      {state.error ? <p className="document__error" role="alert">{state.error instanceof Error ? state.error.message : String(state.error)}</p> : null}
    </fieldset>
  )
}
