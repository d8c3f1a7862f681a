/**
 * The relay on Node: the only file that knows it runs on Node. Serves the built SPA from dist/.
 * Run directly (`tsx relay/node.ts`) it reads the environment and listens on HOST:PORT.
 */
import { serve } from '@hono/node-server'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createApp, type RelayDeps } from './app.ts'
import { ConfigError, loadConfig, type RelayConfig } from './config.ts'
import type { AssetSource } from './spa.ts'

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
      const headers = {
        'content-type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-length': String(info.size),
        'cache-control': path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        'x-content-type-options': 'nosniff',
      }
      if (request.method === 'HEAD') return new Response(null, { headers })
      return new Response(Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>, { headers })
    },
  }
}

export interface RunningRelay {
  url: string
  port: number
  close(): Promise<void>
}

export async function startRelay(
  config: RelayConfig,
  options: { distDir?: string | null } & Omit<RelayDeps, 'assets'> = {},
): Promise<RunningRelay> {
  const distDir = options.distDir === undefined ? DEFAULT_DIST : options.distDir
  const hasDist = distDir ? await stat(join(distDir, 'index.html')).then(() => true, () => false) : false
  const app = createApp(config, { ...options, assets: hasDist && distDir ? folderAssets(distDir) : undefined })
  return new Promise((resolveStart, reject) => {
    const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info: AddressInfo) => {
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address
      resolveStart({
        url: `http://${host}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            ;(server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.()
          }),
      })
    })
    server.once('error', reject)
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
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) void main()
