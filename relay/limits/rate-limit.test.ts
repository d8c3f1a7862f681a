import { describe, expect, it } from 'vitest'
import { MemoryRateStore } from './rate-limit.ts'

describe('MemoryRateStore', () => {
  it('counts per client per window and starts a fresh window when it ends', async () => {
    let now = 1000
    const s = new MemoryRateStore(() => now)
    expect(await s.hit('a', 60_000)).toEqual({ count: 1, resetInMs: 60_000 })
    expect((await s.hit('a', 60_000)).count).toBe(2)
    expect((await s.hit('b', 60_000)).count).toBe(1)
    now += 30_000
    expect(await s.hit('a', 60_000)).toEqual({ count: 3, resetInMs: 30_000 })
    now += 30_000
    expect((await s.hit('a', 60_000)).count).toBe(1)
  })

  it('hands out stream slots up to the maximum and takes them back', async () => {
    const s = new MemoryRateStore()
    const first = await s.acquire('a', 2)
    expect(first).not.toBeNull()
    expect(await s.acquire('a', 2)).not.toBeNull()
    expect(await s.acquire('a', 2)).toBeNull()
    await s.release('a', first!)
    expect(await s.acquire('a', 2)).not.toBeNull()
  })

  it('forgets clients whose window ended, so memory stays flat under many clients', async () => {
    let now = 0
    const s = new MemoryRateStore(() => now)
    for (let i = 0; i < 1000; i++) await s.hit(`client-${i}`, 60_000)
    now += 120_000
    await s.hit('late', 60_000)
    expect(s.size).toBe(1)
    await s.release('x', (await s.acquire('x', 1))!)
    expect(s.size).toBe(1)
  })
})
