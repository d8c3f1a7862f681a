/**
 * Per-client counts shared by several relay processes on Node (PARLEY_REDIS_URL): each client's
 * window and stream-slot leases live in Redis, changed by small Lua scripts, so every
 * check-and-count is one atomic step on Redis's own clock. One connection, commands pipelined.
 *
 * A command Redis does not answer within 250 ms fails (and `failOpen` lets the request through).
 * Slots are named, so a release frees the one it took.
 */
import { randomUUID } from 'node:crypto'
import net from 'node:net'
import tls from 'node:tls'
import type { RateStore } from '../../limits/rate-limit.ts'
import { parseReply, respCommand, type Reply } from './resp.ts'

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

const COMMAND_MS = 250
const RECONNECT_MS = 1000
const MAX_PENDING = 10_000

interface Waiter {
  settle(reply: Reply | Error): void
}

/** A minimal Redis client: what the store needs, no more. */
class RedisConnection {
  private socket: net.Socket | undefined
  private waiting: Waiter[] = []
  private buffer: Buffer = Buffer.alloc(0)
  private lastAttempt = 0
  private closed = false

  constructor(private readonly url: URL) {}

  command(args: (string | number)[]): Promise<Reply> {
    if (this.closed) return Promise.reject(new Error('the rate store is closed'))
    const socket = this.connection()
    if (!socket) return Promise.reject(new Error('Redis is unreachable (retrying shortly)'))
    if (this.waiting.length >= MAX_PENDING) {
      socket.destroy()
      return Promise.reject(new Error('Redis is not answering'))
    }
    return new Promise((resolve, reject) => {
      // A late answer still takes its place in the queue; it just settles nothing.
      let done = false
      const timer = setTimeout(() => settle(new Error(`Redis did not answer within ${COMMAND_MS} ms`)), COMMAND_MS)
      const settle = (reply: Reply | Error) => {
        if (done) return
        done = true
        clearTimeout(timer)
        if (reply instanceof Error) reject(reply)
        else resolve(reply)
      }
      this.waiting.push({ settle })
      socket.write(respCommand(args))
    })
  }

  /** For good: streams still ending after this (a relay shutting down) count nothing. */
  close() {
    this.closed = true
    this.socket?.destroy()
  }

  private connection(): net.Socket | undefined {
    if (this.socket) return this.socket
    if (Date.now() - this.lastAttempt < RECONNECT_MS) return undefined
    this.lastAttempt = Date.now()
    const port = Number(this.url.port || 6379)
    const host = this.url.hostname.replace(/^\[|\]$/g, '')
    const socket = this.url.protocol === 'rediss:' ? tls.connect({ host, port, servername: host }) : net.connect({ host, port })
    socket.setNoDelay(true)
    this.socket = socket
    this.buffer = Buffer.alloc(0)
    socket.on('data', (data: Buffer) => this.received(data))
    socket.on('error', () => {})
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined
      for (const w of this.waiting.splice(0)) w.settle(new Error('the connection to Redis closed'))
    })
    // Credentials and database first; their answers are checked like any other.
    const user = decodeURIComponent(this.url.username)
    const password = decodeURIComponent(this.url.password)
    const db = this.url.pathname.slice(1)
    const refused = (what: string) => (reply: Reply | Error) => {
      if (reply instanceof Error) socket.destroy(new Error(`Redis refused ${what}: ${reply.message}`))
    }
    if (password) this.handshake(socket, user ? ['AUTH', user, password] : ['AUTH', password], refused('the password'))
    if (db) this.handshake(socket, ['SELECT', db], refused(`database ${db}`))
    return socket
  }

  private handshake(socket: net.Socket, args: string[], check: (reply: Reply | Error) => void) {
    this.waiting.push({ settle: check })
    socket.write(respCommand(args))
  }

  private received(data: Buffer) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data
    let at = 0
    for (;;) {
      let parsed: [Reply | Error, number] | undefined
      try {
        parsed = parseReply(this.buffer, at)
      } catch {
        this.socket?.destroy()
        return
      }
      if (!parsed) break
      at = parsed[1]
      this.waiting.shift()?.settle(parsed[0])
    }
    this.buffer = this.buffer.subarray(at)
  }
}

/** Its failures are the caller's to handle (`failOpen`). */
export class RedisRateStore implements RateStore {
  private readonly redis: RedisConnection
  private closed = false

  constructor(
    url: string,
    /** How long a slot may be held without a release; longer than any stream or session. */
    private readonly leaseMs: number,
  ) {
    this.redis = new RedisConnection(new URL(url))
  }

  async hit(key: string, windowMs: number) {
    const [count, ttl] = (await this.redis.command(['EVAL', HIT, 1, `parley:rate:${key}`, windowMs])) as [number, number]
    return { count, resetInMs: ttl > 0 ? ttl : windowMs }
  }

  async acquire(key: string, max: number) {
    const slot = randomUUID()
    return (await this.redis.command(['EVAL', ACQUIRE, 1, `parley:streams:${key}`, max, this.leaseMs, slot])) === 1 ? slot : null
  }

  async release(key: string, slot: string) {
    // Streams still ending while the relay shuts down: nothing left to count.
    if (this.closed) return
    await this.redis.command(['ZREM', `parley:streams:${key}`, slot])
  }

  close() {
    this.closed = true
    this.redis.close()
  }
}
