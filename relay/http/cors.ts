import type { MiddlewareHandler } from 'hono'

/**
 * CORS for the origins the operator allowed (PARLEY_ALLOWED_ORIGINS): each is echoed back by name,
 * never `*`, and varies by Origin. Preflights are answered here, before the access token is asked
 * for (browsers send none on a preflight). Same-origin requests need none of it; other origins
 * get none, so their pages cannot read the answer (and the API's origin guard refuses them).
 * `methods`: what a preflight may ask for (the models, read-only, say GET and HEAD).
 */
export function cors(allowedOrigins: readonly string[], methods = 'GET, POST, OPTIONS'): MiddlewareHandler {
  const allowed = new Set(allowedOrigins.map((o) => o.replace(/\/+$/, '').toLowerCase()))
  return async function corsHeaders(c, next) {
    const origin = c.req.header('origin')?.toLowerCase()
    if (!origin || !allowed.has(origin)) return next()
    const headers: Record<string, string> = { 'access-control-allow-origin': origin, vary: 'Origin' }
    if (c.req.method === 'OPTIONS') {
      return c.body(null, 204, {
        ...headers,
        'access-control-allow-methods': methods,
        'access-control-allow-headers': 'authorization, content-type',
        'access-control-max-age': '600',
      })
    }
    await next()
    for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v)
    c.res.headers.set('access-control-expose-headers', 'retry-after')
  }
}
