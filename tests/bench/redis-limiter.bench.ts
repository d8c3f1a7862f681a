/**
 * The per-client limiter's own cost with its counts in Redis (PARLEY_REDIS_URL), against a real
 * local redis-server: what `admit` adds to a request (one window count) and to a stream (the count,
 * a slot taken, the slot given back), one at a time and with many clients at once. The in-memory
 * store runs the same loops as the floor. Needs redis-server (Debian: redis-server).
 */
import { admit, failOpen, MemoryRateStore, type Limits, type RateStore } from '../../relay/limits/rate-limit.ts'
import { RedisRateStore } from '../../relay/runtime/node/redis-rate-store.ts'
import { startRedis } from '../fakes/redis-server.ts'
import { type Benchmark, markdownTable, summarize } from './harness.ts'

const SEQUENTIAL = 4000
const CONCURRENT = { clients: 100, requests: 20_000 }
const PASSWORD = 'bench-redis-pass'

/** Limits that never refuse: every call does the full work of an admitted request. */
const limitsOf = (store: RateStore): Limits => ({ store, perMinute: 1e9, maxStreams: 1e6 })

async function admitted(limits: Limits, key: string, stream: boolean) {
  const a = await admit(limits, key, stream)
  if (!('release' in a)) throw new Error(`refused: ${a.message}`)
  await a.release()
}

/** µs per call, one call at a time. */
async function sequential(limits: Limits, stream: boolean): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < SEQUENTIAL; i++) {
    const t = performance.now()
    await admitted(limits, `seq-${i % 50}`, stream)
    times.push((performance.now() - t) * 1000)
  }
  return times
}

/** Streams admitted and released per second with `clients` clients at once, each its own key. */
async function concurrent(limits: Limits): Promise<number> {
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENT.clients }, async (_, c) => {
      while (next++ < CONCURRENT.requests) await admitted(limits, `client-${c}`, true)
    }),
  )
  return CONCURRENT.requests / ((performance.now() - t0) / 1000)
}

async function measure(limits: Limits) {
  // Warm the connection, the script cache and the JIT first.
  for (let i = 0; i < 500; i++) await admitted(limits, 'warm', true)
  const request = summarize(await sequential(limits, false))
  const stream = summarize(await sequential(limits, true))
  const perSecond = await concurrent(limits)
  return { request, stream, perSecond }
}

export const redisLimiter: Benchmark = {
  name: 'redis-limiter',
  async run() {
    const port = 21000 + Math.floor(Math.random() * 20000)
    const redis = await startRedis(port, PASSWORD)
    const store = new RedisRateStore(`redis://:${PASSWORD}@127.0.0.1:${port}/1`, 60_000)
    // As the relay runs it (failOpen), counting the calls that failed (over 250 ms, say) and went through unlimited.
    let failed = 0
    const count = <T>(work: Promise<T>) => work.catch((err: unknown) => (failed++, Promise.reject(err)))
    const counted: RateStore = { hit: (k, w) => count(store.hit(k, w)), acquire: (k, m) => count(store.acquire(k, m)), release: (k, s) => count(store.release(k, s)) }
    try {
      const redis = { ...(await measure(limitsOf(failOpen(counted, () => {})))), failed }
      const results = { redis, memory: { ...(await measure(limitsOf(new MemoryRateStore()))), failed: 0 } }
      const us = (v: number) => `${v.toFixed(0)} µs`
      const row = (name: string, r: (typeof results)['redis']) => [name, us(r.request.p50), us(r.request.p99), us(r.stream.p50), us(r.stream.p99), Math.round(r.perSecond), r.failed]
      const table = markdownTable(
        ['store', 'request p50', 'request p99', 'stream p50', 'stream p99', `streams/s, ${CONCURRENT.clients} clients`, 'calls failed open'],
        [row('Redis (local redis-server)', results.redis), row('memory (floor)', results.memory)],
      )
      return { name: 'redis-limiter', data: results, table: `${table}\n\nrequest: one window count; stream: count + slot taken + slot released. ${SEQUENTIAL} sequential calls each, then ${CONCURRENT.requests} streams from ${CONCURRENT.clients} clients at once.` }
    } finally {
      store.close()
      redis.kill()
    }
  },
}
