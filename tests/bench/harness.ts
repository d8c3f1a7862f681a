import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const root = fileURLToPath(new URL('../..', import.meta.url))

/** What one benchmark reports: raw numbers for the JSON file, a markdown table for people. */
export interface BenchResult {
  name: string
  data: Record<string, unknown>
  table: string
}

export interface Benchmark {
  name: string
  run(): Promise<BenchResult>
}

export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i]!
}

export function summarize(values: number[]) {
  const s = [...values].sort((a, b) => a - b)
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), mean: s.reduce((a, b) => a + b, 0) / (s.length || 1) }
}

export const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)} ms` : '—')
export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`

export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

/**
 * Starts a Node child (a .ts entry runs through tsx, a .mjs one as is); resolves once a stdout
 * line matches `ready`.
 */
export function spawnNode(entry: string, args: string[], env: Record<string, string>, ready: RegExp) {
  return new Promise<{ child: ChildProcess; match: RegExpMatchArray }>((resolve, reject) => {
    const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : []
    const child = spawn(process.execPath, [...loader, entry, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    const watch = (d: Buffer) => {
      out += d.toString()
      const m = out.match(ready)
      if (!m) return
      // From here on its output (a relay's log) is drained, not kept: a benchmark's client shares
      // this process, and must not spend its time on the server's log.
      child.stdout!.off('data', watch)
      child.stdout!.resume()
      resolve({ child, match: m })
    }
    child.stdout!.on('data', watch)
    child.on('exit', (code) => reject(new Error(`${entry} exited (${code}) before it was ready:\n${out}`)))
  })
}

/** Resident and peak resident memory of a process, from /proc (Linux). */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string) => Number(status.match(new RegExp(`${field}:\\s+(\\d+) kB`))?.[1] ?? NaN) * 1024
  return { rss: kb('VmRSS'), peak: kb('VmHWM') }
}
