/**
 * The relay under load, as `npm start` runs it (compiled, one process):
 * - 1,000 SSE streams held open at once (a slow upstream): its resident memory while they are;
 * - the same streaming workloads through the relay and through nginx (`proxy_pass`, buffering off,
 *   one worker process, like the relay's one process), from the same local upstream: throughput
 *   and time to first chunk, as ratios within this run — an upstream that answers at once (a
 *   request-rate test: what each proxy costs per stream), and one that streams at an LLM's pace.
 *   A bare node:http pipe (tests/bench/bare-proxy.mjs) and a bare Hono route (hono-proxy.ts) run
 *   the first too: the floors for any Node relay, and for one built on Hono. Needs nginx (Debian: nginx-light); the comparison is skipped without it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// @ts-expect-error: a plain .mjs build script, no types
import { buildRelay } from '../../scripts/build-relay.mjs'
import { type Benchmark, markdownTable, mb, memoryOf, ms, spawnNode, summarize } from './harness.ts'

const HELD = 1000
const REQUESTS = 2000
const CONCURRENCY = 50
/** An LLM-like pace: a token every 20 ms (50 tokens/s), 27 events a stream; many streams at once. */
const PACED = { chunkDelayMs: 20, requests: 1200, concurrency: 300 }
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p))

const body = JSON.stringify({ model: 'fake-model', stream: true, messages: [{ role: 'user', content: 'x' }] })
const post = (base: string, signal?: AbortSignal) => fetch(`${base}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal })

/** `requests` streams, `concurrency` at a time: wall time and each one's time to first chunk. */
async function load(base: string, requests = REQUESTS, concurrency = CONCURRENCY) {
  const ttfc: number[] = []
  let next = 0
  let chunks = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < requests) {
        const t = performance.now()
        const res = await post(base)
        const reader = res.body!.getReader()
        let first = true
        for (;;) {
          const { done } = await reader.read()
          if (done) break
          if (first) ttfc.push(performance.now() - t)
          first = false
          chunks++
        }
      }
    }),
  )
  const seconds = (performance.now() - t0) / 1000
  return { perSecond: requests / seconds, chunksPerSecond: chunks / seconds, ttfc: summarize(ttfc) }
}

/** CPU time (user + system) the processes have used so far, in ms (Linux: clock ticks of 10 ms). */
function cpuMs(pids: number[]): number {
  let ticks = 0
  for (const pid of pids) {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    ticks += Number(fields[11]) + Number(fields[12])
  }
  return ticks * 10
}

/** nginx's worker processes (children of its master). */
function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
}

const us = (v: number) => `${v.toFixed(0)} µs`

function startNginx(port: number, upstreamPort: number) {
  const dir = mkdtempSync(join(tmpdir(), 'parley-nginx-'))
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;
events { worker_connections 8192; }
http {
  # It logs each request as the relay does (buffered, as nginx is deployed).
  access_log ${dir}/access.log combined buffer=64k flush=1s;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream llm { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location /api/ {
      proxy_pass http://llm/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 600s;
    }
  }
}`,
  )
  const child = spawn(NGINX!, ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' })
  return child
}

export const relayScale: Benchmark = {
  name: 'relay-scale',
  async run() {
    await buildRelay()
    const slow = await spawnNode('tests/fakes/llm-upstream.ts', ['0'], { FAKE_LLM_CHUNK_DELAY_MS: '400' }, /http:\/\/127\.0\.0\.1:(\d+)/)
    const fast = await spawnNode('tests/fakes/llm-upstream.ts', ['0'], { FAKE_LLM_CHUNK_DELAY_MS: '0' }, /http:\/\/127\.0\.0\.1:(\d+)/)
    const paced = await spawnNode('tests/fakes/llm-upstream.ts', ['0'], { FAKE_LLM_CHUNK_DELAY_MS: String(PACED.chunkDelayMs) }, /http:\/\/127\.0\.0\.1:(\d+)/)
    const relayEnv = { HOST: '127.0.0.1', PORT: '0', LLM_MODEL: 'fake-model', LLM_API_KEY: 'bench', PARLEY_RATE_LIMIT: '0', PARLEY_MAX_STREAMS: '0' }
    const held = await spawnNode('build/relay.mjs', [], { ...relayEnv, LLM_BASE_URL: `${slow.match[0]}/v1` }, /listening on (http:\/\/[^\s]+)/)
    const relay = await spawnNode('build/relay.mjs', [], { ...relayEnv, LLM_BASE_URL: `${fast.match[0]}/v1` }, /listening on (http:\/\/[^\s]+)/)
    const relayPaced = await spawnNode('build/relay.mjs', [], { ...relayEnv, LLM_BASE_URL: `${paced.match[0]}/v1` }, /listening on (http:\/\/[^\s]+)/)
    const bare = await spawnNode('tests/bench/bare-proxy.mjs', [], { UPSTREAM: `${fast.match[0]}/v1` }, /http:\/\/127\.0\.0\.1:\d+/)
    const hono = await spawnNode('tests/bench/hono-proxy.ts', [], { UPSTREAM: `${fast.match[0]}/v1` }, /http:\/\/127\.0\.0\.1:\d+/)
    const nginxPort = 20000 + Math.floor(Math.random() * 20000)
    const nginx = NGINX ? startNginx(nginxPort, Number(fast.match[1])) : undefined
    const nginxPaced = NGINX ? startNginx(nginxPort + 1, Number(paced.match[1])) : undefined
    try {
      // 1) 1,000 streams open at once, each waiting on a slow upstream.
      const idle = memoryOf(held.child.pid!).rss
      const abort = new AbortController()
      let open = 0
      let peak = 0
      const sampler = setInterval(() => (peak = Math.max(peak, memoryOf(held.child.pid!).rss)), 20)
      const streams = Array.from({ length: HELD }, async () => {
        const res = await post(`${held.match[1]}/api/v1`, abort.signal)
        const reader = res.body!.getReader()
        await reader.read()
        open++
        await reader.read().catch(() => undefined)
      })
      const t0 = performance.now()
      while (open < HELD && performance.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50))
      await new Promise((r) => setTimeout(r, 500))
      const whileOpen = memoryOf(held.child.pid!).rss
      clearInterval(sampler)
      abort.abort()
      await Promise.allSettled(streams)

      // 2) The same streaming workloads: direct, through the relay, through nginx, in turns (three
      //    rounds, the median kept) so the machine's noise falls on all alike.
      type Load = Awaited<ReturnType<typeof load>>
      const median = (runs: Load[]) => [...runs].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(runs.length / 2)]!
      /** Each target: its address and the processes that serve it (their CPU time is counted). */
      type Target = { base: string; pids: number[] } | undefined
      const measure = async (targets: Record<string, Target>, requests = REQUESTS, concurrency = CONCURRENCY) => {
        const runs: Record<string, (Load & { cpuUsPerStream: number })[]> = {}
        await new Promise((r) => setTimeout(r, 500))
        for (const t of Object.values(targets)) if (t) await load(t.base, requests, concurrency) // warm-up
        for (let round = 0; round < 3; round++) {
          for (const [name, t] of Object.entries(targets)) {
            if (!t) continue
            const cpu0 = cpuMs(t.pids)
            const run = await load(t.base, requests, concurrency)
            ;(runs[name] ??= []).push({ ...run, cpuUsPerStream: ((cpuMs(t.pids) - cpu0) * 1000) / requests })
          }
        }
        return Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)])) as Record<string, (Load & { cpuUsPerStream: number }) | undefined>
      }
      const nginxPids = (master?: ChildProcess) => master && [master.pid!, ...childrenOf(master.pid!)]
      const served = (base: string, pids?: number[]): Target => (pids ? { base, pids } : undefined)
      const instant = await measure({
        direct: served(`${fast.match[0]}/v1`, [fast.child.pid!]),
        relay: served(`${relay.match[1]}/api/v1`, [relay.child.pid!]),
        nginx: served(`http://127.0.0.1:${nginxPort}/api/v1`, nginxPids(nginx)),
        bare: served(`${bare.match[0]}/v1`, [bare.child.pid!]),
        hono: served(`${hono.match[0]}/v1`, [hono.child.pid!]),
      })
      const pacedRuns = await measure(
        {
          direct: served(`${paced.match[0]}/v1`, [paced.child.pid!]),
          relay: served(`${relayPaced.match[1]}/api/v1`, [relayPaced.child.pid!]),
          nginx: served(`http://127.0.0.1:${nginxPort + 1}/api/v1`, nginxPids(nginxPaced)),
        },
        PACED.requests,
        PACED.concurrency,
      )
      const direct = instant.direct!
      const viaRelay = instant.relay!
      const viaNginx = instant.nginx
      const data = {
        held: { streams: HELD, reached: open, idleRss: idle, rssWhileOpen: whileOpen, peakRss: peak },
        load: { requests: REQUESTS, concurrency: CONCURRENCY, direct, relay: viaRelay, nginx: viaNginx ?? null, bareNode: instant.bare, bareHono: instant.hono },
        paced: { ...PACED, direct: pacedRuns.direct, relay: pacedRuns.relay, nginx: pacedRuns.nginx ?? null },
      }
      const ratio = viaNginx ? viaRelay.perSecond / viaNginx.perSecond : NaN
      const pacedRatio = pacedRuns.nginx ? pacedRuns.relay!.perSecond / pacedRuns.nginx.perSecond : NaN
      const p = { d: pacedRuns.direct!, r: pacedRuns.relay!, n: pacedRuns.nginx }
      const table = markdownTable(
        ['metric', 'value', 'target'],
        [
          [`SSE streams held open at once through the relay`, `${open} of ${HELD}`, '≥ 1,000'],
          ['relay RSS: idle → with them all open (peak)', `${mb(idle)} → ${mb(whileOpen)} (${mb(peak)})`, '≤ 150 MB'],
          [`instant upstream (request rate), ${REQUESTS} streams ${CONCURRENCY} at a time: direct / relay / nginx`, `${direct.perSecond.toFixed(0)} / ${viaRelay.perSecond.toFixed(0)} / ${viaNginx ? viaNginx.perSecond.toFixed(0) : '—'} per s`, ''],
          ['**… relay ÷ nginx throughput**', `**${Number.isFinite(ratio) ? ratio.toFixed(2) : '— (no nginx)'}×**`, '≥ 0.9×'],
          ['… floors ÷ nginx: bare node:http pipe / bare Hono route (no checks, limits or logs)', viaNginx ? `${(instant.bare!.perSecond / viaNginx.perSecond).toFixed(2)}× / ${(instant.hono!.perSecond / viaNginx.perSecond).toFixed(2)}×` : '—', ''],
          ['… proxy CPU time per stream: relay / nginx / bare node:http pipe / bare Hono route', `${us(viaRelay.cpuUsPerStream)} / ${viaNginx ? us(viaNginx.cpuUsPerStream) : '—'} / ${us(instant.bare!.cpuUsPerStream)} / ${us(instant.hono!.cpuUsPerStream)}`, ''],
          ['… time to first chunk p50: direct / relay / nginx', `${ms(direct.ttfc.p50)} / ${ms(viaRelay.ttfc.p50)} / ${viaNginx ? ms(viaNginx.ttfc.p50) : '—'}`, ''],
          ['… added to the first chunk (p50): relay / nginx', `${ms(viaRelay.ttfc.p50 - direct.ttfc.p50)} / ${viaNginx ? ms(viaNginx.ttfc.p50 - direct.ttfc.p50) : '—'}`, ''],
          [`LLM pace (an event every ${PACED.chunkDelayMs} ms), ${PACED.requests} streams ${PACED.concurrency} at a time: direct / relay / nginx`, `${p.d.perSecond.toFixed(0)} / ${p.r.perSecond.toFixed(0)} / ${p.n ? p.n.perSecond.toFixed(0) : '—'} streams per s (${(p.r.chunksPerSecond / 1000).toFixed(1)}k events per s through the relay)`, ''],
          ['**… relay ÷ nginx throughput**', `**${Number.isFinite(pacedRatio) ? pacedRatio.toFixed(2) : '— (no nginx)'}×**`, '≥ 0.9×'],
          ['… proxy CPU time per stream: relay / nginx', `${us(p.r.cpuUsPerStream)} / ${p.n ? us(p.n.cpuUsPerStream) : '—'}`, ''],
          ['… added to the first chunk (p50): relay / nginx', `${ms(p.r.ttfc.p50 - p.d.ttfc.p50)} / ${p.n ? ms(p.n.ttfc.p50 - p.d.ttfc.p50) : '—'}`, ''],
        ],
      )
      return { name: this.name, data, table }
    } finally {
      nginx?.kill()
      nginxPaced?.kill()
      held.child.kill()
      relay.child.kill()
      relayPaced.child.kill()
      bare.child.kill()
      hono.child.kill()
      paced.child.kill()
      slow.child.kill()
      fast.child.kill()
    }
  },
}


