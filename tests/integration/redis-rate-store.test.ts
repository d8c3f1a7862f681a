// Several relay processes on Node sharing their per-client counts through a real Redis server
// (redis-server, from Debian's packages): a client is counted once across instances; a slot
// whose holder vanished frees itself; a Redis that is down or refuses the password lets requests
// through and says so in the log — without the password.
import type { ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig, ConfigError } from '../../relay/config.ts'
import { startRelay, type RunningRelay } from '../../relay/node.ts'
import { RedisRateStore } from '../../relay/runtime/node/redis-rate-store.ts'
import { startFakeLlm, type FakeLlm } from '../fakes/llm-upstream.ts'
import { startRedis } from '../fakes/redis-server.ts'
import { chatBody, UPSTREAM_KEY } from './harness.ts'

const PASSWORD = 'redis-pass-5e1f9c'
const port = 21000 + Math.floor(Math.random() * 20000)
const url = `redis://:${PASSWORD}@127.0.0.1:${port}/2`

let redis: ChildProcess | undefined
let llm: FakeLlm
const relays: RunningRelay[] = []

async function relay(env: Record<string, string>, log: (e: Record<string, unknown>) => void = () => {}) {
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', LLM_BASE_URL: llm.baseUrl, LLM_API_KEY: UPSTREAM_KEY, LLM_MODEL: 'fake-model', ...env })
  const r = await startRelay(config, { distDir: null, log })
  relays.push(r)
  return (path: string, init?: RequestInit) => fetch(`${r.url}${path}`, init)
}

beforeAll(async () => {
  redis = await startRedis(port, PASSWORD)
  llm = await startFakeLlm({ apiKey: UPSTREAM_KEY, chunkDelayMs: 5 })
})
afterAll(async () => {
  await Promise.all(relays.map((r) => r.close()))
  await llm.close()
  redis?.kill()
})

describe('limits shared through Redis (PARLEY_REDIS_URL)', () => {
  it('counts a client once across two relay instances: streams at once and requests per minute', async () => {
    const env = { PARLEY_REDIS_URL: url, PARLEY_RATE_LIMIT: '5', PARLEY_MAX_STREAMS: '1' }
    // Every request counts against the minute, refused ones too: keep the tally.
    let sent = 0
    const counted = (api: Awaited<ReturnType<typeof relay>>) => (path: string, init?: RequestInit) => (sent++, api(path, init))
    const a = counted(await relay(env))
    const b = counted(await relay(env))
    llm.next({ kind: 'reply', chunkDelayMs: 60 })
    const held = await a('/api/v1/chat/completions', chatBody({ stream: true }))
    expect(held.status).toBe(200)
    const busy = await b('/api/v1/chat/completions', chatBody({ stream: true }))
    expect(busy.status).toBe(429)
    expect((await busy.json()).error.code).toBe('too_many_streams')
    await held.text()
    // The release reaches Redis from a's connection, the next request from b's: allow a moment.
    let again = await b('/api/v1/chat/completions', chatBody({ stream: true }))
    if (again.status === 429) {
      await new Promise((r) => setTimeout(r, 100))
      again = await b('/api/v1/chat/completions', chatBody({ stream: true }))
    }
    expect(again.status).toBe(200)
    await again.text()
    // The allowance of five runs out across both instances, whichever a request reaches.
    while (sent < 5) expect((await (sent % 2 ? a : b)('/api/v1/chat/completions', chatBody())).status).toBe(200)
    const limited = await a('/api/v1/chat/completions', chatBody())
    expect(limited.status).toBe(429)
    expect((await limited.json()).error.code).toBe('rate_limited')
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(50)
  })

  it('frees a slot whose holder never gave it back once its lease runs out; a late release frees only its own', async () => {
    const store = new RedisRateStore(url, 300)
    try {
      const lost = await store.acquire('lease-test', 1)
      expect(lost).toBeTruthy()
      expect(await store.acquire('lease-test', 1)).toBeNull()
      await new Promise((r) => setTimeout(r, 400))
      const next = await store.acquire('lease-test', 1)
      expect(next).toBeTruthy()
      // The first holder speaks up after its lease ran out: the second's slot stays taken.
      await store.release('lease-test', lost!)
      expect(await store.acquire('lease-test', 1)).toBeNull()
      await store.release('lease-test', next!)
      expect(await store.acquire('lease-test', 1)).toBeTruthy()
    } finally {
      store.close()
    }
  })

  it('lets requests through when Redis refuses the password, and says so once without it', async () => {
    const lines: Record<string, unknown>[] = []
    const api = await relay({ PARLEY_REDIS_URL: `redis://:wrong-${PASSWORD}@127.0.0.1:${port}`, PARLEY_RATE_LIMIT: '1' }, (e) => lines.push(e))
    for (let i = 0; i < 3; i++) expect((await api('/api/v1/chat/completions', chatBody())).status).toBe(200)
    const failures = lines.filter((l) => l.msg === 'rate store unavailable: requests are let through without limits')
    expect(failures).toHaveLength(1)
    expect(JSON.stringify(lines)).not.toContain(PASSWORD)
  })

  it('keeps serving while Redis is down, and counts again once it is back', async () => {
    const lines: Record<string, unknown>[] = []
    const api = await relay({ PARLEY_REDIS_URL: url, PARLEY_RATE_LIMIT: '1' }, (e) => lines.push(e))
    redis!.kill()
    await new Promise((r) => redis!.once('exit', r))
    for (let i = 0; i < 3; i++) expect((await api('/api/v1/chat/completions', chatBody())).status).toBe(200)
    expect(lines.some((l) => l.msg === 'rate store unavailable: requests are let through without limits')).toBe(true)
    redis = await startRedis(port, PASSWORD)
    // It reconnects (at most once a second); the fresh server counts from zero.
    let status = 200
    for (let i = 0; i < 40 && status !== 429; i++) {
      await new Promise((r) => setTimeout(r, 100))
      status = (await api('/api/v1/chat/completions', chatBody())).status
    }
    expect(status).toBe(429)
  })

  it('names a bad PARLEY_REDIS_URL without echoing it (it may hold a password)', () => {
    let problem: ConfigError | undefined
    try {
      loadConfig({ PARLEY_REDIS_URL: `http://:${PASSWORD}@example.com` })
    } catch (err) {
      problem = err as ConfigError
    }
    expect(problem).toBeInstanceOf(ConfigError)
    expect(problem!.message).toContain('PARLEY_REDIS_URL: expected a redis:// URL')
    expect(problem!.message).not.toContain(PASSWORD)
    expect(() => loadConfig({ PARLEY_REDIS_URL: `redis://:${PASSWORD}%zz@127.0.0.1` })).toThrow(/PARLEY_REDIS_URL: its user name or password has a broken %-escape/)
  })
})
