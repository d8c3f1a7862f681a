/**
 * The relay as a Node HTTP server (@hono/node-server): the app, its upstream fetch, its asset
 * folders, the rate store (Redis when PARLEY_REDIS_URL is set) and the socket routes.
 */
import { serve } from '@hono/node-server'
import { stat } from 'node:fs/promises'
import type http from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { createApp, createSocketRoutes, type RelayDeps } from '../../app.ts'
import type { AvatarLimits } from '../../avatar/backend.ts'
import type { RelayConfig } from '../../config.ts'
import type { RealtimeLimits } from '../../realtime/session.ts'
import { failOpen, MemoryRateStore, slotLeaseMs } from '../../limits/rate-limit.ts'
import { relayLogger } from '../../log.ts'
import { folderAssets, modelFolder } from './assets.ts'
import { createNodeFetch } from './fetch.ts'
import { RedisRateStore } from './redis-rate-store.ts'
import { attachSockets, connectNode } from './sockets.ts'

/**
 * Streams go out as they come: @hono/node-server holds an answer back for up to a timer tick to see
 * whether it ends at once (to send a content length); a stream marked for no buffering skips that.
 */
function streamingFirst(fetchApp: (request: Request, env?: unknown) => Response | Promise<Response>) {
  return async (request: Request, env?: unknown) => {
    const res = await fetchApp(request, env)
    // (Not `res.body`: on @hono/node-server that turns its light Response into a full one.)
    // HTTP/1.0 has no chunked framing: such a client gets the stream until the connection closes.
    const http10 = (env as { incoming?: http.IncomingMessage } | undefined)?.incoming?.httpVersion === '1.0'
    if (!http10 && res.headers.get('x-accel-buffering') === 'no') res.headers.set('transfer-encoding', 'chunked')
    return res
  }
}

export interface RunningRelay {
  url: string
  port: number
  close(): Promise<void>
}

export interface NodeRelayOptions extends Omit<RelayDeps, 'assets' | 'models'> {
  /** The built SPA; null serves none (navigation then says how to build it). */
  distDir?: string | null
  /** Self-hosted on-device models (models/<id>/…), served at /models/. */
  modelsDir?: string
  avatarLimits?: Partial<AvatarLimits>
  realtimeLimits?: Partial<RealtimeLimits>
  headersTimeoutMs?: number
  /** Serve https:// and wss:// with this certificate (PEM); without it, plain http:// (TLS is the proxy's job in production). */
  tls?: { key: string; cert: string }
}

/** Listens on config.host:config.port; the folders are the caller's (relay/node.ts knows where they are). */
export async function serveRelay(config: RelayConfig, options: NodeRelayOptions & { distDir: string | null; modelsDir: string }): Promise<RunningRelay> {
  const distDir = options.distDir
  const hasDist = distDir ? await stat(join(distDir, 'index.html')).then(() => true, () => false) : false
  // One store for the HTTP routes and the sockets: a client's allowance is shared.
  const log = relayLogger(config, options.log)
  const redis = !options.rateStore && config.rateLimit.redisUrl ? new RedisRateStore(config.rateLimit.redisUrl, slotLeaseMs(config.limits.maxStreamMs)) : undefined
  const rateStore = options.rateStore ?? (redis ? failOpen(redis, log) : new MemoryRateStore())
  const app = createApp(config, {
    ...options,
    rateStore,
    fetch: options.fetch ?? createNodeFetch(),
    clientAddress: (c) => (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress,
    assets: hasDist && distDir ? folderAssets(distDir) : undefined,
    models: modelFolder(options.modelsDir),
  })
  return new Promise((resolveStart, reject) => {
    // Slow-loris: a client must send its request headers within 10 s, and its whole request (an
    // audio upload included) within 60 s; idle keep-alive connections close after 5 s.
    const headersTimeout = options.headersTimeoutMs ?? 10_000
    const timeouts = { headersTimeout, requestTimeout: Math.max(60_000, headersTimeout), keepAliveTimeout: 5_000, connectionsCheckingInterval: Math.min(1_000, headersTimeout) }
    const listen = options.tls
      ? { createServer: createHttpsServer, serverOptions: { ...timeouts, key: options.tls.key, cert: options.tls.cert } }
      : { serverOptions: timeouts }
    const server = serve({ fetch: streamingFirst(app.fetch), hostname: config.host, port: config.port, ...listen }, (info: AddressInfo) => {
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address
      resolveStart({
        url: `${options.tls ? 'https' : 'http'}://${host}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            // Upgraded sockets are no longer the HTTP server's: end them first.
            for (const c of sockets.clients) c.terminate()
            server.close(() => done())
            ;(server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.()
          }),
      })
    })
    server.once('error', reject)
    const routes = createSocketRoutes(config, { connect: connectNode, log, avatarLimits: options.avatarLimits, realtimeLimits: options.realtimeLimits })
    const limits = { store: rateStore, perMinute: config.rateLimit.perMinute, maxStreams: config.rateLimit.maxStreams }
    const sockets = attachSockets(server as unknown as http.Server, routes, { limits, trustProxy: config.rateLimit.trustProxy, log })
    server.once('close', () => {
      sockets.close()
      redis?.close()
    })
  })
}
