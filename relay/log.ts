import type { RelayConfig } from './config.ts'
import { redact } from './errors.ts'

export type LogEntry = Record<string, unknown>

/**
 * The relay's log: one JSON object per line, with a timestamp, every string in it scrubbed of
 * the keys and token the relay holds (an upstream's error text may quote them).
 */
export function relayLogger(config: RelayConfig, write: (entry: LogEntry) => void = batchedStdout()) {
  const secrets = [config.llm?.apiKey, config.asr?.apiKey, config.tts?.apiKey, config.avatar.omnirt?.apiKey, config.accessToken]
  return (entry: LogEntry) => write(Object.fromEntries(Object.entries({ ts: new Date().toISOString(), ...entry }).map(([k, v]) => [k, typeof v === 'string' ? redact(v, secrets) : v])))
}

/**
 * Lines to standard output, written together once per turn of the event loop: on Linux a pipe
 * write blocks, and one per request would cost the relay a good share of its throughput.
 */
function batchedStdout(): (entry: LogEntry) => void {
  let pending: string[] = []
  const flush = () => {
    const text = pending.join('')
    pending = []
    ;(globalThis as { process?: { stdout?: { write(s: string): void } } }).process?.stdout?.write(text) ?? console.log(text.trimEnd())
  }
  return (entry) => {
    if (!pending.length) setTimeout(flush, 0)
    pending.push(`${JSON.stringify(entry)}\n`)
  }
}
