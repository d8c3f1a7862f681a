/**
 * npm run bench [-- name …]: runs the benchmarks, writes bench-results.json and bench-results.md,
 * and prints the markdown. Numbers, never pass/fail: compare ratios within one run.
 */
import { writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { type BenchResult, type Benchmark, root } from './harness.ts'
import { answer } from './answer.bench.ts'
import { avatarBridge } from './avatar-bridge.bench.ts'
import { documents } from './documents.bench.ts'
import { download } from './download.bench.ts'
import { face } from './face.bench.ts'
import { llm } from './llm.bench.ts'
import { relayScale } from './relay-scale.bench.ts'
import { relayOverhead } from './relay-overhead.bench.ts'
import { realtime } from './realtime.bench.ts'
import { recording } from './recording.bench.ts'
import { redisLimiter } from './redis-limiter.bench.ts'
import { tools } from './tools.bench.ts'
import { voice } from './voice.bench.ts'

const all: Benchmark[] = [relayOverhead, relayScale, voice, answer, download, face, avatarBridge, realtime, redisLimiter, tools, documents, llm, recording]
const wanted = process.argv.slice(2)
const chosen = wanted.length ? all.filter((b) => wanted.includes(b.name)) : all
if (!chosen.length) {
  console.error(`No benchmark named ${wanted.join(', ')}. Available: ${all.map((b) => b.name).join(', ')}`)
  process.exit(2)
}

const results: BenchResult[] = []
for (const b of chosen) {
  console.error(`running ${b.name}…`)
  results.push(await b.run())
}

const machine = { cpu: cpus()[0]?.model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version }
const json = { date: new Date().toISOString(), machine, results: Object.fromEntries(results.map((r) => [r.name, r.data])) }
const md = [
  `# Parley benchmarks — ${json.date}`,
  '',
  `${machine.cores} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}`,
  ...results.flatMap((r) => ['', `## ${r.name}`, '', r.table]),
  '',
].join('\n')
writeFileSync(join(root, 'bench-results.json'), JSON.stringify(json, null, 2))
writeFileSync(join(root, 'bench-results.md'), md)
console.log(md)
