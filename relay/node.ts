/**
 * The relay on Node: the only file that knows it runs on Node. Serves the built SPA from dist/.
 * Run directly (`tsx relay/node.ts`) it reads the environment and listens on HOST:PORT.
 */
import { serve } from '@hono/node-server'
import { createReadStream } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import { stat } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createApp, type RelayDeps } from './app.ts'
import type { AvatarLimits } from './avatar/session.ts'
import { relayLogger } from './log.ts'
import { failOpen, MemoryRateStore, slotLeaseMs } from './limits/rate-limit.ts'
import { RedisRateStore } from './runtime/node/redis-rate-store.ts'
import { attachAvatarSockets } from './runtime/node/sockets.ts'
import { ConfigError, loadConfig, type RelayConfig } from './config.ts'
import type { AssetSource } from './http/spa.ts'

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
  '.wav': 'audio/wav',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
}

export const DEFAULT_DIST = fileURLToPath(new URL('../dist', import.meta.url))
/** Self-hosted on-device models (models/<id>/…), served at /models/. */
export const DEFAULT_MODELS = fileURLToPath(new URL('../models', import.meta.url))

/** Routes /models/… to the models folder and everything else to the built app. */
function withModels(app: AssetSource, models: AssetSource): AssetSource {
  return {
    fetch(request) {
      const url = new URL(request.url)
      if (!url.pathname.startsWith('/models/')) return app.fetch(request)
      url.pathname = url.pathname.slice('/models'.length)
      return models.fetch(new Request(url, request))
    },
  }
}

/** Files under `root`; content-hashed files under /assets/ are cached for good, the rest revalidated. */
export function folderAssets(root: string): AssetSource {
  const base = resolve(root)
  return {
    async fetch(request) {
      let path: string
      try {
        path = decodeURIComponent(new URL(request.url).pathname)
      } catch {
        return new Response('Bad path', { status: 400 })
      }
      if (path.endsWith('/')) path += 'index.html'
      const file = normalize(join(base, path))
      if (!file.startsWith(base + sep) || path.includes('\0')) return new Response('Not found', { status: 404 })
      const info = await stat(file).catch(() => undefined)
      if (!info?.isFile()) return new Response('Not found', { status: 404 })
      // Revalidation by ETag: a cached model or wasm file costs a 304, not a second download.
      const etag = `"${info.size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}"`
      const headers = {
        'content-type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-length': String(info.size),
        'cache-control': path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        etag,
        'x-content-type-options': 'nosniff',
      }
      if (request.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers: { etag, 'cache-control': headers['cache-control'] } })
      if (request.method === 'HEAD') return new Response(null, { headers })
      return new Response(Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>, { headers })
    },
  }
}

/**
 * fetch() for upstream calls over node:http(s) with keep-alive agents: ~0.7 ms less to the first
 * byte than Node 20's built-in fetch on every request (npm run bench). It covers what upstream
 * calls use — a string or byte body, headers, an abort signal — and hands anything else (a
 * FormData upload, say) to the built-in fetch. It does not follow redirects: an upstream is
 * reached at the address the operator configured, nowhere else.
 */
export function createNodeFetch(): typeof fetch {
  const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) }
  return (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    const body = init.body
    const simple = (body == null || typeof body === 'string' || body instanceof Uint8Array) && !(input instanceof Request)
    if (!simple || (url.protocol !== 'http:' && url.protocol !== 'https:')) return fetch(input, init)

    const headers = Object.fromEntries(new Headers(init.headers))
    if (body != null) headers['content-length'] = String(Buffer.byteLength(body))
    return new Promise<Response>((resolve, reject) => {
      const secure = url.protocol === 'https:'
      const req = (secure ? https : http).request(url, { method: init.method ?? 'GET', headers, agent: secure ? agents['https:'] : agents['http:'], signal: init.signal ?? undefined }, (res) => {
        const status = res.statusCode ?? 0
        if (status < 200 || status > 599) {
          res.destroy()
          return reject(new TypeError('fetch failed', { cause: new Error(`upstream answered with status ${status}`) }))
        }
        const out = new Headers()
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
          try {
            out.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!)
          } catch {
            // a header a Response cannot hold: leave it out
          }
        }
        const noBody = status === 204 || status === 304 || init.method === 'HEAD'
        if (noBody) res.resume()
        resolve(new Response(noBody ? null : webStream(res), { status, statusText: res.statusMessage, headers: out }))
      })
      req.on('error', (err) => reject(err.name === 'AbortError' ? err : new TypeError('fetch failed', { cause: err })))
      req.end(body ?? undefined)
    })
  }
}

/**
 * Streams go out as they come: @hono/node-server holds an answer back for up to a timer tick to see
 * whether it ends at once (to send a content length); a stream marked for no buffering skips that.
 */
function streamingFirst(fetchApp: (request: Request, env?: unknown) => Response | Promise<Response>) {
  return async (request: Request, env?: unknown) => {
    const res = await fetchApp(request, env)
    // (Not `res.body`: on @hono/node-server that turns its light Response into a full one.)
    // HTTP/1.0 has no chunked framing: such a client gets the stream until the connection closes.
    const http10 = (env as { incoming?: http.IncomingMessage } | undefined)?.incoming?.httpVersion === '1.0'
    if (!http10 && res.headers.get('x-accel-buffering') === 'no') res.headers.set('transfer-encoding', 'chunked')
    return res
  }
}

/**
 * A Node stream as a Web one, lighter than Readable.toWeb. What arrives together goes on as one
 * chunk: an SSE answer comes as dozens of small HTTP chunks in one read, and every layer after
 * this one (timeouts, limits, the response) costs per chunk. Nothing waits for more: chunks are
 * joined only within the same turn of the event loop. The source pauses while more than 256 KiB
 * wait for the reader (backpressure).
 */
function webStream(source: http.IncomingMessage): ReadableStream<Uint8Array> {
  // Events already queued may still arrive after the reader cancelled or the source ended.
  let settled = false
  let pending: Buffer[] = []
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const flush = () => {
          if (settled || !pending.length) return
          const chunk = pending.length === 1 ? pending[0]! : Buffer.concat(pending)
          pending = []
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
          if ((controller.desiredSize ?? 0) <= 0) source.pause()
        }
        source.on('data', (chunk: Buffer) => {
          if (settled) return
          if (!pending.length) queueMicrotask(flush)
          pending.push(chunk)
        })
        source.once('end', () => {
          flush()
          if (!settled) controller.close()
          settled = true
        })
        // A connection that breaks off mid-answer: 'close' without 'end' (and usually an 'error').
        source.once('close', () => {
          if (!settled) controller.error(new Error('upstream connection closed'))
          settled = true
        })
        source.once('error', () => {})
      },
      pull() {
        source.resume()
      },
      cancel() {
        settled = true
        source.destroy()
      },
    },
    { highWaterMark: 256 * 1024, size: (chunk) => chunk.byteLength },
  )
}

export interface RunningRelay {
  url: string
  port: number
  close(): Promise<void>
}

export async function startRelay(
  config: RelayConfig,
  options: { distDir?: string | null; modelsDir?: string; avatarLimits?: Partial<AvatarLimits>; headersTimeoutMs?: number } & Omit<RelayDeps, 'assets'> = {},
): Promise<RunningRelay> {
  const distDir = options.distDir === undefined ? DEFAULT_DIST : options.distDir
  const hasDist = distDir ? await stat(join(distDir, 'index.html')).then(() => true, () => false) : false
  // One store for the HTTP routes and the avatar sockets: a client's allowance is shared.
  const log = relayLogger(config, options.log)
  const redis = !options.rateStore && config.rateLimit.redisUrl ? new RedisRateStore(config.rateLimit.redisUrl, slotLeaseMs(config.limits.maxStreamMs)) : undefined
  const rateStore = options.rateStore ?? (redis ? failOpen(redis, log) : new MemoryRateStore())
  const app = createApp(config, {
    ...options,
    rateStore,
    fetch: options.fetch ?? createNodeFetch(),
    clientAddress: (c) => (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress,
    assets: hasDist && distDir ? withModels(folderAssets(distDir), folderAssets(options.modelsDir ?? DEFAULT_MODELS)) : undefined,
  })
  return new Promise((resolveStart, reject) => {
    // Slow-loris: a client must send its request headers within 10 s, and its whole request (an
    // audio upload included) within 60 s; idle keep-alive connections close after 5 s.
    const headersTimeout = options.headersTimeoutMs ?? 10_000
    const server = serve({ fetch: streamingFirst(app.fetch), hostname: config.host, port: config.port, serverOptions: { headersTimeout, requestTimeout: Math.max(60_000, headersTimeout), keepAliveTimeout: 5_000, connectionsCheckingInterval: Math.min(1_000, headersTimeout) } }, (info: AddressInfo) => {
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address
      resolveStart({
        url: `http://${host}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            // Upgraded sockets are no longer the HTTP server's: end them first.
            for (const c of sockets.clients) c.terminate()
            server.close(() => done())
            ;(server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.()
          }),
      })
    })
    server.once('error', reject)
    const sockets = attachAvatarSockets(server as unknown as import('node:http').Server, config, { log, limits: options.avatarLimits, rateStore })
    server.once('close', () => {
      sockets.close()
      redis?.close()
    })
  })
}

async function main() {
  let config: RelayConfig
  try {
    config = loadConfig(process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${err.message}\nFix the variable(s) above (see .env.example) and start again.`)
      process.exit(2)
    }
    throw err
  }
  const relay = await startRelay(config).catch((err: NodeJS.ErrnoException) => {
    console.error(err.code === 'EADDRINUSE'
      ? `Port ${config.port} on ${config.host} is already in use. Stop the other process or set PORT to a free port.`
      : `The relay could not start: ${err.message}`)
    process.exit(1)
  })
  const llm = config.llm ? `LLM ${config.llm.defaultModel} via ${new URL(config.llm.baseUrl).host}` : 'no LLM configured (the app uses its offline guide)'
  console.log(`Parley relay listening on ${relay.url} — ${llm}`)
  const shutdown = () => void relay.close().then(() => process.exit(0))
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
  // `kill -USR2 <pid>`: one log line with what the process holds open (sockets, timers) and its
  // memory — for operators chasing a leak, and for the soak test.
  process.on('SIGUSR2', () => {
    // With --expose-gc, collect first, so the numbers are what is really held.
    ;(globalThis as { gc?: () => void }).gc?.()
    const resources: Record<string, number> = {}
    for (const r of process.getActiveResourcesInfo()) resources[r] = (resources[r] ?? 0) + 1
    const memory = process.memoryUsage()
    console.log(JSON.stringify({ ts: new Date().toISOString(), level: 'info', msg: 'resources', resources, rss: memory.rss, heapUsed: memory.heapUsed }))
  })
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) void main()
