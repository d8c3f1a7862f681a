import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig, type Env } from '../../relay/config.ts'
import { startRelay, type RunningRelay } from '../../relay/node.ts'
import { fakeEmbedding, startFakeEmbeddings, type FakeEmbeddings } from '../fakes/embeddings-upstream.ts'
import { expectApiError } from './harness.ts'

const KEY = 'sk-embed-test-5d2c8a1f7e3b9c4d6a0e'
const WRONG_KEY = 'sk-embed-wrong-1a2b3c4d5e6f7a8b9c0d'
const TOKEN = 'parley-embeddings-token-42'
const MODEL = 'text-embedding-3-small'

let fake: FakeEmbeddings
let relay: RunningRelay
const extra: RunningRelay[] = []
let logs: Record<string, unknown>[] = []

const start = (env: Env) =>
  startRelay(
    loadConfig({ HOST: '127.0.0.1', PORT: '0', ...env }, { upstreamFirstByteMs: 500, upstreamIdleMs: 500, embeddingsBodyBytes: 64 * 1024, embeddingsInputs: 8, embeddingsInputChars: 200 }),
    { distDir: null, log: (e) => logs.push(e) },
  )
/** Another relay for one test, closed with the rest. */
async function relayFor(env: Env) {
  const r = await start(env)
  extra.push(r)
  return r
}
const withFake = (): Env => ({ EMBEDDINGS_BASE_URL: fake.baseUrl, EMBEDDINGS_API_KEY: KEY })

beforeAll(async () => {
  fake = await startFakeEmbeddings({ apiKey: KEY })
  relay = await start(withFake())
})
afterAll(async () => {
  await Promise.all([relay, ...extra].map((r) => r.close()))
  await fake.close()
})
beforeEach(() => {
  fake.reset()
  logs = []
})

const embed = (body: unknown, r = relay, headers: Record<string, string> = {}) =>
  fetch(`${r.url}/api/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) })

const expectError = async (res: Response, status: number, code: string) => (await expectApiError(res, status, code, [KEY, WRONG_KEY])).message

async function openAiClient(r: RunningRelay, apiKey = 'x') {
  const { default: OpenAI } = await import('openai')
  return new OpenAI({ baseURL: `${r.url}/api/v1`, apiKey, maxRetries: 0 })
}

describe('POST /api/v1/embeddings', () => {
  it('works with the official openai client: one text, with the key injected and base64 decoded to the same vector', async () => {
    const client = await openAiClient(relay)
    const out = await client.embeddings.create({ model: MODEL, input: 'Hello Parley, embed this.' })
    expect(out.data).toHaveLength(1)
    expect(out.data[0]!.embedding).toEqual(fakeEmbedding('Hello Parley, embed this.'))
    expect(out.usage.total_tokens).toBeGreaterThan(0)
    // The client asks for base64 unless told otherwise; the relay passes that on, and the key.
    expect(fake.requests[0]).toEqual({ path: '/v1/embeddings', authorization: `Bearer ${KEY}`, body: { model: MODEL, input: 'Hello Parley, embed this.', encoding_format: 'base64' } })
  })

  it('works with the official openai client: several texts, each at its index', async () => {
    const client = await openAiClient(relay)
    const texts = ['the cat sat', 'on the mat', 'a different sentence entirely']
    const out = await client.embeddings.create({ model: MODEL, input: texts })
    expect(out.data.map((d) => d.index)).toEqual([0, 1, 2])
    out.data.forEach((d, i) => expect(d.embedding).toEqual(fakeEmbedding(texts[i]!)))
    const floats = await client.embeddings.create({ model: MODEL, input: texts, encoding_format: 'float' })
    expect(floats.data.map((d) => d.embedding)).toEqual(out.data.map((d) => d.embedding))
  })

  it('takes the default model, passes dimensions and user on, and forwards nothing it did not check', async () => {
    const res = await embed({ input: ['one two'], dimensions: 64, user: 'u-1', encoding_format: 'float', temperature: 2, extra_body: { x: 1 } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('application/json')
    const body = (await res.json()) as { object: string; data: { embedding: number[] }[]; model: string }
    expect(body).toMatchObject({ object: 'list', model: MODEL })
    expect(body.data[0]!.embedding).toEqual(fakeEmbedding('one two', 64))
    expect(fake.requests[0]!.body).toEqual({ model: MODEL, input: ['one two'], dimensions: 64, user: 'u-1', encoding_format: 'float' })
  })

  it('refuses a model it does not offer', async () => {
    expect(await expectError(await embed({ model: 'text-embedding-3-large', input: 'x' }), 404, 'model_not_found')).toContain(MODEL)
    expect(fake.requests).toHaveLength(0)
  })

  it('refuses bad input before it costs anything', async () => {
    for (const input of [undefined, '', [], ['fine', ''], 5, null, { text: 'x' }]) {
      await expectError(await embed({ input }), 400, 'invalid_request')
    }
    // Token ids are OpenAI's too, but not the relay's: it says to send the text.
    for (const input of [[1, 2, 3], [[1, 2], [3]]]) expect(await expectError(await embed({ input }), 400, 'invalid_request')).toMatch(/send the text/)
    expect(await expectError(await embed({ input: Array.from({ length: 9 }, (_, i) => `text ${i}`) }), 413, 'too_many_inputs')).toMatch(/at most 8 texts/)
    expect(await expectError(await embed({ input: 'a'.repeat(201) }), 413, 'input_too_long')).toMatch(/^input: at most 200 characters/)
    expect(await expectError(await embed({ input: ['ok', 'a'.repeat(201)] }), 413, 'input_too_long')).toMatch(/^input\.1: /)
    await expectError(await embed({ input: 'x', encoding_format: 'int8' }), 400, 'invalid_request')
    await expectError(await embed({ input: 'x', dimensions: 0 }), 400, 'invalid_request')
    await expectError(await embed({ input: 'x', dimensions: 1.5 }), 400, 'invalid_request')
    await expectError(await embed('{"input": '), 400, 'invalid_json')
    expect(fake.requests).toHaveLength(0)
  })

  it('refuses an oversize body and a body that is not JSON', async () => {
    expect(await expectError(await embed({ input: 'word '.repeat(20_000) }), 413, 'body_too_large')).toMatch(/64 KiB/)
    const form = await fetch(`${relay.url}/api/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' })
    await expectError(form, 415, 'unsupported_media_type')
    expect(fake.requests).toHaveLength(0)
  })

  it('maps an upstream 401 to 502 without the key, in the answer or the log', async () => {
    const wrong = await relayFor({ EMBEDDINGS_BASE_URL: fake.baseUrl, EMBEDDINGS_API_KEY: WRONG_KEY })
    const message = await expectError(await embed({ input: 'x' }, wrong), 502, 'upstream_auth_failed')
    expect(message).toMatch(/EMBEDDINGS_API_KEY/)
    expect(fake.requests[0]!.authorization).toBe(`Bearer ${WRONG_KEY}`)
    const logged = JSON.stringify(logs)
    expect(logged).not.toContain(WRONG_KEY)
    expect(logged).not.toContain(WRONG_KEY.slice(0, 12))
  })

  it('maps upstream failures: 500 and bad answers → 502, 429 → 429', async () => {
    fake.next({ kind: 'status', status: 500 }, { kind: 'status', status: 429 }, { kind: 'malformed' }, { kind: 'no-data' })
    await expectError(await embed({ input: 'x' }), 502, 'upstream_error')
    await expectError(await embed({ input: 'x' }), 429, 'upstream_rate_limited')
    expect(await expectError(await embed({ input: 'x' }), 502, 'upstream_bad_response')).toMatch(/not JSON/)
    expect(await expectError(await embed({ input: 'x' }), 502, 'upstream_bad_response')).toMatch(/"data"/)
  })

  it('times out an upstream that does not answer, answers late or stalls mid-answer', async () => {
    fake.next({ kind: 'hang' }, { kind: 'reply', firstByteDelayMs: 1500 }, { kind: 'stall' })
    for (let i = 0; i < 3; i++) await expectError(await embed({ input: 'x' }), 504, 'upstream_timeout')
    expect(fake.requests).toHaveLength(3)
  })

  it('says what to do when no service is configured', async () => {
    const bare = await relayFor({})
    const message = await expectError(await embed({ input: 'x' }, bare), 503, 'embeddings_not_configured')
    expect(message).toMatch(/Embed on this device/)
    expect(message).toMatch(/EMBEDDINGS_BASE_URL/)
  })

  it('requires the access token when the relay has one; the openai client sends it as its key', async () => {
    const guarded = await relayFor({ ...withFake(), PARLEY_ACCESS_TOKEN: TOKEN })
    await expectError(await embed({ input: 'x' }, guarded), 401, 'access_token_required')
    await expectError(await embed({ input: 'x' }, guarded, { authorization: 'Bearer nope' }), 401, 'access_token_invalid')
    expect(fake.requests).toHaveLength(0)
    const out = await (await openAiClient(guarded, TOKEN)).embeddings.create({ model: MODEL, input: 'let me in' })
    expect(out.data[0]!.embedding).toEqual(fakeEmbedding('let me in'))
    // The upstream gets the operator's key, never the client's token.
    expect(fake.requests[0]!.authorization).toBe(`Bearer ${KEY}`)
  })

  it('GET /api/config says whether embeddings are available, and which model, and nothing of the upstream', async () => {
    const text = await (await fetch(`${relay.url}/api/config`)).text()
    expect(JSON.parse(text).embeddings).toEqual({ available: true, model: MODEL })
    expect(text).not.toContain(KEY)
    expect(text).not.toContain(fake.url)
    const bare = await relayFor({})
    expect((await (await fetch(`${bare.url}/api/config`)).json()).embeddings).toEqual({ available: false })
  })
})
