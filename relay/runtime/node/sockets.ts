/**
 * Avatar WebSockets on Node (the `ws` package): upgrades to /api/v1/avatar/:model are checked by
 * the relay's own rules (avatar/upgrade.ts), then bridged to the model's backend (avatar/session.ts).
 */
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import type { AvatarLimits } from '../../avatar/backend.ts'
import { AvatarSession } from '../../avatar/session.ts'
import type { BackendPeer, Connect, Peer } from '../../sockets.ts'
import { AVATAR_PROTOCOL, avatarUpgrade } from '../../avatar/upgrade.ts'
import type { RelayConfig } from '../../config.ts'
import { admit, clientKeyOf, type RateStore } from '../../limits/rate-limit.ts'
import { ApiError } from '../../errors.ts'

/** The largest message a browser may send: a reference image (4 MB) in base64, and some. */
const MAX_MESSAGE_BYTES = 6 * 1024 * 1024

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
      // One handler of each kind at a time: setting one replaces the last.
      let onMessage: (data: string | Uint8Array) => void = () => {}
      let onClose: (code: number, reason: string) => void = () => {}
      ws.on('message', (data, binary) => onMessage(binary ? asBytes(data) : asBytes(data).toString()))
      ws.on('close', (code, reason) => onClose(code, reason.toString()))
      ws.on('error', () => {})
      resolve({ ...peer(ws), get bufferedAmount() { return ws.bufferedAmount }, onMessage: (h) => void (onMessage = h), onClose: (h) => void (onClose = h) })
    })
    ws.once('unexpected-response', (req, res) => {
      req.destroy()
      reject(new Error(`it answered HTTP ${res.statusCode}`))
    })
    ws.once('error', (err) => reject(err))
  })

function refuse(socket: Duplex, err: ApiError) {
  const body = JSON.stringify({ error: { message: err.message, type: err.type, code: err.code } })
  const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), connection: 'close', ...err.headers }
  socket.end(`HTTP/1.1 ${err.status} ${err.code}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`)
}

export function attachAvatarSockets(server: Server, config: RelayConfig, options: { log?(e: Record<string, unknown>): void; connect?: Connect; limits?: Partial<AvatarLimits>; rateStore?: RateStore } = {}) {
  const check = avatarUpgrade(config)
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    handleProtocols: (offered) => (offered.has(AVATAR_PROTOCOL) ? AVATAR_PROTOCOL : false),
  })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    // Nothing a client sends may throw out of this listener: that would end the process.
    try {
      upgrade(req, socket, head)
    } catch (err) {
      options.log?.({ level: 'error', msg: 'avatar upgrade failed', error: (err as Error).message })
      socket.destroy()
    }
  })
  /** A session counts against the client's minute and holds one of its stream slots while open. */
  function admitSession(req: IncomingMessage) {
    if (!options.rateStore) return Promise.resolve({ release() {} })
    const key = clientKeyOf(config.rateLimit.trustProxy, req.headers['x-forwarded-for']?.toString(), req.socket.remoteAddress)
    return admit({ store: options.rateStore, perMinute: config.rateLimit.perMinute, maxStreams: config.rateLimit.maxStreams }, key, true)
  }

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const headers = new Headers()
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v)
    const outcome = check(req.url ?? '/', headers)
    if (outcome === null) return refuse(socket, new ApiError(404, 'not_found', 'There is no WebSocket at that path.'))
    if (outcome instanceof ApiError) return refuse(socket, outcome)
    void admitSession(req).then(
      (admitted) => {
        if (admitted instanceof ApiError) return refuse(socket, admitted)
        accept(req, socket, head, outcome, admitted.release)
      },
      () => socket.destroy(),
    )
  }

  function accept(req: IncomingMessage, socket: Duplex, head: Buffer, outcome: Exclude<ReturnType<typeof check>, ApiError | null>, release: () => void) {
    if (socket.destroyed) return release()
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.once('close', release)
      const session = new AvatarSession(outcome, { connect: options.connect ?? connectNode, omnirtKey: config.avatar.omnirt?.apiKey, limits: options.limits, log: options.log }, peer(ws))
      ws.on('message', (data, binary) => session.onClientMessage(binary ? asBytes(data) : asBytes(data).toString()))
      ws.on('close', () => session.onClientClose())
      ws.on('error', () => session.onClientClose())
    })
  }
  return wss
}
