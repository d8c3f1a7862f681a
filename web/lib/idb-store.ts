/**
 * A tiny key–value store on IndexedDB (one database, one object store): enough to keep the
 * conversation across reloads on this device. Every call fails soft — storage can be denied
 * (private windows, quotas) and the app must work without it.
 */
const DB = 'parley'
const STORE = 'kv'
const OPEN_MS = 5000

/**
 * Opens (creating on first use) a database of one version; a failed open is retried next time
 * rather than remembered, and one that never answers fails in 5 s instead of hanging.
 */
export function openDatabase(name: string, upgrade: (db: IDBDatabase) => void): () => Promise<IDBDatabase> {
  let db: Promise<IDBDatabase> | undefined
  return () => {
    db ??= new Promise((resolve, reject) => {
      const req = indexedDB.open(name, 1)
      req.onupgradeneeded = () => upgrade(req.result)
      req.onsuccess = () => resolve(req.result)
      req.onerror = () => reject(req.error)
      // Another tab holding an old version open, or a storage that never answers: fail soft, not hang.
      req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'))
      setTimeout(() => reject(new Error(`IndexedDB did not open within ${OPEN_MS / 1000} s`)), OPEN_MS)
    })
    db.catch(() => (db = undefined))
    return db
  }
}

const open = openDatabase(DB, (db) => db.createObjectStore(STORE))

async function run<T>(mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest<T>): Promise<T | undefined> {
  try {
    const store = (await open()).transaction(STORE, mode).objectStore(STORE)
    return await new Promise<T>((resolve, reject) => {
      const req = action(store)
      req.onsuccess = () => resolve(req.result)
      req.onerror = () => reject(req.error)
    })
  } catch {
    return undefined
  }
}

export const idbStore = {
  get: <T>(key: string) => run<T>('readonly', (s) => s.get(key) as IDBRequest<T>),
  set: (key: string, value: unknown) => run('readwrite', (s) => s.put(value, key)).then(() => undefined),
  delete: (key: string) => run('readwrite', (s) => s.delete(key)).then(() => undefined),
}
