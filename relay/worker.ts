/**
 * The relay on Cloudflare Workers: the same app (relay/app.ts, Web APIs only) with the Worker's
 * bindings as its environment — keys as Worker secrets — and the built SPA from the ASSETS
 * binding. The avatar WebSocket bridge is Node-only for now (README).
 */
import { createApp } from './app.ts'
import { ConfigError, loadConfig, type Env } from './config.ts'
import type { AssetSource } from './spa.ts'

interface Bindings {
  ASSETS?: AssetSource
  [name: string]: unknown
}

let cached: { bindings: Bindings; app: ReturnType<typeof createApp> } | undefined

/** The string bindings (variables and secrets) are the relay's environment. */
function environment(bindings: Bindings): Env {
  return Object.fromEntries(Object.entries(bindings).filter(([, v]) => typeof v === 'string')) as Env
}

export default {
  async fetch(request: Request, bindings: Bindings, ctx: unknown): Promise<Response> {
    if (cached?.bindings !== bindings) {
      try {
        const config = loadConfig({ HOST: '0.0.0.0', ...environment(bindings) })
        cached = { bindings, app: createApp(config, { assets: bindings.ASSETS, clientAddress: (c) => c.req.header('cf-connecting-ip') }) }
      } catch (err) {
        // The problems name variables, never their secret values (config.ts).
        const message = err instanceof ConfigError ? err.message : 'The relay could not start.'
        return Response.json({ error: { message, type: 'server_error', code: 'bad_configuration' } }, { status: 500 })
      }
    }
    return cached.app.fetch(request, bindings, ctx as never)
  },
}
