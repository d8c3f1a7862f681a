import { Hono } from 'hono'
import { z } from 'zod'
import type { EmbeddingsConfig, RelayLimits } from '../config.ts'
import { ApiError } from '../errors.ts'
import { abortWithClient } from '../http/event-stream.ts'
import { parseRequest, readJsonBody } from '../http/request-body.ts'
import { postJson, type OpenAICompatibleUpstream } from '../providers/openai-compatible.ts'

const text = z.string().min(1, 'expected non-empty text (an empty string has no meaning to embed)')
/** OpenAI also takes token ids (number[] or number[][]); the relay cannot check those against its limits, and a device that tokenizes can embed. */
const embeddingsRequest = z.looseObject({
  model: z.string({ error: 'expected a string' }).min(1, 'expected a model name').optional(),
  input: z.union([text, z.array(text).min(1, 'expected at least one text')], {
    error: 'expected text: a string or an array of strings (token arrays are not accepted here; send the text itself)',
  }),
  encoding_format: z.enum(['float', 'base64'], { error: 'expected float or base64' }).optional(),
  dimensions: z.number({ error: 'expected a number' }).int('expected a whole number').min(1, 'expected 1 or more').max(65_536, 'expected at most 65536').optional(),
  user: z.string({ error: 'expected a string' }).max(256, 'expected at most 256 characters').optional(),
})

/** A vector answer for hundreds of long texts is large, never this large. */
const ANSWER_BYTES = 64 * 1024 * 1024

export interface EmbeddingsDeps {
  embeddings: EmbeddingsConfig | undefined
  limits: RelayLimits
  fetch: typeof fetch
}

/** OpenAI-compatible embeddings, for devices that cannot run an embedding model themselves. */
export function embeddingsRoutes({ embeddings, limits, fetch }: EmbeddingsDeps) {
  const upstream: OpenAICompatibleUpstream | undefined = embeddings && { ...embeddings, label: 'embeddings service', envHint: 'EMBEDDINGS_BASE_URL, EMBEDDINGS_API_KEY and EMBEDDINGS_MODEL' }

  return new Hono().post('/embeddings', async (c) => {
    const raw = await readJsonBody(c.req.raw, limits.embeddingsBodyBytes)
    if (!upstream || !embeddings) {
      throw new ApiError(503, 'embeddings_not_configured', 'No embeddings service is configured on this relay. Embed on this device, or the operator sets EMBEDDINGS_BASE_URL and EMBEDDINGS_API_KEY (or OPENAI_API_KEY).', 'server_error')
    }
    const req = parseRequest(embeddingsRequest, raw)
    const texts = typeof req.input === 'string' ? [req.input] : req.input
    if (texts.length > limits.embeddingsInputs) {
      throw new ApiError(413, 'too_many_inputs', `input: at most ${limits.embeddingsInputs} texts per request (got ${texts.length}); send them in batches.`)
    }
    const long = texts.findIndex((t) => t.length > limits.embeddingsInputChars)
    if (long >= 0) {
      const where = typeof req.input === 'string' ? 'input' : `input.${long}`
      throw new ApiError(413, 'input_too_long', `${where}: at most ${limits.embeddingsInputChars} characters per text; split it into passages.`)
    }
    const model = req.model ?? embeddings.model
    if (model !== embeddings.model) throw new ApiError(404, 'model_not_found', `The model "${model.slice(0, 100)}" is not available on this relay. Available: ${embeddings.model}.`)

    // Only the fields the relay validated go upstream.
    const body = {
      model,
      input: req.input,
      ...(req.encoding_format && { encoding_format: req.encoding_format }),
      ...(req.dimensions && { dimensions: req.dimensions }),
      ...(req.user && { user: req.user }),
    }
    const abort = abortWithClient(c.req.raw)
    const res = await postJson(upstream, '/embeddings', body, { fetch, abort, firstByteMs: limits.upstreamFirstByteMs })
    const answer = await readAnswer(res, limits.upstreamIdleMs, abort)
    let vectors: unknown
    try {
      vectors = JSON.parse(answer)
    } catch {
      throw badAnswer('something that is not JSON')
    }
    if (!Array.isArray((vectors as { data?: unknown } | null)?.data)) throw badAnswer('JSON without a "data" list of embeddings')
    // Passed back as the upstream wrote it: re-encoding megabytes of numbers would only cost time.
    return new Response(answer, { headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } })
  })
}

/** Reads the whole answer, giving up when it stalls for `idleMs` or grows past ANSWER_BYTES. */
async function readAnswer(res: Response, idleMs: number, abort: AbortController): Promise<string> {
  if (!res.body) throw badAnswer('nothing')
  const reader = res.body.getReader()
  const decoder = new TextDecoder()
  const parts: string[] = []
  let size = 0
  let stall = setTimeout(() => abort.abort('idle'), idleMs)
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      clearTimeout(stall)
      stall = setTimeout(() => abort.abort('idle'), idleMs)
      size += value.byteLength
      if (size > ANSWER_BYTES) throw badAnswer(`more than ${ANSWER_BYTES / 1024 / 1024} MiB`)
      parts.push(decoder.decode(value, { stream: true }))
    }
  } catch (err) {
    void reader.cancel().catch(() => {})
    if (err instanceof ApiError) throw err
    if (abort.signal.reason === 'idle') throw new ApiError(504, 'upstream_timeout', `The embeddings service stopped sending its answer for ${idleMs / 1000} s. Try again.`)
    if (abort.signal.aborted) throw new ApiError(400, 'client_closed', 'The client closed the request.')
    throw new ApiError(502, 'upstream_unavailable', 'The embeddings service broke off its answer. Try again.')
  } finally {
    clearTimeout(stall)
  }
  parts.push(decoder.decode())
  return parts.join('')
}

const badAnswer = (what: string) => new ApiError(502, 'upstream_bad_response', `The embeddings service answered with ${what}. The operator should check EMBEDDINGS_BASE_URL.`)
