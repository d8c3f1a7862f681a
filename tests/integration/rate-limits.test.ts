// Per-client limits on the real relay: requests per minute and streams at once, refused with 429
// and Retry-After; a stream's slot comes back when it ends, however it ends.
import { describe, expect, it } from 'vitest'
import { chatBody, startStack } from './harness.ts'

describe('rate limits', () => {
  it('refuses the request over the minute’s allowance with 429 and Retry-After', async () => {
    const stack = await startStack({ env: { PARLEY_RATE_LIMIT: '3' } })
    try {
      for (let i = 0; i < 3; i++) expect((await stack.api('/api/v1/avatar/models')).status).toBe(200)
      const res = await stack.api('/api/v1/avatar/models')
      expect(res.status).toBe(429)
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
      expect((await res.json()).error).toMatchObject({ code: 'rate_limited', type: 'rate_limit_error' })
      // Health and the page are not API calls: never limited.
      expect((await stack.api('/api/health')).status).toBe(200)
    } finally {
      await stack.close()
    }
  })

  it('holds a slot per stream until it ends, and gives it back after a client abort too', async () => {
    const stack = await startStack({ env: { PARLEY_MAX_STREAMS: '1' }, fake: { chunkDelayMs: 30 } })
    try {
      const first = await stack.api('/api/v1/chat/completions', chatBody({ stream: true }))
      expect(first.status).toBe(200)
      const second = await stack.api('/api/v1/chat/completions', chatBody({ stream: true }))
      expect(second.status).toBe(429)
      expect((await second.json()).error.code).toBe('too_many_streams')
      await first.text()
      const third = await stack.api('/api/v1/chat/completions', chatBody({ stream: true }))
      expect(third.status).toBe(200)
      // Walk away mid-stream: the slot is released.
      await third.body!.cancel()
      await new Promise((r) => setTimeout(r, 100))
      const fourth = await stack.api('/api/v1/chat/completions', chatBody({ stream: true }))
      expect(fourth.status).toBe(200)
      await fourth.text()
    } finally {
      await stack.close()
    }
  })

  it('uses the first X-Forwarded-For address only when told to trust the proxy', async () => {
    const trusting = await startStack({ env: { PARLEY_RATE_LIMIT: '1', PARLEY_TRUST_PROXY: 'true' } })
    const plain = await startStack({ env: { PARLEY_RATE_LIMIT: '1' } })
    try {
      const as = (s: typeof plain, ip: string) => s.api('/api/v1/avatar/models', { headers: { 'x-forwarded-for': `${ip}, 10.0.0.1` } })
      expect((await as(trusting, '203.0.113.1')).status).toBe(200)
      expect((await as(trusting, '203.0.113.2')).status).toBe(200)
      expect((await as(trusting, '203.0.113.1')).status).toBe(429)
      // Not trusted: the header cannot buy a fresh allowance.
      expect((await as(plain, '203.0.113.1')).status).toBe(200)
      expect((await as(plain, '203.0.113.2')).status).toBe(429)
    } finally {
      await trusting.close()
      await plain.close()
    }
  })

  it('names a bad limit setting at start-up', async () => {
    await expect(startStack({ env: { PARLEY_RATE_LIMIT: 'lots' } })).rejects.toThrow(/PARLEY_RATE_LIMIT: expected requests per minute per client/)
  })
})
