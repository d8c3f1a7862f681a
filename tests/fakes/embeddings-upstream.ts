/**
 * A stand-in for an OpenAI-compatible embeddings API (POST /v1/embeddings): a real HTTP server on
 * loopback that checks the key, answers with deterministic vectors (each word hashed into a
 * signed bucket, then normalized: texts that share words point the same way), as floats or as
 * OpenAI's base64 of little-endian float32 — or fails on request.
 *
 * Run directly it prints its URL and serves until killed: `tsx tests/fakes/embeddings-upstream.ts [port]`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { pathToFileURL } from 'node:url'
import { answerControl, json, readBody, serveFake, type ServedFake } from './http.ts'

export const FAKE_EMBEDDING_DIMENSIONS = 384

export type EmbeddingsScenario =
  /** A normal answer, its headers after `firstByteDelayMs`. */
  | { kind: 'reply'; firstByteDelayMs?: number }
  | { kind: 'status'; status: number; body?: unknown }
  /** Takes the request and never answers. */
  | { kind: 'hang' }
  /** Sends the headers and the start of the answer, then goes silent with the connection open. */
  | { kind: 'stall' }
  /** Answers 200 with broken JSON. */
  | { kind: 'malformed' }
  /** Answers 200 with JSON that holds no `data` list. */
  | { kind: 'no-data' }

export interface RecordedEmbeddingsRequest {
  path: string
  authorization: string | undefined
  body: Record<string, unknown> | undefined
}

export type FakeEmbeddings = ServedFake<EmbeddingsScenario> & { requests: RecordedEmbeddingsRequest[] }

/** The vector the fake gives `text`, each component already rounded to float32 (so float and base64 answers agree exactly). */
export function fakeEmbedding(text: string, dimensions = FAKE_EMBEDDING_DIMENSIONS): number[] {
  const v = new Array<number>(dimensions).fill(0)
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [text]
  for (const word of words) {
    const h = fnv1a(word)
    v[h % dimensions]! += h & 0x8000_0000 ? -1 : 1
  }
  const norm = Math.hypot(...v) || 1
  return v.map((x) => Math.fround(x / norm))
}

/** OpenAI's `encoding_format: "base64"`: the float32 values, little-endian, base64. */
export function base64Embedding(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4)
  vector.forEach((x, i) => bytes.writeFloatLE(x, i * 4))
  return bytes.toString('base64')
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5
  for (const byte of Buffer.from(s, 'utf8')) h = Math.imul(h ^ byte, 0x01000193) >>> 0
  return h
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const invalid = (res: ServerResponse, message: string, param: string | null = 'input') => json(res, 400, { error: { message, type: 'invalid_request_error', param, code: null } })

export async function startFakeEmbeddings(options: { apiKey?: string; port?: number } = {}): Promise<FakeEmbeddings> {
  const queue: EmbeddingsScenario[] = []
  const requests: RecordedEmbeddingsRequest[] = []
  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()))

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x')
    const raw = (await readBody(req)).toString('utf8')
    if (answerControl(res, url.pathname, raw, queue, requests)) return
    if (url.pathname !== '/v1/embeddings' || req.method !== 'POST') {
      return json(res, 404, { error: { message: `Unknown path ${url.pathname}`, type: 'invalid_request_error', code: null } })
    }
    let body: Record<string, unknown> | undefined
    try {
      body = JSON.parse(raw) as Record<string, unknown>
    } catch {
      body = undefined
    }
    requests.push({ path: url.pathname, authorization: req.headers.authorization, body })

    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      const given = (req.headers.authorization ?? '').replace(/^Bearer /, '')
      // As OpenAI does, it quotes the key it was given: the relay must not pass that on.
      return json(res, 401, { error: { message: `Incorrect API key provided: ${given}. You can find your API key at https://platform.openai.com/account/api-keys.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } })
    }
    if (!body) return invalid(res, 'We could not parse the JSON body of your request.', null)
    const input = body.input
    const texts = typeof input === 'string' ? [input] : input
    if (!Array.isArray(texts) || texts.length === 0 || !texts.every((t) => typeof t === 'string' && t.length > 0)) {
      return invalid(res, "'input' : input must be a non-empty string or an array of non-empty strings")
    }
    const dimensions = body.dimensions === undefined ? FAKE_EMBEDDING_DIMENSIONS : body.dimensions
    if (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1) return invalid(res, "'dimensions' must be a positive integer", 'dimensions')

    const s = queue.shift() ?? { kind: 'reply' }
    switch (s.kind) {
      case 'status':
        return json(res, s.status, s.body ?? { error: { message: `Simulated HTTP ${s.status}`, type: 'server_error', param: null, code: null } })
      case 'hang':
        return
      case 'stall':
        res.writeHead(200, { 'content-type': 'application/json' })
        return void res.write('{"object":"list","data":[')
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' })
        return res.end('{"object":"list","data":[{"embedding":[0.1,')
      case 'no-data':
        return json(res, 200, { object: 'list', model: body.model })
      case 'reply': {
        if (s.firstByteDelayMs) await sleep(s.firstByteDelayMs)
        const base64 = body.encoding_format === 'base64'
        const data = (texts as string[]).map((t, index) => {
          const vector = fakeEmbedding(t, dimensions)
          return { object: 'embedding', index, embedding: base64 ? base64Embedding(vector) : vector }
        })
        const tokens = (texts as string[]).reduce((n, t) => n + (t.match(/\S+/g)?.length ?? 1), 0)
        return json(res, 200, { object: 'list', data, model: body.model ?? 'fake-embedding', usage: { prompt_tokens: tokens, total_tokens: tokens } })
      }
    }
  }

  return { ...(await serveFake(server, options.port, queue, requests)), requests }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const fake = await startFakeEmbeddings({ port: Number(process.argv[2] ?? 0), apiKey: process.env.FAKE_EMBEDDINGS_API_KEY })
  console.log(fake.url)
}
