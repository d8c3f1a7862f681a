import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startFakeLlm } from '../fakes/llm-upstream.ts'
import { chatBody, expectApiError, readChunks, startStack, UPSTREAM_KEY, type Stack } from './harness.ts'

let stack: Stack
beforeAll(async () => {
  stack = await startStack({ limits: { chatBodyBytes: 64 * 1024 } })
})
afterAll(() => stack.close())
beforeEach(() => stack.fake.reset())

const expectError = (res: Response, status: number, code: string) => expectApiError(res, status, code)

const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  stack.api('/api/v1/chat/completions', { method: 'POST', headers, body })

describe('bad requests get an OpenAI-shaped error that says what to fix', () => {
  it('invalid JSON → 400', async () => {
    const e = await expectError(await post('{"messages": [}'), 400, 'invalid_json')
    expect(e.message).toMatch(/not valid JSON/)
  })

  it('an empty body or a non-object → 400', async () => {
    await expectError(await post(''), 400, 'invalid_json')
    await expectError(await post('[1,2]'), 400, 'invalid_json')
  })

  it('missing or malformed messages → 400 naming the field', async () => {
    expect((await expectError(await post('{}'), 400, 'invalid_request')).message).toMatch(/^messages:/)
    expect((await expectError(await post('{"messages":[]}'), 400, 'invalid_request')).message).toMatch(/at least one/)
    expect((await expectError(await post('{"messages":"hi"}'), 400, 'invalid_request')).message).toMatch(/^messages:/)
    const e = await expectError(await post('{"messages":[{"role":"wizard","content":"x"}]}'), 400, 'invalid_request')
    expect(e.message).toMatch(/^messages\.0\.role:/)
    await expectError(await post('{"messages":[{"role":"user","content":"x"}],"stream":"yes"}'), 400, 'invalid_request')
  })

  it('an unknown or disallowed model → 404 listing the allowed ones', async () => {
    const e = await expectError(await stack.api('/api/v1/chat/completions', chatBody({ model: 'gpt-5-ultra' })), 404, 'model_not_found')
    expect(e.message).toContain('fake-model, other-model')
    expect(stack.fake.requests).toHaveLength(0)
  })

  it('a body over the limit → 413, whether or not it declares its length', async () => {
    const big = JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(100 * 1024) }] })
    await expectError(await post(big), 413, 'body_too_large')
    const chunked = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(big))
        c.close()
      },
    })
    const res = await stack.api('/api/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chunked,
      duplex: 'half',
    } as RequestInit)
    await expectError(res, 413, 'body_too_large')
  })

  it('a non-JSON content type → 415', async () => {
    await expectError(await post('messages=hi', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type')
  })

  it('an unknown API path → 404 JSON, not the SPA', async () => {
    await expectError(await stack.api('/api/v1/nope'), 404, 'not_found')
  })
})

describe('upstream failures map to clear errors', () => {
  it('upstream 400 → 400 with its message', async () => {
    stack.fake.next({ kind: 'status', status: 400, body: { error: { message: 'max_tokens is too large', type: 'invalid_request_error' } } })
    const e = await expectError(await stack.api('/api/v1/chat/completions', chatBody()), 400, 'upstream_rejected')
    expect(e.message).toContain('max_tokens is too large')
  })

  it('upstream 429 → 429 with Retry-After', async () => {
    stack.fake.next({ kind: 'status', status: 429, headers: { 'retry-after': '7' } })
    const res = await stack.api('/api/v1/chat/completions', chatBody({ stream: true }))
    expect(res.headers.get('retry-after')).toBe('7')
    await expectError(res, 429, 'upstream_rate_limited')
  })

  it('upstream 500 and 503 → 502', async () => {
    stack.fake.next({ kind: 'status', status: 500 }, { kind: 'status', status: 503, body: 'overloaded' })
    await expectError(await stack.api('/api/v1/chat/completions', chatBody()), 502, 'upstream_error')
    await expectError(await stack.api('/api/v1/chat/completions', chatBody({ stream: true })), 502, 'upstream_error')
  })

  it('an upstream redirect is not followed → 502', async () => {
    stack.fake.next({ kind: 'status', status: 307, headers: { location: 'http://127.0.0.1:9/steal' } })
    await expectError(await stack.api('/api/v1/chat/completions', chatBody()), 502, 'upstream_redirected')
    expect(stack.fake.requests).toHaveLength(1)
  })

  it('an upstream that never answers → 504', async () => {
    stack.fake.next({ kind: 'hang' })
    await expectError(await stack.api('/api/v1/chat/completions', chatBody({ stream: true })), 504, 'upstream_timeout')
  })

  it('an upstream that answers garbage → 502', async () => {
    stack.fake.next({ kind: 'garbage' }, { kind: 'garbage' })
    await expectError(await stack.api('/api/v1/chat/completions', chatBody({ stream: true })), 502, 'upstream_bad_response')
    await expectError(await stack.api('/api/v1/chat/completions', chatBody()), 502, 'upstream_bad_response')
  })

  it('an upstream that is down → 502', async () => {
    const gone = await startFakeLlm()
    await gone.close()
    const down = await startStack({ env: { LLM_BASE_URL: gone.baseUrl } })
    try {
      const e = await expectError(await down.api('/api/v1/chat/completions', chatBody({ stream: true })), 502, 'upstream_unavailable')
      expect(e.message).toMatch(/LLM_BASE_URL/)
    } finally {
      await down.close()
    }
  })

  it('an upstream that rejects the key → 502 naming the setting, without quoting the key', async () => {
    const wrong = await startStack({ env: { LLM_API_KEY: `${UPSTREAM_KEY}-revoked` } })
    try {
      const e = await expectError(await wrong.api('/api/v1/chat/completions', chatBody()), 502, 'upstream_auth_failed')
      expect(e.message).toContain('LLM_API_KEY')
      expect(e.message).not.toContain(UPSTREAM_KEY.slice(0, 12))
      expect(e.message).toContain('[redacted]')
    } finally {
      await wrong.close()
    }
  })

  it('keeps serving after all of the above', async () => {
    const res = await stack.api('/api/v1/chat/completions', chatBody({ stream: true }))
    expect(res.status).toBe(200)
    expect((await readChunks(res)).text).toContain('[DONE]')
  })
})

describe('no LLM configured', () => {
  it('answers 503 llm_not_configured and says how to configure one', async () => {
    const bare = await startStack({ env: { LLM_BASE_URL: '', LLM_API_KEY: '', LLM_MODEL: '', LLM_MODELS: '' } })
    try {
      const e = await expectError(await bare.api('/api/v1/chat/completions', chatBody()), 503, 'llm_not_configured')
      expect(e.message).toContain('LLM_BASE_URL')
      const config = (await (await bare.api('/api/config')).json()) as { llm: { available: boolean } }
      expect(config.llm.available).toBe(false)
    } finally {
      await bare.close()
    }
  })
})
