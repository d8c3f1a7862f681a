/**
 * What this browser keeps for Parley in Cache Storage, by model: transformers.js's copies of the
 * models it loaded ("transformers-cache", keyed by the files' URLs, this server's or the hub's),
 * and the service worker's (voices; the app's own files for offline use).
 */
export interface StoredItem {
  /** A model id ("onnx-community/whisper-base"), or "app" for the app's own files. */
  id: string
  bytes: number
  files: number
}

const MODEL_CACHE = 'transformers-cache'
const RUNTIME_CACHE = 'parley-runtime'

/** The model a cached file belongs to, from its URL: /models/<id>/… or the hub's /<id>/resolve/<rev>/…. */
export function modelOf(url: string): string | null {
  const { pathname, hostname } = new URL(url, 'http://x')
  const local = /^\/models\/(.+?)\/(?:onnx\/|voices\/)?[^/]+$/.exec(pathname)
  if (local && !pathname.endsWith('/index.json')) {
    const parts = local[1]!.split('/')
    return parts.slice(0, parts.length >= 2 ? 2 : 1).join('/')
  }
  const hub = /^\/([^/]+\/[^/]+)\/resolve\//.exec(pathname)
  return hub && /huggingface\.co$|hf\.co$/.test(hostname) ? hub[1]! : null
}

async function sizeOf(res: Response | undefined): Promise<number> {
  if (!res) return 0
  const told = Number(res.headers.get('content-length'))
  return told > 0 ? told : (await res.blob()).size
}

export async function listStored(): Promise<StoredItem[]> {
  if (typeof caches === 'undefined') return []
  const items = new Map<string, StoredItem>()
  const add = (id: string, bytes: number) => {
    const item = items.get(id) ?? { id, bytes: 0, files: 0 }
    item.bytes += bytes
    item.files++
    items.set(id, item)
  }
  for (const name of await caches.keys()) {
    const ours = name === MODEL_CACHE || name === RUNTIME_CACHE || name.startsWith('workbox-precache')
    if (!ours) continue
    const cache = await caches.open(name)
    for (const req of await cache.keys()) add(modelOf(req.url) ?? 'app', await sizeOf(await cache.match(req)))
  }
  return [...items.values()].sort((a, b) => (a.id === 'app' ? 1 : b.id === 'app' ? -1 : b.bytes - a.bytes))
}

/** Deletes a model's files from every cache (the app's own files stay: offline use needs them). */
export async function deleteStored(id: string): Promise<void> {
  for (const name of [MODEL_CACHE, RUNTIME_CACHE]) {
    if (!(await caches.has(name))) continue
    const cache = await caches.open(name)
    for (const req of await cache.keys()) if (modelOf(req.url) === id) await cache.delete(req)
  }
}

export interface StorageState {
  usage?: number
  quota?: number
  /** The browser promised not to evict it under storage pressure. */
  persisted: boolean
}

export async function storageState(): Promise<StorageState> {
  const s = typeof navigator !== 'undefined' ? navigator.storage : undefined
  if (!s) return { persisted: false }
  const [estimate, persisted] = await Promise.all([s.estimate().catch(() => ({}) as StorageEstimate), s.persisted?.().catch(() => false) ?? false])
  return { usage: estimate.usage, quota: estimate.quota, persisted }
}

/** Asks the browser to keep Parley's data under storage pressure (it may say no, or ask the user). */
export async function persistStorage(): Promise<boolean> {
  return (await navigator.storage?.persist?.().catch(() => false)) ?? false
}
