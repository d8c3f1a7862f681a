/**
 * `node relay/node.ts`: reads the environment once, starts the relay, and says in plain words
 * what went wrong when it cannot (exit 2 for a bad setting, 1 for anything else).
 */
import { ConfigError, loadConfig, type RelayConfig } from '../../config.ts'
import type { RunningRelay } from './server.ts'

export async function main(startRelay: (config: RelayConfig) => Promise<RunningRelay>) {
  let config: RelayConfig
  try {
    config = loadConfig(process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${err.message}\nFix the variable(s) above (see .env.example) and start again.`)
      process.exit(2)
    }
    throw err
  }
  const relay = await startRelay(config).catch((err: NodeJS.ErrnoException) => {
    console.error(err.code === 'EADDRINUSE'
      ? `Port ${config.port} on ${config.host} is already in use. Stop the other process or set PORT to a free port.`
      : `The relay could not start: ${err.message}`)
    process.exit(1)
  })
  const llm = config.llm ? `LLM ${config.llm.defaultModel} via ${new URL(config.llm.baseUrl).host}` : 'no LLM configured (the app uses its offline guide)'
  console.log(`Parley relay listening on ${relay.url} — ${llm}`)
  const shutdown = () => void relay.close().then(() => process.exit(0))
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
  // `kill -USR2 <pid>`: one log line with what the process holds open (sockets, timers) and its
  // memory — for operators chasing a leak, and for the soak test.
  process.on('SIGUSR2', () => {
    // With --expose-gc, collect first, so the numbers are what is really held.
    ;(globalThis as { gc?: () => void }).gc?.()
    const resources: Record<string, number> = {}
    for (const r of process.getActiveResourcesInfo()) resources[r] = (resources[r] ?? 0) + 1
    const memory = process.memoryUsage()
    console.log(JSON.stringify({ ts: new Date().toISOString(), level: 'info', msg: 'resources', resources, rss: memory.rss, heapUsed: memory.heapUsed }))
  })
}
