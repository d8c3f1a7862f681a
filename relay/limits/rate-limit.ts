/**
 * Per-client limits: requests per window, and streams open at once. The counts live in a store
 * behind a small interface — in memory for one process; a deployment with several instances plugs
 * in a shared one. A refusal is a 429 with Retry-After.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { defaultAvatarLimits } from '../avatar/backend.ts'
import { ApiError } from '../errors.ts'

export interface RateStore {
  /** Counts one request in the client's current window; how many so far, and when the window ends. */
  hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }>
  /**
   * Takes one of `max` stream slots: its name, to hand back to `release`; null when all are taken.
   * (Named, so a release frees the slot it took — never another stream's.)
   */
  acquire(key: string, max: number): Promise<string | null>
  release(key: string, slot: string): Promise<void>
}

/** One process's counts. Windows that ended are swept as new ones start, so memory stays flat. */
export class MemoryRateStore implements RateStore {
  private readonly windows = new Map<string, { count: number; endsAt: number }>()
  private readonly streams = new Map<string, number>()
  private lastSweep = 0

  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, windowMs: number) {
    const now = this.now()
    if (now - this.lastSweep > windowMs) {
      this.lastSweep = now
      for (const [k, w] of this.windows) if (w.endsAt <= now) this.windows.delete(k)
    }
    let w = this.windows.get(key)
    if (!w || w.endsAt <= now) this.windows.set(key, (w = { count: 0, endsAt: now + windowMs }))
    w.count++
    return { count: w.count, resetInMs: w.endsAt - now }
  }

  // One process holds its slots until released, so a count is all it needs.
  async acquire(key: string, max: number) {
    const open = this.streams.get(key) ?? 0
    if (open >= max) return null
    this.streams.set(key, open + 1)
    return 'slot'
  }

  async release(key: string, _slot?: string) {
    const open = (this.streams.get(key) ?? 1) - 1
    if (open <= 0) this.streams.delete(key)
    else this.streams.set(key, open)
  }

  /** For tests and soak checks: how many keys are held. */
  get size() {
    return this.windows.size + this.streams.size
  }
}

export interface RateLimitOptions {
  store: RateStore
  /** Requests per client per minute; 0 turns the limit off. */
  perMinute: number
  /** Streams (chat, speech) a client may have open at once; 0 turns the limit off. */
  maxStreams: number
  /** Who the client is (its address, as the runtime knows it). */
  clientKey(c: Context): string
  /** Lets a release finish after the response has, where the runtime would cut it short (Workers). */
  keepAlive?(c: Context, work: Promise<unknown>): void
}

const FAIL_LOG_EVERY_MS = 10_000

/**
 * A shared store that cannot be reached (Redis down, a Durable Object reset by a deploy) must not
 * stop the relay: each request goes through unlimited, and the log says so at most every 10 s.
 * A slot taken that way has no name ('') and its release is skipped.
 */
export function failOpen(store: RateStore, log: (entry: Record<string, unknown>) => void): RateStore {
  let lastLogged = -Infinity
  const unavailable = (err: unknown) => {
    const now = Date.now()
    if (now - lastLogged < FAIL_LOG_EVERY_MS) return
    lastLogged = now
    log({ level: 'error', msg: 'rate store unavailable: requests are let through without limits', error: err instanceof Error ? err.message : String(err) })
  }
  return {
    hit: (key, windowMs) => store.hit(key, windowMs).catch((err) => (unavailable(err), { count: 0, resetInMs: windowMs })),
    acquire: (key, max) => store.acquire(key, max).catch((err) => (unavailable(err), '')),
    release: async (key, slot) => {
      if (slot) await store.release(key, slot).catch(unavailable)
    },
  }
}

/** How long a shared store keeps a slot its holder never gave back: longer than any stream or avatar session could last. */
export function slotLeaseMs(maxStreamMs: number): number {
  return Math.max(maxStreamMs, defaultAvatarLimits.maxSessionMs) + 60_000
}

/** Who a client is: the first X-Forwarded-For address when a trusted proxy sets it, else the address the runtime saw. */
export function clientKeyOf(trustProxy: boolean, forwardedFor: string | null | undefined, address: string | undefined): string {
  return (trustProxy ? forwardedFor?.split(',')[0]?.trim() : undefined) || address || 'unknown'
}

/** The store and numbers the limits use (`clientKey` is how the HTTP routes name a client). */
export type Limits = Omit<RateLimitOptions, 'clientKey' | 'keepAlive'>

/** A request let in: `holdsSlot` when it took a stream slot, which `release` hands back. */
export interface Admission {
  holdsSlot: boolean
  release(): Promise<void>
}

const NOTHING_HELD: Admission = { holdsSlot: false, release: async () => {} }

/**
 * Lets one request of client `key` in, or says why not: it counts against the minute and, for a
 * stream (an answer, an avatar session), takes a slot — hand it back with `release` when it ends.
 */
export async function admit(limits: Limits, key: string, stream: boolean): Promise<ApiError | Admission> {
  if (limits.perMinute > 0) {
    const { count, resetInMs } = await limits.store.hit(key, 60_000)
    if (count > limits.perMinute) {
      const wait = Math.max(1, Math.ceil(resetInMs / 1000))
      return new ApiError(429, 'rate_limited', `Too many requests from this client (more than ${limits.perMinute} a minute). Try again in ${wait} s.`, 'rate_limit_error', { 'retry-after': String(wait) })
    }
  }
  if (!stream || limits.maxStreams <= 0) return NOTHING_HELD
  const slot = await limits.store.acquire(key, limits.maxStreams)
  if (slot === null) {
    return new ApiError(429, 'too_many_streams', `This client already has ${limits.maxStreams} answers or avatar sessions open. Wait for one to finish or stop it.`, 'rate_limit_error', { 'retry-after': '1' })
  }
  let released: Promise<void> | undefined
  return {
    holdsSlot: true,
    // Never rejects: a store that failed to hear of it lets the slot's lease run out instead.
    release: () => (released ??= limits.store.release(key, slot).catch(() => {})),
  }
}

/** Counts every request; for streaming routes (`stream: true`), holds a slot until the body ends. */
export function rateLimit(options: RateLimitOptions, stream = false): MiddlewareHandler {
  return async function limit(c, next) {
    const admitted = await admit(options, options.clientKey(c), stream)
    if (admitted instanceof ApiError) throw admitted
    if (!admitted.holdsSlot) return next()
    const release = () => {
      const work = admitted.release()
      options.keepAlive?.(c, work)
    }
    try {
      await next()
    } catch (err) {
      release()
      throw err
    }
    const body = c.res.body
    if (!body) return release()
    // The slot is held until the stream ends, fails or the client goes away.
    const reader = body.getReader()
    c.res = new Response(
      new ReadableStream({
        async pull(controller) {
          try {
            const { done, value } = await reader.read()
            if (done) {
              release()
              controller.close()
            } else controller.enqueue(value)
          } catch (err) {
            release()
            controller.error(err)
          }
        },
        cancel(reason) {
          release()
          return reader.cancel(reason)
        },
      }),
      c.res,
    )
  }
}

