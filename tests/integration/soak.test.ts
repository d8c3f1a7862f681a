// Faults and a soak on the real relay process (tsx relay/node.ts): slow-loris clients are cut
// off; 10,000 mixed requests — answers, streams, client aborts, bad input, upstream failures —
// leave its memory where it was after warm-up and hold no sockets or timers.
import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readlinkSync } from 'node:fs'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeLlm, type FakeLlm } from '../fakes/llm-upstream.ts'
import { chatBody, UPSTREAM_KEY } from './harness.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))
let fake: FakeLlm
let child: ChildProcess
let url = ''
const lines: string[] = []

beforeAll(async () => {
  fake = await startFakeLlm({ apiKey: UPSTREAM_KEY, chunkDelayMs: 0 })
  child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'relay/node.ts'], {
    cwd: root,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LLM_BASE_URL: fake.baseUrl, LLM_API_KEY: UPSTREAM_KEY, LLM_MODEL: 'fake-model', PARLEY_RATE_LIMIT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  child.stdout!.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)))
  await new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      const m = lines.join('\n').match(/listening on (http:\/\/[^\s]+)/)
      if (m) {
        clearInterval(t)
        url = m[1]!
        resolve()
      }
    }, 50)
    child.once('exit', () => reject(new Error('the relay exited')))
  })
}, 30_000)
afterAll(async () => {
  child.kill('SIGTERM')
  await fake.close()
})

/** What the relay holds: from its own report (SIGUSR2) and its open socket descriptors. */
async function resources() {
  const before = lines.length
  child.kill('SIGUSR2')
  while (!lines.slice(before).some((l) => l.includes('"resources"'))) await new Promise((r) => setTimeout(r, 20))
  const report = JSON.parse(lines.slice(before).find((l) => l.includes('"resources"'))!) as { resources: Record<string, number>; rss: number; heapUsed: number }
  const sockets = readdirSync(`/proc/${child.pid}/fd`).filter((fd) => {
    try {
      return readlinkSync(`/proc/${child.pid}/fd/${fd}`).startsWith('socket:')
    } catch {
      return false
    }
  }).length
  return { timers: report.resources.Timeout ?? 0, tcp: report.resources.TCPSocketWrap ?? 0, sockets, rss: report.rss, heap: report.heapUsed }
}

describe('faults and soak', () => {
  it('cuts off a slow-loris client that never finishes its headers', async () => {
    const started = Date.now()
    const closedAfter = await new Promise<number>((resolve) => {
      const sock = connect(Number(new URL(url).port), '127.0.0.1', () => sock.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n'))
      const drip = setInterval(() => sock.writable && sock.write('X-Slow: 1\r\n'), 1000)
      sock.on('close', () => (clearInterval(drip), resolve(Date.now() - started)))
      sock.on('error', () => {})
    })
    expect(closedAfter).toBeLessThan(13_000)
  }, 20_000)

  it('10,000 mixed requests, with faults, leak nothing', async () => {
    const mix = async (i: number) => {
      switch (i % 8) {
        case 0:
          return (await fetch(`${url}/api/health`)).text()
        case 1:
          return (await fetch(`${url}/api/config`)).text()
        case 2:
          return (await fetch(`${url}/api/v1/chat/completions`, chatBody())).text()
        case 3:
          return (await fetch(`${url}/api/v1/chat/completions`, chatBody({ stream: true }))).text()
        case 4: {
          // The client walks away mid-stream.
          const abort = new AbortController()
          const res = await fetch(`${url}/api/v1/chat/completions`, { ...chatBody({ stream: true }), signal: abort.signal })
          const reader = res.body!.getReader()
          await reader.read()
          abort.abort()
          // (Not awaited: undici may never settle a read on a body it had already finished.)
          void reader.cancel().catch(() => undefined)
          return
        }
        case 5:
          return (await fetch(`${url}/api/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"messages":' })).text()
        case 6:
          await fake.next({ kind: 'status', status: 500 })
          return (await fetch(`${url}/api/v1/chat/completions`, chatBody())).text()
        default:
          return (await fetch(`${url}/api/v1/nothing-here`)).text()
      }
    }
    const run = async (from: number, count: number) => {
      let next = from
      await Promise.all(Array.from({ length: 16 }, async () => {
        while (next < from + count) await mix(next++).catch(() => undefined)
      }))
    }
    // Warm-up: rounds of the same mix until the process's memory stops growing (the heap and the
    // allocator reach their working size), at most five.
    let warm = await resources()
    for (let round = 0; round < 5; round++) {
      await run(0, 3000)
      const now = await resources()
      const settled = now.rss < warm.rss * 1.03
      warm = now
      if (settled && round > 0) break
    }
    await new Promise((r) => setTimeout(r, 6000)) // idle keep-alive connections close (5 s)
    warm = await resources()
    await run(1000, Number(process.env.SOAK_COUNT ?? 10_000))
    await new Promise((r) => setTimeout(r, 6000))
    const after = await resources()
    const memory = `RSS ${(warm.rss / 1e6).toFixed(1)} → ${(after.rss / 1e6).toFixed(1)} MB, heap ${(warm.heap / 1e6).toFixed(1)} → ${(after.heap / 1e6).toFixed(1)} MB`
    console.log(memory)
    expect(after.rss, memory).toBeLessThan(warm.rss * 1.1)
    expect(after.heap, memory).toBeLessThan(warm.heap * 1.1)
    expect(after.sockets, JSON.stringify({ warm, after })).toBeLessThanOrEqual(warm.sockets)
    expect(after.tcp).toBeLessThanOrEqual(warm.tcp)
    expect(after.timers).toBeLessThanOrEqual(warm.timers)
  }, 300_000)
})
