/**
 * Per-client counts shared by every instance of the relay on Cloudflare Workers: one Durable
 * Object per client (`RateCounter`, named by the client's key) holds its window and its stream
 * slots, so a client is counted once however many isolates and locations serve it.
 *
 * Web APIs only: the object is reached through its stub's fetch, and nothing here imports a
 * runtime. Stream slots are named leases: a release frees the slot it took, and a slot whose
 * holder vanished (an isolate evicted mid-stream never says release) frees itself after `leaseMs`.
 */
import type { RateStore } from '../../limits/rate-limit.ts'

/** The parts of a Durable Object namespace binding the store uses. */
export interface DurableNamespace {
  idFromName(name: string): unknown
  get(id: unknown): { fetch(input: string, init?: RequestInit): Promise<Response> }
}

/** The parts of a Durable Object's state the counter uses (its transactional storage). */
interface DurableState {
  storage: {
    get<T>(key: string): Promise<T | undefined>
    put(key: string, value: unknown): Promise<void>
    delete(key: string): Promise<boolean>
    setAlarm(at: number): Promise<void>
  }
  blockConcurrencyWhile<T>(fn: () => Promise<T>): Promise<T>
}

interface Counts {
  window?: { count: number; endsAt: number }
  /** Each held slot, by name: when its lease runs out. */
  slots: Record<string, number>
}

/** Reaches each client's object; its failures are the caller's to handle (`failOpen`). */
export class DurableRateStore implements RateStore {
  constructor(
    private readonly namespace: DurableNamespace,
    /** How long a slot may be held without a release; longer than any stream or session. */
    private readonly leaseMs: number,
  ) {}

  private async call<T>(key: string, op: string, params: Record<string, string | number>): Promise<T> {
    const stub = this.namespace.get(this.namespace.idFromName(key))
    const query = Object.entries(params).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')
    const res = await stub.fetch(`https://rate-counter/${op}?${query}`, { method: 'POST' })
    if (!res.ok) throw new Error(`rate counter ${op} failed (HTTP ${res.status})`)
    return (await res.json()) as T
  }

  hit(key: string, windowMs: number) {
    return this.call<{ count: number; resetInMs: number }>(key, 'hit', { windowMs })
  }

  async acquire(key: string, max: number) {
    return (await this.call<{ slot: string | null }>(key, 'acquire', { max, leaseMs: this.leaseMs })).slot
  }

  async release(key: string, slot: string) {
    await this.call(key, 'release', { slot })
  }
}

/** The Durable Object: one client's counts. Requests to one object run one at a time. */
export class RateCounter {
  private counts: Counts = { slots: {} }

  constructor(private readonly state: DurableState) {
    void state.blockConcurrencyWhile(async () => {
      this.counts = (await state.storage.get<Counts>('counts')) ?? { slots: {} }
    })
  }

  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    const param = (name: string) => Number(url.searchParams.get(name))
    const now = Date.now()
    const c = this.counts
    sweep(c, now)
    let answer: unknown
    switch (url.pathname) {
      case '/hit': {
        if (!c.window || c.window.endsAt <= now) c.window = { count: 0, endsAt: now + param('windowMs') }
        c.window.count++
        answer = { count: c.window.count, resetInMs: c.window.endsAt - now }
        break
      }
      case '/acquire': {
        const free = Object.keys(c.slots).length < param('max')
        const slot = free ? crypto.randomUUID() : null
        if (slot) c.slots[slot] = now + param('leaseMs')
        answer = { slot }
        break
      }
      case '/release':
        delete c.slots[url.searchParams.get('slot') ?? '']
        answer = {}
        break
      case '/stored':
        // For tests and operators: whether anything is kept for this client.
        return Response.json({ stored: (await this.state.storage.get('counts')) !== undefined })
      default:
        return new Response('unknown operation', { status: 404 })
    }
    await this.save(now)
    return Response.json(answer)
  }

  /** Wakes when the last window or lease has run out, to clear what is left. */
  async alarm() {
    const now = Date.now()
    sweep(this.counts, now)
    await this.save(now)
  }

  /** An idle client leaves nothing behind: its object's storage is emptied. */
  private async save(now: number) {
    const c = this.counts
    const until = Math.max(c.window?.endsAt ?? 0, ...Object.values(c.slots))
    if (until <= now) {
      this.counts = { slots: {} }
      await this.state.storage.delete('counts')
      return
    }
    await this.state.storage.put('counts', c)
    await this.state.storage.setAlarm(until)
  }
}

/** Drops the leases that ran out (their holders never said release). */
function sweep(c: Counts, now: number) {
  for (const [slot, expires] of Object.entries(c.slots)) if (expires <= now) delete c.slots[slot]
}
