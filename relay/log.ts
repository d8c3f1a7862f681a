import type { RelayConfig } from './config.ts'
import { redact } from './errors.ts'

export type LogEntry = Record<string, unknown>

/**
 * The relay's log: one JSON object per line, with a timestamp, every string in it scrubbed of
 * the keys and token the relay holds (an upstream's error text may quote them).
 */
export function relayLogger(config: RelayConfig, write: (entry: LogEntry) => void = (entry) => console.log(JSON.stringify(entry))) {
  const secrets = [config.llm?.apiKey, config.asr?.apiKey, config.tts?.apiKey, config.avatar.omnirt?.apiKey, config.accessToken]
  return (entry: LogEntry) => write(Object.fromEntries(Object.entries({ ts: new Date().toISOString(), ...entry }).map(([k, v]) => [k, typeof v === 'string' ? redact(v, secrets) : v])))
}
