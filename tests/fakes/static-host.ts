import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve, sep } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
}

export interface StaticHost {
  url: string
  /** Every path asked of it, in order (to show what the page did not ask it for). */
  paths: string[]
  close(): Promise<void>
}

/**
 * A plain static host, as a CDN or `python -m http.server` would be: files from `root`, index.html
 * for page paths, 404 for anything missing. It knows nothing of the relay (no CORS, no /api, no
 * /models), so a page it serves reaches the relay only across origins.
 */
export function startStaticHost(root: string): Promise<StaticHost> {
  const base = resolve(root)
  const paths: string[] = []
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://host').pathname)
    paths.push(path)
    const file = normalize(join(base, extname(path) ? path : 'index.html'))
    const info = file.startsWith(base + sep) ? await stat(file).catch(() => null) : null
    if (!info?.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' })
      return res.end('Not found')
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': info.size })
    createReadStream(file).pipe(res)
  })
  return new Promise((done) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      done({ url: `http://127.0.0.1:${port}`, paths, close: () => new Promise((closed) => (server.close(() => closed()), server.closeAllConnections())) })
    })
  })
}
