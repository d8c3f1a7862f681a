import { ApiError } from './errors.ts'

/**
 * Reads a JSON request body of at most `maxBytes`, counting bytes as they arrive so an
 * oversize body is refused without being held in memory whole.
 */
export async function readJsonBody(req: Request, maxBytes: number): Promise<unknown> {
  // Exactly application/json: a browser cannot send it cross-site without a CORS preflight.
  const type = req.headers.get('content-type') ?? ''
  if (type.split(';')[0]!.trim().toLowerCase() !== 'application/json') {
    throw new ApiError(415, 'unsupported_media_type', `Expected a JSON body with content-type: application/json, got ${type ? `"${type.slice(0, 100)}"` : 'no content type'}.`)
  }
  const declared = req.headers.get('content-length')
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes)
  // A declared length within the limit is enforced by the HTTP layer: read in one go (on Node
  // this skips building a full Request). Without one (chunked), count bytes as they arrive.
  const text = declared !== null ? await req.text() : req.body ? await readCapped(req.body, maxBytes) : ''
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
  return value
}

async function readCapped(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<string> {
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel()
      throw tooLarge(maxBytes)
    }
    chunks.push(value)
  }
  return new TextDecoder().decode(concat(chunks, size))
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'body_too_large', `The request body is larger than the relay's limit of ${Math.round(maxBytes / 1024)} KiB. Send less history or shorter messages.`)
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.byteLength
  }
  return out
}
