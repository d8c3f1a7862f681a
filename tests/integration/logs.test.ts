// The relay's log: one JSON object per API call, no query strings, no keys — even when an
// upstream's error quotes the key back.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { loadConfig } from '../../relay/config.ts'
import { startRelay, type RunningRelay } from '../../relay/node.ts'
import { startFakeLlm, type FakeLlm } from '../fakes/llm-upstream.ts'
import { chatBody, UPSTREAM_KEY } from './harness.ts'

let fake: FakeLlm
let relay: RunningRelay
const entries: Record<string, unknown>[] = []
beforeAll(async () => {
  fake = await startFakeLlm({ apiKey: 'the-right-key-but-not-this-one' })
  relay = await startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0', LLM_BASE_URL: fake.baseUrl, LLM_API_KEY: UPSTREAM_KEY, PARLEY_ACCESS_TOKEN: 'tok-secret-77' }), { distDir: null, log: (e) => entries.push(e) })
})
afterAll(async () => {
  await relay.close()
  await fake.close()
})

it('writes one structured line per API call, with no query string and no key anywhere', async () => {
  // The fake upstream refuses the key and quotes it back, as real providers do.
  const res = await fetch(`${relay.url}/api/v1/chat/completions?token=tok-secret-77&x=1`, { ...chatBody(), headers: { 'content-type': 'application/json', authorization: 'Bearer tok-secret-77' } })
  expect(res.status).toBe(502)
  await res.text()
  await fetch(`${relay.url}/api/health`)
  const lines = entries.map((e) => JSON.stringify(e))
  const call = entries.find((e) => e.msg === 'request' && e.path === '/api/v1/chat/completions')
  expect(call).toMatchObject({ level: 'error', method: 'POST', status: 502, ts: expect.any(String), ms: expect.any(Number) })
  expect(entries.find((e) => e.path === '/api/health')).toMatchObject({ level: 'info', status: 200 })
  for (const line of lines) {
    expect(line).not.toContain(UPSTREAM_KEY)
    expect(line).not.toContain(UPSTREAM_KEY.slice(0, 12))
    expect(line).not.toContain('tok-secret-77')
  }
})
