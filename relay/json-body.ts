import { ApiError } from './errors.ts'

/**
 * Reads a JSON request body of at most `maxBytes`, counting bytes as they arrive so an
 * oversize body is refused without being held in memory whole.
 */
export async function readJsonBody(req: Request, maxBytes: number): Promise<unknown> {
  const type = req.headers.get('content-type') ?? ''
  if (type && !type.includes('json')) {
    throw new ApiError(415, 'unsupported_media_type', `Expected a JSON body (content-type: application/json), got "${type.slice(0, 100)}".`)
  }
  const declared = Number(req.headers.get('content-length') ?? NaN)
  if (declared > maxBytes) throw tooLarge(maxBytes)
  if (!req.body) throw new ApiError(400, 'invalid_json', 'The request has no body; send a JSON object.')

  const chunks: Uint8Array[] = []
  let size = 0
  const reader = req.body.getReader()
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
  const text = new TextDecoder().decode(concat(chunks, size))
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
