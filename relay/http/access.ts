import type { MiddlewareHandler } from 'hono'
import { ApiError } from '../errors.ts'

/**
 * Requires `Authorization: Bearer <token>` when the operator set PARLEY_ACCESS_TOKEN.
 * The comparison takes the same time wherever the strings differ.
 */
export function requireAccessToken(token: string | undefined): MiddlewareHandler {
  return async function accessToken(c, next) {
    const header = c.req.header('authorization') ?? ''
    const problem = tokenProblem(token, header.startsWith('Bearer ') ? header.slice(7).trim() : '')
    if (problem) throw problem
    return next()
  }
}

/**
 * Browsers cannot set headers on a WebSocket: they offer the token as a subprotocol,
 * `parley-token.<token>`, beside the route's own (`parley`, `realtime`). OpenAI's browser
 * Realtime client offers its key as `openai-insecure-api-key.<key>`: on this relay that key is
 * the access token, so such clients work unchanged.
 */
export const TOKEN_PROTOCOL_PREFIX = 'parley-token.'
const TOKEN_PROTOCOL_PREFIXES = [TOKEN_PROTOCOL_PREFIX, 'openai-insecure-api-key.']

export function tokenFromHeaders(headers: Headers): string {
  const auth = headers.get('authorization') ?? ''
  if (auth.startsWith('Bearer ')) return auth.slice(7).trim()
  const offered = (headers.get('sec-websocket-protocol') ?? '').split(',').map((p) => p.trim())
  for (const prefix of TOKEN_PROTOCOL_PREFIXES) {
    const found = offered.find((p) => p.startsWith(prefix))
    if (found) return found.slice(prefix.length)
  }
  return ''
}

/** The refusal for a missing or wrong token, or null when none is needed or it matches. */
export function tokenProblem(token: string | undefined, given: string): ApiError | null {
  if (!token) return null
  if (!given) {
    return new ApiError(401, 'access_token_required', 'This relay requires an access token. Enter it in Settings → Access token, or open the page with ?token=… in its address.', 'authentication_error', { 'www-authenticate': 'Bearer' })
  }
  if (!sameText(given, token)) {
    return new ApiError(401, 'access_token_invalid', 'The access token was not accepted. Check it in Settings → Access token.', 'authentication_error', { 'www-authenticate': 'Bearer' })
  }
  return null
}

function sameText(a: string, b: string): boolean {
  const n = Math.max(a.length, b.length)
  let diff = a.length ^ b.length
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0)
  return diff === 0
}
