/**
 * The Worker's fetch handler: the same app (relay/app.ts, Web APIs only) with the Worker's
 * bindings as its environment — keys as Worker secrets — and the built SPA from the ASSETS
 * binding; the socket routes over the Workers socket API (sockets.ts). With the RATE_LIMITS
 * Durable Object bound (wrangler.toml), every instance counts a client against the same
 * allowance; without it, each isolate counts alone.
 */
import { createApp, createSocketRoutes } from '../../app.ts'
import { ConfigError, loadConfig, type Env, type RelayConfig } from '../../config.ts'
import { ApiError, plainErrorResponse } from '../../errors.ts'
import { DurableRateStore, type DurableNamespace } from './durable-rate-store.ts'
import { relayLogger } from '../../log.ts'
import { clientKeyOf, failOpen, MemoryRateStore, slotLeaseMs } from '../../limits/rate-limit.ts'
import type { AssetSource } from '../../http/spa.ts'
import { workerAssets } from './assets.ts'
import { connectWorkers, workerSockets } from './sockets.ts'

interface Bindings {
  ASSETS?: AssetSource
  RATE_LIMITS?: DurableNamespace
  [name: string]: unknown
}

interface ExecutionContext {
  waitUntil(work: Promise<unknown>): void
}

let cached: { bindings: Bindings; config: RelayConfig; log: (entry: Record<string, unknown>) => void; app: ReturnType<typeof createApp>; sockets: ReturnType<typeof workerSockets> } | undefined

/** The string bindings (variables and secrets) are the relay's environment. */
function environment(bindings: Bindings): Env {
  return Object.fromEntries(Object.entries(bindings).filter(([, v]) => typeof v === 'string')) as Env
}

export const workerHandler = {
  async fetch(request: Request, bindings: Bindings, ctx: ExecutionContext): Promise<Response> {
    if (cached?.bindings !== bindings) {
      try {
        const config = loadConfig({ HOST: '0.0.0.0', ...environment(bindings) })
        // One store for the HTTP routes and the sockets: a client's allowance is shared.
        const log = relayLogger(config)
        const store = bindings.RATE_LIMITS ? failOpen(new DurableRateStore(bindings.RATE_LIMITS, slotLeaseMs(config.limits.maxStreamMs)), log) : new MemoryRateStore()
        const limits = { store, perMinute: config.rateLimit.perMinute, maxStreams: config.rateLimit.maxStreams }
        cached = {
          bindings,
          config,
          log,
          app: createApp(config, { assets: bindings.ASSETS && workerAssets(bindings.ASSETS), rateStore: store, clientAddress: (c) => c.req.header('cf-connecting-ip'), keepAlive: (c, work) => c.executionCtx.waitUntil(work) }),
          sockets: workerSockets(createSocketRoutes(config, { connect: connectWorkers, log }), limits),
        }
      } catch (err) {
        // The problems name variables, never their secret values (config.ts).
        const message = err instanceof ConfigError ? err.message : 'The relay could not start.'
        return plainErrorResponse(new ApiError(500, 'bad_configuration', message))
      }
    }
    const client = clientKeyOf(cached.config.rateLimit.trustProxy, request.headers.get('x-forwarded-for'), request.headers.get('cf-connecting-ip') ?? undefined)
    let socket: Response | null
    try {
      socket = await cached.sockets(request, client, (work) => ctx.waitUntil(work))
    } catch (err) {
      cached.log({ level: 'error', msg: 'socket upgrade failed', error: err instanceof Error ? err.message : String(err) })
      return plainErrorResponse(new ApiError(500, 'internal_error', 'The WebSocket could not be opened. Try again.'))
    }
    return socket ?? cached.app.fetch(request, bindings, ctx as never)
  },
}
