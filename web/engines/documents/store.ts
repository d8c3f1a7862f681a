import { AppError } from '../../lib/errors.ts'
import { openDatabase } from '../../lib/idb-store.ts'
import type { Chunk, DocumentInfo } from './protocol.ts'

/** One stored document: what is listed, its chunks, and their vectors (row after row) where it was embedded. */
export interface StoredDocument {
  info: DocumentInfo
  chunks: Chunk[]
  vectors: Float32Array | null
  dims: number
}

const DB = 'parley-documents'
const STORE = 'documents'
/**
 * Documents are kept in their own IndexedDB database (not the app's small key–value one): they
 * are large, and unlike the conversation a failed write must be said, not swallowed — the user
 * would otherwise think a document kept that is not.
 */
const open = openDatabase(DB, (db) => db.createObjectStore(STORE, { keyPath: 'info.id' }))

async function run<T>(mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest<T>, what: string): Promise<T> {
  try {
    const tx = (await open()).transaction(STORE, mode)
    const req = action(tx.objectStore(STORE))
    return await new Promise<T>((resolve, reject) => {
      // Written means committed: a quota error can come at commit, after the request succeeded.
      tx.oncomplete = () => resolve(req.result)
      tx.onerror = () => reject(tx.error ?? req.error)
      tx.onabort = () => reject(tx.error ?? new Error('the write was aborted'))
    })
  } catch (err) {
    throw storageError(err, what)
  }
}

export function storageError(err: unknown, what: string): AppError {
  const name = (err as { name?: string })?.name
  if (name === 'QuotaExceededError') return new AppError('storage_full', `This browser has no room left to keep ${what}. Delete documents (or stored models) in Settings, then try again.`)
  const message = err instanceof Error ? err.message : String(err)
  return new AppError('storage_failed', `This browser could not keep ${what} (${message.slice(0, 160)}). Storage may be off in a private window.`)
}

export const documentStore = {
  all: () => run<StoredDocument[]>('readonly', (s) => s.getAll() as IDBRequest<StoredDocument[]>, 'your documents'),
  put: (doc: StoredDocument) => run('readwrite', (s) => s.put(doc), `“${doc.info.name}”`).then(() => undefined),
  get: (id: string) => run<StoredDocument | undefined>('readonly', (s) => s.get(id) as IDBRequest<StoredDocument | undefined>, 'the document'),
  delete: (id: string) => run('readwrite', (s) => s.delete(id), 'the change').then(() => undefined),
}

/** About what a stored document takes: its text (UTF-16 in IndexedDB) and its vectors. */
export function storedBytes(chunks: readonly Chunk[], vectors: Float32Array | null): number {
  return chunks.reduce((n, c) => n + 2 * (c.text.length + (c.heading?.length ?? 0)) + 64, 0) + (vectors?.byteLength ?? 0)
}
