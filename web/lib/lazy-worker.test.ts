import { describe, expect, it } from 'vitest'
import { lazyWorker, oneAtATime } from './lazy-worker.ts'
import type { WorkerRpc } from './worker-rpc.ts'

/** Just enough of a WorkerRpc to watch the lifecycle: crash handlers and termination. */
function rpc() {
  const crash: ((e: never) => void)[] = []
  const r = { terminated: false, on: (_: string, h: (e: never) => void) => (crash.push(h), () => {}), terminate: () => void (r.terminated = true), crash: () => crash.forEach((h) => h({} as never)) }
  return r
}

describe('lazyWorker', () => {
  it('loads once, forgets a failed load (ending that worker), and starts afresh after a crash', async () => {
    const made: ReturnType<typeof rpc>[] = []
    let fail = true
    const w = lazyWorker({
      spawn: () => (made.push(rpc()), made.at(-1) as unknown as WorkerRpc<never, never>),
      load: async () => {
        if (fail) throw new Error('no model')
      },
    })
    await expect(w.load()).rejects.toThrow('no model')
    expect(made[0]!.terminated).toBe(true)
    fail = false
    const a = await w.load()
    expect(await w.load()).toBe(a)
    expect(made).toHaveLength(2)
    made[1]!.crash()
    await w.load()
    expect(made).toHaveLength(3)
    w.dispose()
    expect(made[2]!.terminated).toBe(true)
  })
})

describe('oneAtATime', () => {
  it('runs jobs in order, one at a time, and a failure does not stop the next', async () => {
    const run = oneAtATime()
    const log: string[] = []
    const job = (name: string, ms: number, fail = false) => () =>
      new Promise<string>((resolve, reject) => {
        log.push(`start ${name}`)
        setTimeout(() => (log.push(`end ${name}`), fail ? reject(new Error(name)) : resolve(name)), ms)
      })
    const results = await Promise.allSettled([run(job('a', 20)), run(job('b', 1, true)), run(job('c', 1))])
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c'])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
  })
})
