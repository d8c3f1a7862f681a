import { createReadStream, readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'vite'

// Files inside packages, by path (package "exports" maps do not list them all).
const nodeModules = fileURLToPath(new URL('../node_modules/', import.meta.url))

/**
 * Files that ship inside npm packages and must be served by the app itself (no CDN), at these
 * URL paths: served from node_modules by the dev server and copied into dist/ by the build.
 * (ONNX Runtime's WebAssembly needs no entry: Vite emits it from the runtime's own import.)
 */
export const VENDOR_FILES: Record<string, string> = {
  'vendor/silero-vad/silero_vad_v5.onnx': '@ricky0123/vad-web/dist/silero_vad_v5.onnx',
}

const TYPES: Record<string, string> = { wasm: 'application/wasm', onnx: 'application/octet-stream' }

export function vendorAssets(files: Record<string, string> = VENDOR_FILES): Plugin {
  const resolved = Object.fromEntries(Object.entries(files).map(([url, path]) => [`/${url}`, nodeModules + path]))
  return {
    name: 'parley-vendor-assets',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const file = resolved[(req.url ?? '').split('?')[0]!]
        if (!file) return next()
        res.setHeader('content-type', TYPES[file.split('.').pop()!] ?? 'application/octet-stream')
        res.setHeader('content-length', String(statSync(file).size))
        createReadStream(file).pipe(res)
      })
    },
    generateBundle() {
      for (const [url, file] of Object.entries(resolved)) {
        this.emitFile({ type: 'asset', fileName: url.slice(1), source: readFileSync(file) })
      }
    },
  }
}
