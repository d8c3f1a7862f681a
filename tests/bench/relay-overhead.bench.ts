/**
 * Relay overhead on streamed completions: the same local upstream reached directly and through
 * the relay, measured by the same client in alternation, so machine noise hits both alike.
 * A bare node:http proxy runs beside them as the floor any relay can reach on this machine.
 * Then the relay's peak RSS while 200 streams run at once. Every server is its own process.
 * Last, how soon a client that walks away mid-answer ends the relay's upstream request.
 */
// @ts-expect-error: a plain .mjs build script without type declarations
import { buildRelay } from '../../scripts/build-relay.mjs'
import { startFakeLlm } from '../fakes/llm-upstream.ts'
import { type Benchmark, markdownTable, mb, memoryOf, ms, spawnNode, summarize } from './harness.ts'

const DISCONNECTS = 30

/** Client aborts mid-stream → the upstream sees its request closed: ms for each of DISCONNECTS. */
async function disconnectToAbort(): Promise<number[]> {
  const fake = await startFakeLlm({ chunkDelayMs: 50 })
  const relay = await spawnNode('build/relay.mjs', [], { HOST: '127.0.0.1', PORT: '0', LLM_BASE_URL: fake.baseUrl, LLM_MODEL: 'fake-model', LLM_API_KEY: 'bench', PARLEY_RATE_LIMIT: '0', PARLEY_MAX_STREAMS: '0' }, /listening on (http:\/\/[^\s]+)/)
  const times: number[] = []
  try {
    for (let i = 0; i < DISCONNECTS; i++) {
      fake.reset()
      const abort = new AbortController()
      const res = await fetch(`${relay.match[1]}/api/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ stream: true, messages: [{ role: 'user', content: 'x' }] }), signal: abort.signal })
      await res.body!.getReader().read()
      const gone = performance.now()
      abort.abort()
      while (!fake.requests[0]?.abortedAt && performance.now() - gone < 2000) await new Promise((r) => setImmediate(r))
      times.push((fake.requests[0]?.abortedAt ?? NaN) - gone)
    }
  } finally {
    relay.child.kill()
    await fake.close()
  }
  return times
}

const STREAMS = 200
const CHUNKS = 8
const CHUNK_GAP_MS = 5
const CONCURRENT = 200

interface StreamTiming {
  ttfc: number
  gaps: number[]
}

async function timeStream(base: string): Promise<StreamTiming> {
  const started = performance.now()
  const res = await fetch(`${base}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fake-model', stream: true, messages: [{ role: 'user', content: 'x' }] }),
  })
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} from ${base}`)
  const reader = res.body.getReader()
  const arrivals: number[] = []
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    arrivals.push(performance.now())
  }
  // The first chunk is the fake's role frame, sent with the headers; the rest come CHUNK_GAP_MS apart.
  return { ttfc: arrivals[0]! - started, gaps: arrivals.slice(1).map((t, i) => t - arrivals[i]!) }
}

export const relayOverhead: Benchmark = {
  name: 'relay-overhead',
  async run() {
    const fake = await spawnNode('tests/fakes/llm-upstream.ts', ['0'], { FAKE_LLM_CHUNK_DELAY_MS: String(CHUNK_GAP_MS) }, /http:\/\/127\.0\.0\.1:(\d+)/)
    const upstream = `${fake.match[0]}/v1`
    // The relay as production runs it (npm start): compiled JS, no TypeScript loader.
    await buildRelay()
    const relay = await spawnNode('build/relay.mjs', [], { HOST: '127.0.0.1', PORT: '0', LLM_BASE_URL: upstream, LLM_MODEL: 'fake-model', LLM_API_KEY: 'bench', PARLEY_RATE_LIMIT: '0', PARLEY_MAX_STREAMS: '0' }, /listening on (http:\/\/[^\s]+)/)
    const relayBase = `${relay.match[1]}/api/v1`
    const bare = await spawnNode('tests/bench/bare-proxy.mjs', [], { UPSTREAM: upstream }, /http:\/\/127\.0\.0\.1:\d+/)
    const bareBase = `${bare.match[0]}/v1`
    try {
      // Warm every path (connection pools, JIT) before measuring.
      for (let i = 0; i < 20; i++) {
        await timeStream(upstream)
        await timeStream(relayBase)
        await timeStream(bareBase)
      }
      const direct: StreamTiming[] = []
      const viaRelay: StreamTiming[] = []
      const viaBare: StreamTiming[] = []
      for (let i = 0; i < STREAMS; i++) {
        direct.push(await timeStream(upstream))
        viaRelay.push(await timeStream(relayBase))
        viaBare.push(await timeStream(bareBase))
      }
      const idle = memoryOf(relay.child.pid!)

      // 200 at once: sample RSS while they run; VmHWM gives the true peak.
      let sampled = 0
      const sampler = setInterval(() => (sampled = Math.max(sampled, memoryOf(relay.child.pid!).rss)), 10)
      const t0 = performance.now()
      await Promise.all(Array.from({ length: CONCURRENT }, () => timeStream(relayBase)))
      const concurrentWall = performance.now() - t0
      clearInterval(sampler)
      const after = memoryOf(relay.child.pid!)

      const d = { ttfc: summarize(direct.map((t) => t.ttfc)), gap: summarize(direct.flatMap((t) => t.gaps)) }
      const r = { ttfc: summarize(viaRelay.map((t) => t.ttfc)), gap: summarize(viaRelay.flatMap((t) => t.gaps)) }
      const b = { ttfc: summarize(viaBare.map((t) => t.ttfc)), gap: summarize(viaBare.flatMap((t) => t.gaps)) }
      const gaps = await disconnectToAbort()
      const disconnect = { ...summarize(gaps), max: Math.max(...gaps) }
      const data = {
        disconnectToUpstreamAbortMs: disconnect,
        streams: STREAMS,
        chunksPerStream: CHUNKS,
        upstreamChunkGapMs: CHUNK_GAP_MS,
        direct: d,
        relay: r,
        bareProxy: b,
        bareProxyAddedMs: { ttfcP50: b.ttfc.p50 - d.ttfc.p50, gapP50: b.gap.p50 - d.gap.p50 },
        addedMs: {
          ttfcP50: r.ttfc.p50 - d.ttfc.p50,
          ttfcP99: r.ttfc.p99 - d.ttfc.p99,
          gapP50: r.gap.p50 - d.gap.p50,
          gapP99: r.gap.p99 - d.gap.p99,
        },
        memory: { idleRssBytes: idle.rss, concurrentStreams: CONCURRENT, peakRssBytes: Math.max(after.peak, sampled), concurrentWallMs: concurrentWall },
      }
      const table = markdownTable(
        ['metric', 'direct', 'through relay', 'added by relay', 'bare node:http proxy (floor)', 'added by bare proxy'],
        [
          ['time to first chunk p50', ms(d.ttfc.p50), ms(r.ttfc.p50), ms(data.addedMs.ttfcP50), ms(b.ttfc.p50), ms(b.ttfc.p50 - d.ttfc.p50)],
          ['time to first chunk p99', ms(d.ttfc.p99), ms(r.ttfc.p99), ms(data.addedMs.ttfcP99), ms(b.ttfc.p99), ms(b.ttfc.p99 - d.ttfc.p99)],
          [`inter-chunk delay p50 (upstream gap ${CHUNK_GAP_MS} ms)`, ms(d.gap.p50), ms(r.gap.p50), ms(data.addedMs.gapP50), ms(b.gap.p50), ms(b.gap.p50 - d.gap.p50)],
          ['inter-chunk delay p99', ms(d.gap.p99), ms(r.gap.p99), ms(data.addedMs.gapP99), ms(b.gap.p99), ms(b.gap.p99 - d.gap.p99)],
          ['relay RSS idle (after the sequential runs)', '', mb(idle.rss), '', '', ''],
          [`relay peak RSS, ${CONCURRENT} streams at once`, '', mb(data.memory.peakRssBytes), '', '', ''],
          [`client disconnects mid-answer → upstream request closed (${DISCONNECTS} times; target ≤ 100 ms): p50 / max`, '', `${ms(disconnect.p50)} / ${ms(disconnect.max)}`, '', '', ''],
        ],
      )
      return { name: this.name, data, table }
    } finally {
      bare.child.kill()
      relay.child.kill()
      fake.child.kill()
    }
  },
}
