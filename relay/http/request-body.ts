import type { z } from 'zod'
import { ApiError } from '../errors.ts'

/**
 * Reads a request body of at most `maxBytes`. A declared length over the limit is refused before
 * reading; without one (chunked), bytes are counted as they arrive, so an oversize body is
 * never held in memory whole.
 */
async function readBytes(req: Request, maxBytes: number, what: string): Promise<Uint8Array<ArrayBuffer>> {
  const declared = req.headers.get('content-length')
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes, what)
  // A declared length within the limit is enforced by the HTTP layer: read in one go (on Node
  // this skips building a full Request).
  if (declared !== null) return new Uint8Array(await req.arrayBuffer())
  if (!req.body) return new Uint8Array()
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = req.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel()
      throw tooLarge(maxBytes, what)
    }
    chunks.push(value)
  }
  return concat(chunks, size)
}

const mediaType = (req: Request) => (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()

/** A JSON object body (chat, speech). */
export async function readJsonBody(req: Request, maxBytes: number): Promise<Record<string, unknown>> {
  // Exactly application/json: a browser cannot send it cross-site without a CORS preflight.
  const type = req.headers.get('content-type')
  if (mediaType(req) !== 'application/json') {
    throw new ApiError(415, 'unsupported_media_type', `Expected a JSON body with content-type: application/json, got ${type ? `"${type.slice(0, 100)}"` : 'no content type'}.`)
  }
  const text = new TextDecoder().decode(await readBytes(req, maxBytes, 'request body'))
  if (!text.trim()) throw new ApiError(400, 'invalid_json', 'The request body is empty; send a JSON object.')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new ApiError(400, 'invalid_json', `The request body is not valid JSON (${(err as Error).message.slice(0, 120)}).`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiError(400, 'invalid_json', 'The request body must be a JSON object.')
  }
  return value as Record<string, unknown>
}

/** A request checked against its schema; the first problem is the 400's message, naming the field. */
export function parseRequest<T>(schema: z.ZodType<T>, raw: unknown): T {
  const parsed = schema.safeParse(raw)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]!
  throw new ApiError(400, 'invalid_request', `${issue.path.join('.') || 'body'}: ${issue.message}.`)
}

/** A multipart/form-data body (audio uploads). */
export async function readFormBody(req: Request, maxBytes: number): Promise<FormData> {
  if (mediaType(req) !== 'multipart/form-data') {
    throw new ApiError(415, 'unsupported_media_type', 'Expected a multipart/form-data upload with the audio in a field named "file".')
  }
  const bytes = await readBytes(req, maxBytes, 'upload')
  try {
    return await new Response(bytes, { headers: { 'content-type': req.headers.get('content-type')! } }).formData()
  } catch {
    throw new ApiError(400, 'invalid_multipart', 'The upload is not a complete multipart/form-data body (it may have been cut off). Send it again.')
  }
}

function tooLarge(maxBytes: number, what: string): ApiError {
  const size = maxBytes >= 1024 * 1024 ? `${Math.round(maxBytes / 1024 / 1024)} MiB` : `${Math.round(maxBytes / 1024)} KiB`
  return new ApiError(413, 'body_too_large', `The ${what} is larger than the relay's limit of ${size}. Send less (shorter audio, less history).`)
}

function concat(chunks: Uint8Array[], size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.byteLength
  }
  return out
}
