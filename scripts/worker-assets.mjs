// The built app as Cloudflare Workers serves it: dist/ copied to build/worker-assets/, with every
// file over Workers' per-asset limit (25 MiB: ONNX Runtime's WebGPU build is 25.6 MiB) stored
// gzipped as `<name>.gz`; the relay (relay/runtime/workers/assets.ts) sends it with Content-Encoding: gzip.
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { gzipSync } from 'node:zlib'
import { root } from './lib.mjs'

export const WORKERS_ASSET_LIMIT = 25 * 1024 * 1024

/** Copies `from` to `to`; returns the files it had to compress, with their sizes. */
export function prepareWorkerAssets(from = join(root, 'dist'), to = join(root, 'build/worker-assets'), limit = WORKERS_ASSET_LIMIT) {
  rmSync(to, { recursive: true, force: true })
  mkdirSync(to, { recursive: true })
  cpSync(from, to, { recursive: true })
  const compressed = []
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (statSync(path).size > limit) {
        const gz = gzipSync(readFileSync(path), { level: 9 })
        const name = relative(to, path)
        if (gz.byteLength > limit) throw new Error(`${name} is ${(gz.byteLength / 2 ** 20).toFixed(1)} MiB even gzipped: over the Workers asset limit.`)
        writeFileSync(`${path}.gz`, gz)
        rmSync(path)
        compressed.push({ name, bytes: statSync(`${path}.gz`).size })
      }
    }
  }
  walk(to)
  return compressed
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const compressed = prepareWorkerAssets()
  for (const c of compressed) console.log(`${c.name}: over 25 MiB, stored gzipped (${(c.bytes / 2 ** 20).toFixed(1)} MiB)`)
  console.log('Workers assets ready in build/worker-assets/')
}
