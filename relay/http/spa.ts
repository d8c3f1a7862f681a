import { Hono } from 'hono'

/**
 * Where the built SPA's files come from: a folder on Node, the ASSETS binding on Workers.
 * Same shape as Workers' `env.ASSETS.fetch`; answers 404 for a file that is not there.
 */
export interface AssetSource {
  fetch(request: Request): Promise<Response>
}

/** The last path segment has a dot: a file request, never a page. */
const looksLikeFile = (path: string) => /\.[^/]+$/.test(path)

/**
 * Serves the built SPA. Navigation paths get index.html (client-side routes); a missing file with
 * an extension is a plain 404 — never index.html, which would turn a missing model into
 * "Unexpected token '<'" far from the cause.
 */
export function spaRoutes(assets: AssetSource | undefined) {
  return new Hono().on(['GET', 'HEAD'], '*', async (c) => {
    const path = c.req.path
    if (!assets) {
      return looksLikeFile(path)
        ? c.text('Not found', 404)
        : c.html('<!doctype html><title>Parley</title><p>The web app has not been built. Run <code>npm run build</code> (or <code>npm start</code>, which builds it) and reload.</p>', 503)
    }
    const res = await assets.fetch(c.req.raw)
    if (res.status !== 404 || looksLikeFile(path)) return res
    // '/', not '/index.html': Workers' assets redirect the latter to the former.
    return assets.fetch(new Request(new URL('/', c.req.url), { method: c.req.method, headers: c.req.raw.headers }))
  })
}

/**
 * The self-hosted models (models/<id>/…) at /models/, from their own source, so that a relay that
 * serves no app (the app on a static host elsewhere) still serves them. Missing files are 404.
 */
export function modelRoutes(models: AssetSource) {
  return new Hono().on(['GET', 'HEAD'], '*', (c) => {
    const url = new URL(c.req.url)
    url.pathname = url.pathname.slice('/models'.length)
    return models.fetch(new Request(url, c.req.raw))
  })
}
