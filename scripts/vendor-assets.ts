import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs'
import { join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'vite'

// Files inside packages, by path (package "exports" maps do not list them all).
const nodeModules = fileURLToPath(new URL('../node_modules/', import.meta.url))

/**
 * Files that ship inside npm packages and must be served by the app itself (no CDN), at these
 * URL paths: served from node_modules by the dev server and copied into dist/ by the build.
 * (ONNX Runtime's WebAssembly needs no entry: Vite emits it from the runtime's own import, and
 * package.json's `overrides` give transformers.js the same onnxruntime-web as the VAD.)
 */
export const VENDOR_FILES: Record<string, string> = {
  'vendor/silero-vad/silero_vad_v5.onnx': '@ricky0123/vad-web/dist/silero_vad_v5.onnx',
}

const TYPES: Record<string, string> = {
  wasm: 'application/wasm',
  onnx: 'application/octet-stream',
  mjs: 'text/javascript',
  json: 'application/json',
  txt: 'text/plain',
}

const modelsDir = fileURLToPath(new URL('../models/', import.meta.url))

export function vendorAssets(files: Record<string, string> = VENDOR_FILES): Plugin {
  const resolved = Object.fromEntries(Object.entries(files).map(([url, path]) => [`/${url}`, nodeModules + path]))
  return {
    name: 'parley-vendor-assets',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = decodeURIComponent((req.url ?? '').split('?')[0]!)
        // Self-hosted models, like the relay serves them: a missing file is a 404, never HTML.
        const file = resolved[path] ?? (path.startsWith('/models/') ? modelFile(path.slice('/models/'.length)) : undefined)
        if (file === null) {
          res.statusCode = 404
          return res.end('Not found')
        }
        if (!file) return next()
        res.setHeader('content-type', TYPES[file.split('.').pop()!] ?? 'application/octet-stream')
        res.setHeader('content-length', String(statSync(file).size))
        createReadStream(file).pipe(res)
      })
    },
    generateBundle() {
      // models/ is not bundled: the relay serves it at /models/ (the weights are large and optional).
      for (const [url, file] of Object.entries(resolved)) {
        this.emitFile({ type: 'asset', fileName: url.slice(1), source: readFileSync(file) })
      }
    },
  }
}

/** A file under models/, or null when it is not there (or escapes the folder). */
function modelFile(relative: string): string | null {
  const file = normalize(join(modelsDir, relative))
  if (!file.startsWith(modelsDir) || !existsSync(file) || !statSync(file).isFile()) return null
  return file
}
