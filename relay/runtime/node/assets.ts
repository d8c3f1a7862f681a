/**
 * The built SPA and the self-hosted models from folders on disk, as the relay's asset sources.
 */
import { createReadStream } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { Readable } from 'node:stream'
import type { AssetSource } from '../../http/spa.ts'

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
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
 * The models folder, plus `/index.json`: the ids of the models in it (folders with a config.json
 * or an .onnx file, `org/name` or `name`). The page asks for it once instead of probing each model's config.json,
 * so a model that is not here costs no 404 in the browser's console.
 */
export function modelFolder(root: string): AssetSource {
  const files = folderAssets(root)
  return {
    async fetch(request) {
      if (new URL(request.url).pathname !== '/index.json') return files.fetch(request)
      const models = await hostedModels(resolve(root))
      return new Response(request.method === 'HEAD' ? null : JSON.stringify({ models }), {
        headers: { 'content-type': MIME['.json']!, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' },
      })
    },
  }
}

async function hostedModels(base: string): Promise<string[]> {
  // stat, not the directory entry: a model folder may be a symlink to where the weights live.
  const isDir = async (path: string) => Boolean((await stat(path).catch(() => undefined))?.isDirectory())
  const dirs = async (dir: string) => {
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => !n.startsWith('.'))
    const flags = await Promise.all(names.map((n) => isDir(join(dir, n))))
    return names.filter((_, i) => flags[i])
  }
  // A model folder has a config.json (transformers.js models) or an ONNX file of its own (a bare model: Smart Turn).
  const has = async (dir: string) =>
    Boolean((await stat(join(base, dir, 'config.json')).catch(() => undefined))?.isFile()) || (await readdir(join(base, dir)).catch(() => [] as string[])).some((n) => n.endsWith('.onnx'))
  const ids: string[] = []
  for (const top of await dirs(base)) {
    if (await has(top)) ids.push(top)
    for (const name of await dirs(join(base, top))) if (await has(`${top}/${name}`)) ids.push(`${top}/${name}`)
  }
  return ids.sort()
}
