import { Hono, type Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { requireAccessToken } from './http/access.ts'
import type { AvatarLimits } from './avatar/backend.ts'
import type { RelayConfig } from './config.ts'
import { ApiError, errorResponse } from './errors.ts'
import { relayLogger } from './log.ts'
import { cors } from './http/cors.ts'
import { clientKeyOf, MemoryRateStore, rateLimit, type RateLimitOptions, type RateStore } from './limits/rate-limit.ts'
import { guardOrigin } from './http/origin-guard.ts'
import { securityHeaders } from './http/security-headers.ts'
import { avatarRoutes, avatarSocket } from './routes/avatar.ts'
import { chatRoutes } from './routes/chat.ts'
import { embeddingsRoutes } from './routes/embeddings.ts'
import { metaRoutes } from './routes/meta.ts'
import { realtimeSocket } from './routes/realtime.ts'
import type { RealtimeLimits } from './realtime/session.ts'
import { speechRoutes } from './routes/speech.ts'
import { toolRoutes } from './routes/tools.ts'
import { transcriptionRoutes } from './routes/transcriptions.ts'
import { modelRoutes, spaRoutes, type AssetSource } from './http/spa.ts'
import { socketTable, type Connect, type SocketTable } from './sockets.ts'
import { McpServers } from './tools/mcp-servers.ts'

export const RELAY_VERSION = '0.1.0'

/** Routes whose answers stream (and hold a client's stream slot while they do). */
const STREAMING = /\/(chat\/completions|audio\/speech)$/

export interface RelayDeps {
  /** How the relay reaches upstreams; tests and runtimes may wrap it. */
  fetch?: typeof fetch
  /** The built SPA; without it, navigation says how to build it. */
  assets?: AssetSource
  /** Self-hosted on-device models (models/<id>/…), served at /models/ with or without the SPA; without it, /models/ is the SPA's. */
  models?: AssetSource
  /** One structured entry per line; never receives keys. */
  log?: (entry: Record<string, unknown>) => void
  /** Where the per-client counts live (default: this process's memory). */
  rateStore?: RateStore
  /** The client's address as the runtime sees it (the limits' key when no trusted proxy says otherwise). */
  clientAddress?: (c: Context) => string | undefined
  /** Lets work finish after the response has, where the runtime would cut it short (Workers' waitUntil). */
  keepAlive?: (c: Context, work: Promise<unknown>) => void
}

/** The whole relay over Web Request/Response only: each runtime wraps it in a few lines. */
export function createApp(config: RelayConfig, deps: RelayDeps = {}) {
  const fetchUpstream = deps.fetch ?? ((input, init) => fetch(input, init))
  const log = relayLogger(config, deps.log)

  const limits: RateLimitOptions = {
    store: deps.rateStore ?? new MemoryRateStore(),
    perMinute: config.rateLimit.perMinute,
    maxStreams: config.rateLimit.maxStreams,
    clientKey: (c) => clientKeyOf(config.rateLimit.trustProxy, c.req.header('x-forwarded-for'), deps.clientAddress?.(c)),
    keepAlive: deps.keepAlive,
  }
  const limitRequest = rateLimit(limits)
  const limitStream = rateLimit(limits, true)
  // One session per MCP server for the app's life, opened on first use.
  const tools = new McpServers(config.mcpServers, { fetch: fetchUpstream, limits: config.limits, log, version: RELAY_VERSION })
  const api = new Hono()
    // CORS on the whole API, /api/config included: a page on a static host reads it first.
    .use('*', cors(config.allowedOrigins))
    .route('/', metaRoutes(config, RELAY_VERSION))
    .use('/v1/*', guardOrigin({ allowedOrigins: config.allowedOrigins, listenHost: config.host }))
    .use('/v1/*', requireAccessToken(config.accessToken))
    // Streams (chat, speech) also hold a slot while they run; everything counts against the minute.
    .use('/v1/*', (c, next) => (c.req.method === 'POST' && STREAMING.test(c.req.path) ? limitStream : limitRequest)(c, next))
    .route('/v1', chatRoutes({ llm: config.llm, limits: config.limits, fetch: fetchUpstream }))
    .route('/v1', speechRoutes({ tts: config.tts, limits: config.limits, fetch: fetchUpstream }))
    .route('/v1', transcriptionRoutes({ asr: config.asr, limits: config.limits, fetch: fetchUpstream }))
    .route('/v1', embeddingsRoutes({ embeddings: config.embeddings, limits: config.limits, fetch: fetchUpstream }))
    .route('/v1', avatarRoutes({ avatar: config.avatar, fetch: fetchUpstream }))
    .route('/v1', toolRoutes({ tools, limits: config.limits, log }))
    .all('*', (c) => {
      throw new ApiError(404, 'not_found', `There is no ${c.req.method} ${c.req.path} on this relay. See the README for the relay's API.`)
    })

  const app = new Hono()
  app.use('*', securityHeaders())
  // An access line per API call: method, path (never the query: it may hold a token), status, time.
  app.use('/api/*', async (c, next) => {
    const started = performance.now()
    await next()
    log({ level: c.res.status >= 500 ? 'error' : c.res.status >= 400 ? 'warn' : 'info', msg: 'request', method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) })
  })
  app.route('/api', api)
  // A page on a static host loads the self-hosted models from here too, across origins.
  app.use('/models/*', cors(config.allowedOrigins, 'GET, HEAD, OPTIONS'))
  if (deps.models) app.route('/models', modelRoutes(deps.models))
  app.route('/', spaRoutes(deps.assets))

  app.onError((err, c) => {
    if (err instanceof ApiError) return errorResponse(c, err)
    if (err instanceof HTTPException) {
      return errorResponse(c, new ApiError(err.status as 400, 'http_error', err.message || 'The request was refused.'))
    }
    log({ level: 'error', msg: 'unhandled error', path: c.req.path, error: err instanceof Error ? err.message : String(err) })
    return errorResponse(c, new ApiError(500, 'internal_error', 'The relay hit an unexpected error. Try again; if it persists, check the relay log.'))
  })
  return app
}

export interface SocketDeps {
  /** How the runtime opens a socket to a backend. */
  connect: Connect
  log(entry: Record<string, unknown>): void
  /** Tests shorten an avatar session's limits. */
  avatarLimits?: Partial<AvatarLimits>
  /** …and a Realtime session's. */
  realtimeLimits?: Partial<RealtimeLimits>
}

/** The relay's WebSocket routes, one table: each runtime accepts the sockets its own way (runtime/…/sockets.ts). */
export function createSocketRoutes(config: RelayConfig, deps: SocketDeps): SocketTable {
  return socketTable(config, [
    avatarSocket({ avatar: config.avatar, connect: deps.connect, limits: deps.avatarLimits, log: deps.log }),
    realtimeSocket({ realtime: config.realtime, connect: deps.connect, limits: deps.realtimeLimits, log: deps.log }),
  ], deps.log)
}
