/**
 * The network ledger's words, shared by the service worker (which sees every request of the page
 * and its workers) and the page (which shows them): one entry per request.
 */
export interface LedgerEntry {
  /** When it was made (ms since the epoch). */
  at: number
  method: string
  origin: string
  /** The path, never the query (a token or a question could be in it). */
  path: string
  /** Which part of Parley made it. */
  stage: string
  /** 'network': it left the device; 'stored': answered from this browser's storage; 'blocked': refused by the private session. */
  status: 'network' | 'stored' | 'blocked'
  httpStatus: number
  /** The response's size where it says (Content-Length), else 0. */
  bytes: number
  /** Made by a private session's page or workers. */
  private: boolean
  /** The worker could not tell which tab made it (it is shown to all of them). */
  unattributed?: boolean
}

/** The stage a request is from: the worker that made it, else what the path is for. */
export function ledgerStage(url: URL, client: string): string {
  const worker = /\/(\w+)\.worker[-.]/.exec(client)?.[1]
  if (worker) return { llm: 'answer', asr: 'speech recognition', vad: 'speech detection', kokoro: 'voice', espeak: 'voice', avatar: 'face', documents: 'documents', recorder: 'recording' }[worker] ?? worker
  const p = url.pathname
  if (p.startsWith('/api/v1/chat/')) return 'answer'
  if (p.startsWith('/api/v1/audio/speech')) return 'voice'
  if (p.startsWith('/api/v1/audio/transcriptions')) return 'speech recognition'
  if (p.startsWith('/api/v1/embeddings')) return 'documents'
  if (p.startsWith('/api/v1/tools')) return 'tools'
  if (p.startsWith('/api/v1/avatar')) return 'face'
  if (p.startsWith('/api/')) return 'relay'
  if (p.startsWith('/models/')) return 'models'
  if (p.startsWith('/avatars/')) return 'face'
  return 'app'
}

/**
 * A private session's Content-Security-Policy. connect-src lists only this app's own files —
 * its built assets, the vendored VAD model, the avatars and the models (on the relay's origin
 * when that is another one) — by path, so the browser refuses the relay's `/api/`, WebSockets
 * and every other site before any request is made.
 */
export function privatePolicy(origin: string, modelsOrigin: string): string {
  const own = ['/assets/', '/vendor/', '/avatars/', '/models/'].map((p) => `${origin}${p}`)
  const models = modelsOrigin === origin ? [] : [`${modelsOrigin}/models/`]
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self' blob:",
    `connect-src ${[...own, ...models].join(' ')}`,
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "style-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/** What a list of entries comes to: requests that left the device, and their bytes. */
export function ledgerSummary(entries: readonly LedgerEntry[]) {
  const left = entries.filter((e) => e.status === 'network')
  return { left: left.length, bytes: left.reduce((a, e) => a + e.bytes, 0), stored: entries.filter((e) => e.status === 'stored').length, blocked: entries.filter((e) => e.status === 'blocked').length }
}
