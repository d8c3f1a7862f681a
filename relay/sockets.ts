/**
 * WebSockets as the relay's socket routes see them, runtime-free: each runtime wraps its own
 * sockets in these (runtime/node/sockets.ts, runtime/workers/sockets.ts) and serves the routes
 * of one table (app.ts: `createSocketRoutes`).
 */
import type { RelayConfig } from './config.ts'
import { ApiError } from './errors.ts'
import { tokenFromHeaders, tokenProblem } from './http/access.ts'
import { originCheck } from './http/origin-guard.ts'

/** A WebSocket as the relay sees it, whatever the runtime. */
export interface Peer {
  send(data: string | Uint8Array): void
  close(code?: number, reason?: string): void
  readonly bufferedAmount: number
}

export interface BackendPeer extends Peer {
  onMessage(handler: (data: string | Uint8Array) => void): void
  onClose(handler: (code: number, reason: string) => void): void
}

/** Opens a WebSocket to a backend with the given headers (browsers cannot set them; the relay does). */
export type Connect = (url: string, headers: Record<string, string>) => Promise<BackendPeer>

/** What a route does with a browser's socket once it is accepted. */
export interface SocketSession {
  /** A message from the browser. */
  message(data: string | Uint8Array): void
  /** The browser's socket closed or failed. */
  closed(): void
}

/** One WebSocket route: the paths it answers, and the session it opens on an accepted socket. */
export interface SocketRoute {
  /** The subprotocol it speaks, selected when the browser offers it. */
  readonly protocol: string
  /** The largest message a browser may send. */
  readonly maxMessageBytes: number
  /**
   * null when the URL's path is not this route's; otherwise what to open, asked only once the
   * origin and the access token have passed (so a refused client learns nothing about the route).
   */
  match(url: URL): (() => ApiError | ((client: Peer) => SocketSession)) | null
}

/** An upgrade that may go ahead: its route, and how to start its session. */
export interface SocketMatch {
  route: SocketRoute
  open(client: Peer): SocketSession
}

/** Answers an upgrade request: the match, a refusal, or null when no socket lives at its path. */
export type SocketTable = (url: string, headers: Headers) => SocketMatch | ApiError | null

/**
 * The relay's socket routes behind one check, under the same origin and access rules as every
 * other /api/v1 route. Each runtime asks it, then accepts the socket its own way.
 */
export function socketTable(config: RelayConfig, routes: readonly SocketRoute[], log?: (entry: Record<string, unknown>) => void): SocketTable {
  const origin = originCheck({ allowedOrigins: config.allowedOrigins, listenHost: config.host })
  return (url, headers) => {
    let parsed: URL
    try {
      parsed = new URL(url, 'http://relay')
    } catch {
      return new ApiError(400, 'bad_request', 'That request path is not a URL path.')
    }
    for (const route of routes) {
      const found = route.match(parsed)
      if (!found) continue
      const refused = origin(headers) ?? tokenProblem(config.accessToken, tokenFromHeaders(headers))
      if (refused) return refused
      const open = found()
      return open instanceof ApiError ? open : { route, open: (client) => guarded(open(client), client, log) }
    }
    return null
  }
}

/**
 * A backend socket's handlers, one of each kind at a time (setting one replaces the last). What
 * arrives before the first message handler is set — a server that speaks first, as Realtime ones
 * do with session.created, can beat the code that opened the socket — is kept and handed to it;
 * so is a close.
 */
export function earlyHandlers() {
  let onMessage: ((data: string | Uint8Array) => void) | undefined
  let onClose: ((code: number, reason: string) => void) | undefined
  const early: (string | Uint8Array)[] = []
  let closed: [number, string] | undefined
  return {
    message(data: string | Uint8Array) {
      if (onMessage) onMessage(data)
      else early.push(data)
    },
    close(code: number, reason: string) {
      if (onClose && !early.length) onClose(code, reason)
      else closed = [code, reason]
    },
    onMessage(h: (data: string | Uint8Array) => void) {
      onMessage = h
      for (const data of early.splice(0)) h(data)
      if (closed && onClose) onClose(...closed)
    },
    onClose(h: (code: number, reason: string) => void) {
      onClose = h
      if (closed && !early.length) onClose(...closed)
    },
  }
}

/**
 * Nothing a client sends may throw out of a runtime's socket listener (on Node that would end the
 * process): a session that throws is closed, and the log says so.
 */
function guarded(session: SocketSession, client: Peer, log?: (entry: Record<string, unknown>) => void): SocketSession {
  const fail = (err: unknown) => {
    log?.({ level: 'error', msg: 'socket session failed', error: err instanceof Error ? err.message : String(err) })
    try {
      client.close(1011, 'internal error')
      session.closed()
    } catch {
      // closing what already failed
    }
  }
  return {
    message(data) {
      try {
        session.message(data)
      } catch (err) {
        fail(err)
      }
    },
    closed() {
      try {
        session.closed()
      } catch (err) {
        log?.({ level: 'error', msg: 'socket session failed to close', error: err instanceof Error ? err.message : String(err) })
      }
    },
  }
}
