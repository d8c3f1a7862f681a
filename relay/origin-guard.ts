import type { MiddlewareHandler } from 'hono'
import { ApiError } from './errors.ts'

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i

/**
 * Keeps other websites from spending the operator's key through a visitor's browser.
 * - A request that carries an `Origin` must come from the relay's own origin or one listed in
 *   PARLEY_ALLOWED_ORIGINS (browsers always send Origin on cross-site POSTs).
 * - A relay listening on loopback answers only to loopback host names, so a site that points its
 *   own DNS name at 127.0.0.1 (DNS rebinding) is refused too.
 */
export function guardOrigin(options: { allowedOrigins: readonly string[]; listenHost: string }): MiddlewareHandler {
  const allowed = new Set(options.allowedOrigins.map((o) => o.replace(/\/+$/, '').toLowerCase()))
  const allowedHosts = new Set([...allowed].map((o) => safeHost(o)).filter(Boolean))
  const loopbackOnly = LOOPBACK.test(options.listenHost)
  return async function originGuard(c, next) {
    const host = (c.req.header('host') ?? '').toLowerCase()
    if (loopbackOnly && !LOOPBACK.test(host.replace(/:\d+$/, '')) && !allowedHosts.has(host)) {
      throw new ApiError(403, 'host_not_allowed', `This relay listens on ${options.listenHost} and only answers requests addressed to it by that name. To serve it under another name, set HOST and PARLEY_ALLOWED_ORIGINS.`)
    }
    const origin = c.req.header('origin')?.toLowerCase()
    if (origin && origin !== 'null' && safeHost(origin) === host) return next()
    if (origin && allowed.has(origin)) return next()
    if (origin || c.req.header('sec-fetch-site') === 'cross-site') {
      throw new ApiError(403, 'origin_not_allowed', `Requests from ${origin ?? 'another site'} are not allowed. The relay operator can allow an origin with PARLEY_ALLOWED_ORIGINS.`)
    }
    return next()
  }
}

function safeHost(origin: string): string {
  try {
    return new URL(origin).host
  } catch {
    return ''
  }
}
