/**
 * The relay's WebSockets on Node (the `ws` package): an upgrade is checked against the socket
 * route table (sockets.ts), counted against the client's allowance, then handed to its route's
 * session; `connectNode` opens the sockets to backends.
 */
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { ApiError, errorBody } from '../../errors.ts'
import { admit, clientKeyOf, type Limits } from '../../limits/rate-limit.ts'
import { earlyHandlers, type Connect, type Peer, type SocketMatch, type SocketRoute, type SocketTable } from '../../sockets.ts'

const asBytes = (data: RawData): Uint8Array => (Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data)

function peer(ws: WebSocket): Peer {
  return {
    send: (data) => ws.readyState === WebSocket.OPEN && ws.send(data),
    close: (code, reason) => ws.readyState <= WebSocket.OPEN && ws.close(code, reason),
    get bufferedAmount() {
      return ws.bufferedAmount
    },
  }
}

/** Connects to a backend with headers (credentials the browser could not send). */
export const connectNode: Connect = (url, headers) =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, maxPayload: 64 * 1024 * 1024, handshakeTimeout: 5000 })
    ws.once('open', () => {
      const handlers = earlyHandlers()
      ws.on('message', (data, binary) => handlers.message(binary ? asBytes(data) : asBytes(data).toString()))
      ws.on('close', (code, reason) => handlers.close(code, reason.toString()))
      ws.on('error', () => {})
      resolve({ ...peer(ws), get bufferedAmount() { return ws.bufferedAmount }, onMessage: handlers.onMessage, onClose: handlers.onClose })
    })
    ws.once('unexpected-response', (req, res) => {
      req.destroy()
      reject(new Error(`it answered HTTP ${res.statusCode}`))
    })
    ws.once('error', (err) => reject(err))
  })

function refuse(socket: Duplex, err: ApiError) {
  const body = JSON.stringify(errorBody(err.code, err.message, err.type))
  const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), connection: 'close', ...err.headers }
  socket.end(`HTTP/1.1 ${err.status} ${err.code}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`)
}

export interface NodeSocketOptions {
  /** A session counts against the client's minute and holds one of its stream slots while open. */
  limits: Limits
  /** Whether X-Forwarded-For names the client (a trusted proxy sets it). */
  trustProxy: boolean
  log?(e: Record<string, unknown>): void
}

/** Serves the table's routes on `server`'s upgrades; `clients` are the open sockets (to end at shutdown). */
export function attachSockets(server: Server, routes: SocketTable, options: NodeSocketOptions) {
  // One server per route: each has its own largest message and subprotocol.
  const servers = new Map<SocketRoute, WebSocketServer>()
  const serverFor = (route: SocketRoute) => {
    let wss = servers.get(route)
    if (!wss) {
      wss = new WebSocketServer({ noServer: true, maxPayload: route.maxMessageBytes, handleProtocols: (offered) => (offered.has(route.protocol) ? route.protocol : false) })
      servers.set(route, wss)
    }
    return wss
  }
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    // Nothing a client sends may throw out of this listener: that would end the process.
    try {
      upgrade(req, socket, head)
    } catch (err) {
      options.log?.({ level: 'error', msg: 'socket upgrade failed', error: (err as Error).message })
      socket.destroy()
    }
  })

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const headers = new Headers()
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v)
    const outcome = routes(req.url ?? '/', headers)
    if (outcome === null) return refuse(socket, new ApiError(404, 'not_found', 'There is no WebSocket at that path.'))
    if (outcome instanceof ApiError) return refuse(socket, outcome)
    const key = clientKeyOf(options.trustProxy, req.headers['x-forwarded-for']?.toString(), req.socket.remoteAddress)
    void admit(options.limits, key, true).then(
      (admitted) => {
        if (admitted instanceof ApiError) return refuse(socket, admitted)
        accept(req, socket, head, outcome, admitted.release)
      },
      () => socket.destroy(),
    )
  }

  function accept(req: IncomingMessage, socket: Duplex, head: Buffer, match: SocketMatch, release: () => void) {
    if (socket.destroyed) return release()
    serverFor(match.route).handleUpgrade(req, socket, head, (ws) => {
      ws.once('close', release)
      const session = match.open(peer(ws))
      ws.on('message', (data, binary) => session.message(binary ? asBytes(data) : asBytes(data).toString()))
      ws.on('close', () => session.closed())
      ws.on('error', () => session.closed())
    })
  }

  return {
    /** Every open socket, on every route. */
    get clients() {
      return [...servers.values()].flatMap((wss) => [...wss.clients])
    },
    close() {
      for (const wss of servers.values()) wss.close()
    },
  }
}
