/**
 * The ASSETS binding as the relay serves it. Its responses come with headers that cannot be
 * changed, and the relay adds its security headers, so each is copied. Files that were too large
 * for Workers are stored gzipped beside their name (scripts/worker-assets.mjs): a request for
 * `x.wasm` that finds only `x.wasm.gz` gets those bytes as they are, with Content-Encoding: gzip
 * — the browser unpacks them.
 */
import type { AssetSource } from '../../http/spa.ts'

const TYPES: Record<string, string> = { wasm: 'application/wasm', onnx: 'application/octet-stream', mjs: 'text/javascript; charset=utf-8', js: 'text/javascript; charset=utf-8' }

export function workerAssets(assets: AssetSource): AssetSource {
  return {
    async fetch(request) {
      const res = await assets.fetch(request)
      const url = new URL(request.url)
      if (res.status !== 404 || !/\.[^/]+$/.test(url.pathname)) return new Response(res.body, res)
      url.pathname += '.gz'
      const packed = await assets.fetch(new Request(url, request))
      // A browser revalidating its cached copy (If-None-Match) is told it is still good.
      if (packed.status === 304) {
        await res.body?.cancel()
        return new Response(null, { status: 304, headers: packed.headers })
      }
      if (!packed.ok) {
        await packed.body?.cancel()
        return new Response(res.body, res)
      }
      await res.body?.cancel()
      const headers = new Headers(packed.headers)
      headers.set('content-type', TYPES[url.pathname.slice(0, -3).split('.').pop()!] ?? 'application/octet-stream')
      headers.set('content-encoding', 'gzip')
      // 'manual': the body is already encoded; Workers must send it as is, not compress it again.
      return new Response(packed.body, { status: packed.status, headers, encodeBody: 'manual' } as ResponseInit)
    },
  }
}
