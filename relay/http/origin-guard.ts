import type { MiddlewareHandler } from 'hono'
import { ApiError } from '../errors.ts'

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i

/**
 * Keeps other websites from spending the operator's key through a visitor's browser.
 * - A request that carries an `Origin` must come from the relay's own origin or one listed in
 *   PARLEY_ALLOWED_ORIGINS (browsers always send Origin on cross-site POSTs).
 * - A relay listening on loopback answers only to loopback host names, so a site that points its
 *   own DNS name at 127.0.0.1 (DNS rebinding) is refused too.
 */
export function guardOrigin(options: { allowedOrigins: readonly string[]; listenHost: string }): MiddlewareHandler {
  const check = originCheck(options)
  return async function originGuard(c, next) {
    const problem = check(c.req.raw.headers)
    if (problem) throw problem
    return next()
  }
}

/** The same rule for any request's headers (WebSocket upgrades too): the refusal, or null. */
export function originCheck(options: { allowedOrigins: readonly string[]; listenHost: string }): (headers: Headers) => ApiError | null {
  const allowed = new Set(options.allowedOrigins.map((o) => o.replace(/\/+$/, '').toLowerCase()))
  const allowedHosts = new Set([...allowed].map((o) => safeHost(o)).filter(Boolean))
  const loopbackOnly = LOOPBACK.test(options.listenHost)
  return (headers) => {
    const host = (headers.get('host') ?? '').toLowerCase()
    if (loopbackOnly && !LOOPBACK.test(host.replace(/:\d+$/, '')) && !allowedHosts.has(host)) {
      return new ApiError(403, 'host_not_allowed', `This relay listens on ${options.listenHost} and only answers requests addressed to it by that name. To serve it under another name, set HOST and PARLEY_ALLOWED_ORIGINS.`)
    }
    const origin = headers.get('origin')?.toLowerCase()
    if (origin && origin !== 'null' && safeHost(origin) === host) return null
    if (origin && allowed.has(origin)) return null
    if (origin || headers.get('sec-fetch-site') === 'cross-site') {
      return new ApiError(403, 'origin_not_allowed', `Requests from ${origin ?? 'another site'} are not allowed. The relay operator can allow an origin with PARLEY_ALLOWED_ORIGINS.`)
    }
    return null
  }
}

function safeHost(origin: string): string {
  try {
    return new URL(origin).host
  } catch {
    return ''
  }
}
