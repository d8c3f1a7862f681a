import type { MiddlewareHandler } from 'hono'
import { ApiError } from './errors.ts'

/**
 * Requires `Authorization: Bearer <token>` when the operator set PARLEY_ACCESS_TOKEN.
 * The comparison takes the same time wherever the strings differ.
 */
export function requireAccessToken(token: string | undefined): MiddlewareHandler {
  return async function accessToken(c, next) {
    if (!token) return next()
    const header = c.req.header('authorization') ?? ''
    const given = header.startsWith('Bearer ') ? header.slice(7).trim() : ''
    if (!given) {
      throw new ApiError(401, 'access_token_required', 'This relay requires an access token. Enter it in Settings → Access token, or open the page with ?token=… in its address.', 'authentication_error', { 'www-authenticate': 'Bearer' })
    }
    if (!sameText(given, token)) {
      throw new ApiError(401, 'access_token_invalid', 'The access token was not accepted. Check it in Settings → Access token.', 'authentication_error', { 'www-authenticate': 'Bearer' })
    }
    return next()
  }
}

function sameText(a: string, b: string): boolean {
  const n = Math.max(a.length, b.length)
  let diff = a.length ^ b.length
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0)
  return diff === 0
}
