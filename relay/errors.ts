import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { ErrorBody, ErrorType } from './contract.ts'

/**
 * An error with a stable machine `code` and a message that tells the caller what to fix.
 * Thrown anywhere in the relay; `onError` turns it into OpenAI's error shape.
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly type: ErrorType = defaultType(status),
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

function defaultType(status: number): ErrorType {
  if (status === 401) return 'authentication_error'
  if (status === 403) return 'permission_error'
  if (status === 404) return 'not_found_error'
  if (status === 429) return 'rate_limit_error'
  return status >= 500 ? 'server_error' : 'invalid_request_error'
}

export function errorBody(code: string, message: string, type: ErrorType): ErrorBody {
  return { error: { message, type, code, param: null } }
}

export function errorResponse(c: Context, err: ApiError): Response {
  for (const [k, v] of Object.entries(err.headers)) c.header(k, v)
  return c.json(errorBody(err.code, err.message, err.type), err.status)
}

/** The same answer where there is no Hono context (a runtime's entry, before or beside the app). */
export function plainErrorResponse(err: ApiError): Response {
  return Response.json(errorBody(err.code, err.message, err.type), { status: err.status, headers: err.headers })
}

/**
 * Removes every configured secret from text that came from elsewhere (an upstream's error
 * message can quote the key it was sent, as OpenAI's "Incorrect API key provided" does).
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text
  for (const s of secrets) {
    if (!s || s.length < 4) continue
    out = out.split(s).join('[redacted]')
    // Providers often quote a key shortened to its head and tail ("sk-abc…wxyz").
    if (s.length >= 12) out = out.replace(new RegExp(`${escapeRegExp(s.slice(0, 6))}[^\\s"']*`, 'g'), '[redacted]')
  }
  return out
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
