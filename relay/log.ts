import type { RelayConfig } from './config.ts'
import { credentialsOf } from './tools/config.ts'
import { redact } from './errors.ts'

export type LogEntry = Record<string, unknown>

/**
 * The relay's log: one JSON object per line, with a timestamp, every string in it scrubbed of
 * the keys and token the relay holds (an upstream's error text may quote them).
 */
export function relayLogger(config: RelayConfig, write: (entry: LogEntry) => void = defaultWriter()) {
  const secrets = [config.llm?.apiKey, config.asr?.apiKey, config.tts?.apiKey, config.embeddings?.apiKey, config.realtime?.apiKey, config.avatar.omnirt?.apiKey, config.accessToken, redisPassword(config.rateLimit.redisUrl), ...config.mcpServers.flatMap(credentialsOf)]
  return (entry: LogEntry) => {
    const scrubbed: LogEntry = { ts: new Date().toISOString() }
    for (const key in entry) {
      const value = entry[key]
      scrubbed[key] = typeof value === 'string' ? redact(value, secrets) : value
    }
    write(scrubbed)
  }
}

function redisPassword(url: string | undefined): string | undefined {
  return url ? decodeURIComponent(new URL(url).password) || undefined : undefined
}

/** How long a line may wait to be written with others, and how much may wait. */
const FLUSH_MS = 50
const FLUSH_BYTES = 64 * 1024

type Stdout = { write(s: string): unknown }
type Process = { stdout?: Stdout; once?(event: 'exit', listener: () => void): unknown }
let shared: ((line: string) => void) | undefined

/**
 * Where there is a standard output (Node), lines go to it in batches — at most 50 ms late, all
 * written at exit: on Linux a pipe write blocks, and one per request would cost the relay a good
 * share of its throughput. Elsewhere (Workers), to the runtime's console, which has its own
 * log pipeline.
 */
function defaultWriter(): (entry: LogEntry) => void {
  const proc = (globalThis as { process?: Process }).process
  const stdout = proc?.stdout
  if (!stdout) return (entry) => console.log(JSON.stringify(entry))
  shared ??= batched(stdout, proc)
  const line = shared
  return (entry) => line(`${JSON.stringify(entry)}\n`)
}

function batched(stdout: Stdout, proc: Process | undefined): (line: string) => void {
  let pending = ''
  let timer: ReturnType<typeof setTimeout> | undefined
  const flush = () => {
    clearTimeout(timer)
    timer = undefined
    if (!pending) return
    stdout.write(pending)
    pending = ''
  }
  proc?.once?.('exit', flush)
  return (line) => {
    pending += line
    if (pending.length >= FLUSH_BYTES) return flush()
    if (!timer) {
      timer = setTimeout(flush, FLUSH_MS)
      // A line waiting to be written does not keep the process alive: exit writes it.
      ;(timer as { unref?(): void }).unref?.()
    }
  }
}
