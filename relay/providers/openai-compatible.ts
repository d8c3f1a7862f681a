import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { ApiError, redact } from '../errors.ts'

/** An upstream that speaks OpenAI's HTTP API (OpenAI, vLLM, llama.cpp, Ollama, OpenRouter …). */
export interface OpenAICompatibleUpstream {
  /** Human name used in error messages, e.g. "LLM provider". */
  label: string
  baseUrl: string
  apiKey: string | undefined
  /** The environment variables an operator fixes when this upstream is misconfigured. */
  envHint: string
}

export interface UpstreamCall {
  fetch: typeof fetch
  /**
   * Aborts the upstream request: the caller aborts it when the client goes away; a missing
   * first byte aborts it here. One controller, so no per-request signal combining.
   */
  abort: AbortController
  firstByteMs: number
}

const FIRST_BYTE_TIMEOUT = 'first byte timeout'

/** POSTs JSON to `<baseUrl><path>`; see `post`. */
export function postJson(upstream: OpenAICompatibleUpstream, path: string, body: unknown, call: UpstreamCall): Promise<Response> {
  return post(upstream, path, JSON.stringify(body), { 'content-type': 'application/json' }, call)
}

/** POSTs a multipart form (the fetch implementation sets its content type and boundary). */
export function postForm(upstream: OpenAICompatibleUpstream, path: string, form: FormData, call: UpstreamCall): Promise<Response> {
  return post(upstream, path, form, {}, call)
}

/**
 * POSTs to `<baseUrl><path>` with the key injected. Resolves with the upstream's response once it
 * is OK; every failure becomes an ApiError that says what went wrong and who can fix it.
 */
async function post(
  upstream: OpenAICompatibleUpstream,
  path: string,
  body: string | FormData,
  extraHeaders: Record<string, string>,
  call: UpstreamCall,
): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json, text/event-stream, text/plain', ...extraHeaders }
  if (upstream.apiKey) headers.authorization = `Bearer ${upstream.apiKey}`

  // Bounds the wait for response headers (and an error body); a good body is the caller's to bound.
  const timer = setTimeout(() => call.abort.abort(FIRST_BYTE_TIMEOUT), call.firstByteMs)
  try {
    const res = await call.fetch(`${upstream.baseUrl}${path}`, {
      method: 'POST',
      headers,
      body,
      signal: call.abort.signal,
      // An upstream is reached where the operator configured it, never where it redirects to.
      redirect: 'manual',
    })
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel()
      throw new ApiError(502, 'upstream_redirected', `The ${upstream.label} answered with a redirect, which the relay does not follow. The operator should point ${upstream.envHint.split(',')[0]} at the final address.`, 'server_error')
    }
    if (!res.ok) throw await upstreamError(upstream, res)
    return res
  } catch (err) {
    if (err instanceof ApiError) throw err
    if (call.abort.signal.reason === FIRST_BYTE_TIMEOUT) {
      throw new ApiError(504, 'upstream_timeout', `The ${upstream.label} did not answer within ${call.firstByteMs / 1000} s. Try again; if it keeps happening, the operator should check ${upstream.envHint}.`)
    }
    // The client went away before the answer began: nothing to report, nobody to report it to.
    if (call.abort.signal.aborted) throw new ApiError(400, 'client_closed', 'The client closed the request.')
    throw new ApiError(502, 'upstream_unavailable', `The relay could not reach the ${upstream.label} (${describeNetworkError(err)}). Try again later; the operator should check ${upstream.envHint}.`)
  } finally {
    // Only now: reading an error body is bounded by the same timer.
    clearTimeout(timer)
  }
}

async function upstreamError(upstream: OpenAICompatibleUpstream, res: Response): Promise<ApiError> {
  const detail = redact(await readErrorDetail(res), [upstream.apiKey])
  const said = detail ? `: ${detail}` : ''
  const s = res.status
  if (s === 401 || s === 403) {
    return new ApiError(502, 'upstream_auth_failed', `The ${upstream.label} rejected the relay's credentials (HTTP ${s}${said}). The relay operator should check ${upstream.envHint}.`, 'server_error')
  }
  if (s === 429) {
    const retry = res.headers.get('retry-after')
    return new ApiError(429, 'upstream_rate_limited', `The ${upstream.label} is rate-limiting requests${said}. Wait a moment and try again.`, 'rate_limit_error', retry ? { 'retry-after': retry } : {})
  }
  if (s === 408 || s === 504) {
    return new ApiError(504, 'upstream_timeout', `The ${upstream.label} timed out (HTTP ${s}${said}). Try again.`)
  }
  if (s === 404) {
    return new ApiError(502, 'upstream_not_found', `The ${upstream.label} answered 404${said}. The relay operator should check ${upstream.envHint}.`, 'server_error')
  }
  if (s >= 400 && s < 500) {
    return new ApiError(s as ContentfulStatusCode, 'upstream_rejected', `The ${upstream.label} rejected the request (HTTP ${s}${said}).`)
  }
  return new ApiError(502, 'upstream_error', `The ${upstream.label} failed (HTTP ${s}${said}). Try again in a moment.`)
}

/** An error body is read up to this much: enough for any message, never a flood. */
const ERROR_BODY_BYTES = 16 * 1024

async function readErrorDetail(res: Response): Promise<string> {
  const text = (await readCapped(res, ERROR_BODY_BYTES)).trim()
  if (!text) return ''
  try {
    const j = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown }
    const m = typeof j.error === 'string' ? j.error : (j.error?.message ?? j.message ?? j.detail)
    if (typeof m === 'string') return m.slice(0, 500)
  } catch {
    // not JSON: fall through to a short, single-line excerpt
  }
  return res.headers.get('content-type')?.includes('html') ? '' : text.replace(/\s+/g, ' ').slice(0, 200)
}

async function readCapped(res: Response, max: number): Promise<string> {
  if (!res.body) return ''
  const reader = res.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  try {
    while (text.length < max) {
      const { done, value } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
    }
  } catch {
    // a broken or timed-out error body: use what arrived
  } finally {
    void reader.cancel().catch(() => {})
  }
  return text.slice(0, max)
}

function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : 'network error')
}
