/**
 * Per-client counts shared by several relay processes on Node (PARLEY_REDIS_URL): each client's
 * window and stream-slot leases live in Redis, changed by small Lua scripts, so every
 * check-and-count is one atomic step on Redis's own clock. The client is ioredis: one
 * connection, scripts by EVALSHA (loaded again by EVAL when Redis has forgotten them).
 *
 * A command Redis does not answer within 250 ms fails (and `failOpen` lets the request through);
 * so does one sent while there is no connection: nothing waits for Redis to come back, and
 * nothing is sent again later (a late slot would be held by no one until its lease ran out).
 * Slots are named, so a release frees the one it took.
 */
import { randomUUID } from 'node:crypto'
import { Redis, type Result } from 'ioredis'
import type { RateStore } from '../../limits/rate-limit.ts'

const HIT = `local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {c, redis.call('PTTL', KEYS[1])}`

/** Slots are a sorted set of named leases scored by when they run out; expired ones go first. */
const ACQUIRE = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`

declare module 'ioredis' {
  interface RedisCommander<Context> {
    parleyHit(key: string, windowMs: number): Result<[number, number], Context>
    parleyAcquire(key: string, max: number, leaseMs: number, slot: string): Result<number, Context>
  }
}

const COMMAND_MS = 250
const RECONNECT_MS = 1000
/** Commands sent and not answered: beyond this Redis is hung, and the connection is dropped. */
const MAX_PENDING = 10_000

/** ioredis's options for a redis:// or rediss:// URL; %-escapes in the user and password are decoded. */
function connectionOptions(url: URL) {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  return {
    host,
    port: Number(url.port || 6379),
    username: decodeURIComponent(url.username) || undefined,
    password: decodeURIComponent(url.password) || undefined,
    db: Number(url.pathname.slice(1) || 0),
    tls: url.protocol === 'rediss:' ? { servername: host } : undefined,
  }
}

/** Its failures are the caller's to handle (`failOpen`). */
export class RedisRateStore implements RateStore {
  private readonly redis: Redis
  private closed = false
  /** Why the last connection failed (a refused password, say), for the next command's error. */
  private lastError = ''
  private opening: Promise<void> | undefined

  constructor(
    url: string,
    /** How long a slot may be held without a release; longer than any stream or session. */
    private readonly leaseMs: number,
  ) {
    this.redis = new Redis({
      ...connectionOptions(new URL(url)),
      commandTimeout: COMMAND_MS,
      // No queue while disconnected, no resending after a reconnect: a command fails now instead.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: () => RECONNECT_MS,
    })
    this.redis.defineCommand('parleyHit', { numberOfKeys: 1, lua: HIT })
    this.redis.defineCommand('parleyAcquire', { numberOfKeys: 1, lua: ACQUIRE })
    // Reported through the commands that fail (failOpen logs them); an unheard error would be printed.
    this.redis.on('error', (err: Error) => void (this.lastError = err.message))
    this.redis.on('ready', () => void (this.lastError = ''))
  }

  async hit(key: string, windowMs: number) {
    const [count, ttl] = await this.command(() => this.redis.parleyHit(`parley:rate:${key}`, windowMs))
    return { count, resetInMs: ttl > 0 ? ttl : windowMs }
  }

  async acquire(key: string, max: number) {
    const slot = randomUUID()
    return (await this.command(() => this.redis.parleyAcquire(`parley:streams:${key}`, max, this.leaseMs, slot))) === 1 ? slot : null
  }

  async release(key: string, slot: string) {
    // Streams still ending while the relay shuts down: nothing left to count.
    if (this.closed) return
    await this.command(() => this.redis.zrem(`parley:streams:${key}`, slot))
  }

  /** For good: streams still ending after this (a relay shutting down) count nothing. */
  close() {
    this.closed = true
    this.redis.disconnect()
  }

  /** Runs a command now, or once the connection being opened is ready, all within COMMAND_MS. */
  private async command<T>(send: () => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the rate store is closed')
    const { status } = this.redis
    if (status === 'ready') {
      if (this.redis.commandQueue.length >= MAX_PENDING) {
        this.redis.disconnect(true)
        throw new Error('Redis is not answering')
      }
      return send()
    }
    if (status !== 'connecting' && status !== 'connect') throw new Error(`Redis is unreachable${this.lastError ? ` (${this.lastError})` : ''}; retrying shortly`)
    // A command whose time ran out while it waited is never sent.
    let late = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        late = true
        reject(new Error(`Redis did not answer within ${COMMAND_MS} ms`))
      }, COMMAND_MS)
    })
    const sent = this.opened().then(() => {
      if (late) throw new Error('too late')
      return send()
    })
    return Promise.race([sent, deadline]).finally(() => clearTimeout(timer))
  }

  /** Settles once the connection being opened is ready, or has failed; one wait for every command. */
  private opened(): Promise<void> {
    this.opening ??= new Promise<void>((resolve, reject) => {
      const ready = () => done()
      const failed = (err: Error) => done(new Error(`Redis refused the connection: ${err.message}`))
      const closed = () => done(new Error(`the connection to Redis closed${this.lastError ? ` (${this.lastError})` : ''}`))
      const done = (err?: Error) => {
        this.opening = undefined
        this.redis.off('ready', ready).off('error', failed).off('close', closed)
        if (err) reject(err)
        else resolve()
      }
      this.redis.once('ready', ready).once('error', failed).once('close', closed)
    })
    return this.opening
  }
}
