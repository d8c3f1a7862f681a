/// <reference lib="webworker" />
// Parley's service worker. Three jobs:
// 1. Offline after one visit: the app shell is precached (Workbox); what the app loads later —
//    WebAssembly, the VAD model, avatars, voices — is cached the first time it is fetched.
//    (transformers.js keeps the models it loads in its own Cache Storage, "transformers-cache".)
// 2. Private sessions (`/?private`): their page and their workers are served under a
//    Content-Security-Policy whose connect-src names only this app's own files, so the browser
//    itself refuses any request to the relay's API or any other origin; what is stored is used
//    without asking the network; and a request that gets here anyway is refused.
// 3. The network ledger: every request of the page and its workers is reported to the page
//    (origin, path, bytes, the stage that made it, and whether it left the device or was
//    answered from storage).
import { cleanupOutdatedCaches, PrecacheController } from 'workbox-precaching'
import { CacheFirst, NetworkFirst, NetworkOnly } from 'workbox-strategies'
import { ledgerStage, privatePolicy, type LedgerEntry } from './lib/network-ledger.ts'

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | { url: string; revision: string | null })[] }

const precache = new PrecacheController()
precache.addToCacheList(self.__WB_MANIFEST)
cleanupOutdatedCaches()

self.addEventListener('install', (event) => {
  event.waitUntil(precache.install(event).then(() => self.skipWaiting()))
})
self.addEventListener('activate', (event) => {
  event.waitUntil(precache.activate(event).then(() => self.clients.claim()))
})

const RUNTIME = 'parley-runtime'
type Plugin = { fetchDidSucceed(p: { response: Response }): Promise<Response> }
/**
 * How a request is answered. `stored`: built files carry their hash in their name, so once stored
 * they are right for good. `fresh`: pages and lists that change — the network when it answers
 * within 3 s, else the stored copy. `network`: never stored (the relay's API, other sites).
 * A strategy is made per request, with a plugin that notes whether the network was used.
 */
const STRATEGIES = {
  stored: (plugins: Plugin[]) => new CacheFirst({ cacheName: RUNTIME, plugins }),
  fresh: (plugins: Plugin[]) => new NetworkFirst({ cacheName: RUNTIME, networkTimeoutSeconds: 3, plugins }),
  network: (plugins: Plugin[]) => new NetworkOnly({ plugins }),
}
type Way = keyof typeof STRATEGIES
const stored: Way = 'stored'
const fresh: Way = 'fresh'
const network: Way = 'network'

/** Where the relay serves models, when it is not this origin (a static host). */
const MODELS_ORIGIN = (import.meta.env.VITE_PARLEY_RELAY_URL as string | undefined)?.replace(/\/+$/, '') || self.location.origin
const POLICY = privatePolicy(self.location.origin, MODELS_ORIGIN)

/** Clients (pages and their workers) of private sessions; a worker's owner page. */
const privateClients = new Set<string>()
const ownerOf = new Map<string, string>()

self.addEventListener('fetch', (event) => {
  const request = event.request
  const url = new URL(request.url)
  // Not ours to answer: the browser's own schemes, and range requests for media.
  if (!url.protocol.startsWith('http') || request.headers.has('range')) return
  event.respondWith(respond(event, request, url))
})

async function respond(event: FetchEvent, request: Request, url: URL): Promise<Response> {
  const isPrivate = await privateRequest(event, request, url)
  const started = Date.now()
  const entry = (status: LedgerEntry['status'], response: Response | null): LedgerEntry => ({
    at: started,
    method: request.method,
    origin: url.origin,
    path: url.pathname,
    stage: ledgerStage(url, clientUrl.get(event.clientId) ?? ''),
    status,
    httpStatus: response?.status ?? 0,
    bytes: Number(response?.headers.get('content-length') ?? 0) || 0,
    private: isPrivate,
  })
  if (isPrivate && !allowedInPrivate(url)) {
    // The page's policy forbids this already; a request that comes anyway is refused here too.
    void report(event, entry('blocked', null))
    return Response.json({ error: { code: 'private_session', message: 'A private session sends nothing to the relay or to other sites.' } }, { status: 403 })
  }
  const { response, fromNetwork } = await answer(event, request, url, isPrivate)
  void report(event, entry(fromNetwork ? 'network' : 'stored', response))
  return isPrivate && (request.mode === 'navigate' || request.destination === 'worker') ? withPolicy(response) : response
}

/** Answers from the precache, the runtime cache or the network, and says which. */
async function answer(event: FetchEvent, request: Request, url: URL, isPrivate: boolean): Promise<{ response: Response; fromNetwork: boolean }> {
  const sameOrigin = url.origin === self.location.origin
  const precached = sameOrigin && request.method === 'GET' ? precache.getCacheKeyForURL(request.mode === 'navigate' ? shellFor(url) : url.href) : undefined
  if (precached && (isPrivate || request.mode !== 'navigate')) {
    const hit = await caches.match(precached)
    if (hit) return { response: hit, fromNetwork: false }
  }
  if (request.method !== 'GET' || url.pathname.startsWith('/api/')) return run(network, event, request)
  if (request.mode === 'navigate') {
    try {
      return await run(fresh, event, request)
    } catch (err) {
      const shell = precached && (await caches.match(precached))
      if (shell) return { response: shell, fromNetwork: false }
      throw err
    }
  }
  if (url.origin === MODELS_ORIGIN && url.pathname.startsWith('/models/')) {
    // transformers.js stores the models it loads itself; what it does not (voices, the list of
    // models here) is stored by this worker. A private session uses the stored list without asking.
    if (url.pathname === '/models/index.json') return run(isPrivate ? stored : fresh, event, request)
    return run(/\/voices\/[^/]+\.bin$/.test(url.pathname) ? stored : network, event, request)
  }
  if (sameOrigin && /^\/(assets|vendor)\//.test(url.pathname)) return run(stored, event, request)
  if (sameOrigin && url.pathname.startsWith('/avatars/')) return run(isPrivate ? stored : fresh, event, request)
  return run(network, event, request)
}

/** Answers with a Workbox strategy and tells whether its answer came over the network. */
async function run(way: Way, event: FetchEvent, request: Request): Promise<{ response: Response; fromNetwork: boolean }> {
  let fromNetwork = false
  const strategy = STRATEGIES[way]([{ fetchDidSucceed: async ({ response }) => ((fromNetwork = true), response) }])
  const response = await strategy.handle({ event, request })
  return { response, fromNetwork }
}

/** The precached page for a navigation: index.html for the app, the lab's own pages as they are. */
const shellFor = (url: URL) => new URL(url.pathname.endsWith('.html') ? url.pathname : '/index.html', url).href

function allowedInPrivate(url: URL): boolean {
  if (url.origin === self.location.origin) return !url.pathname.startsWith('/api/')
  return url.origin === MODELS_ORIGIN && url.pathname.startsWith('/models/')
}

function withPolicy(response: Response): Response {
  const headers = new Headers(response.headers)
  headers.set('content-security-policy', POLICY)
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
}

/** The URL of each client seen (a worker's tells which stage it is). */
const clientUrl = new Map<string, string>()

/**
 * Whether a request belongs to a private session: the page was opened with `?private`, or the
 * request comes from such a page or from a worker one of them started. Never waits long on
 * `clients.get`: for a worker that is still fetching its own imports it would wait until the
 * worker runs, which waits for this answer.
 */
async function privateRequest(event: FetchEvent, request: Request, url: URL): Promise<boolean> {
  if (request.mode === 'navigate') {
    const on = url.searchParams.has('private')
    if (event.resultingClientId) {
      clientUrl.set(event.resultingClientId, url.href)
      if (on) privateClients.add(event.resultingClientId)
      else privateClients.delete(event.resultingClientId)
    }
    return on
  }
  const id = event.clientId
  if (id && !clientUrl.has(id)) await Promise.race([lookUp(id), new Promise((r) => setTimeout(r, 50))])
  // A client not known yet (a worker whose start was not seen) is held to the strictest open page.
  const on = clientUrl.has(id) ? privateClients.has(id) : await privateWindowOpen()
  if (request.destination === 'worker' && event.resultingClientId) {
    ownerOf.set(event.resultingClientId, ownerOf.get(id) ?? id)
    clientUrl.set(event.resultingClientId, url.href)
    if (on) privateClients.add(event.resultingClientId)
  }
  return on
}

async function privateWindowOpen(): Promise<boolean> {
  return (await self.clients.matchAll({ type: 'window' })).some((c) => privateClients.has(c.id))
}

const lookups = new Map<string, Promise<void>>()
function lookUp(id: string): Promise<void> {
  let found = lookups.get(id)
  if (!found) {
    found = self.clients.get(id).then((client) => {
      if (!client) return
      clientUrl.set(id, client.url)
      if (new URL(client.url).searchParams.has('private')) privateClients.add(id)
      if (waiting.has(id)) void flush(id)
    })
    lookups.set(id, found)
  }
  return found
}

/** What a page was to be told before it existed (its own navigation): told at its first request. */
const waiting = new Map<string, LedgerEntry[]>()

async function flush(id: string) {
  const page = await self.clients.get(id)
  const items = waiting.get(id)
  if (!page || !items) return
  waiting.delete(id)
  for (const entry of items) page.postMessage({ type: 'parley-ledger', entry })
}

/** Tells the page that owns the request (a worker's page) what went where. */
async function report(event: FetchEvent, item: LedgerEntry) {
  const navigation = event.request.mode === 'navigate' && event.resultingClientId
  const id = navigation ? event.resultingClientId : event.clientId
  const owner = ownerOf.get(id) ?? id
  const message = { type: 'parley-ledger', entry: item }
  const page = owner ? await self.clients.get(owner) : undefined
  if (page?.type === 'window') return page.postMessage(message)
  if (navigation) return void waiting.set(id, [...(waiting.get(id) ?? []), item])
  // Not known which page (a navigation not yet open, or a worker we did not see start): all are told, marked so.
  for (const c of await self.clients.matchAll({ type: 'window' })) c.postMessage({ ...message, entry: { ...item, unattributed: true } })
}
