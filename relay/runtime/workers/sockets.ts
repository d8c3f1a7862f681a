/**
 * The relay's WebSockets on Cloudflare Workers: the same route table (sockets.ts) and sessions as
 * on Node, over the Workers socket API — a WebSocketPair for the browser's side, and a fetch with
 * `Upgrade: websocket` for the backend's (it can carry the backend's credentials, which
 * `new WebSocket()` cannot).
 */
import { ApiError, plainErrorResponse } from '../../errors.ts'
import { admit, type Limits } from '../../limits/rate-limit.ts'
import { earlyHandlers, type BackendPeer, type Connect, type Peer, type SocketTable } from '../../sockets.ts'

/** The Workers WebSocket, as much of it as the relay uses. */
interface WorkersSocket {
  accept(): void
  send(data: string | ArrayBuffer | ArrayBufferView): void
  close(code?: number, reason?: string): void
  readonly readyState: number
  addEventListener(type: 'message', handler: (event: { data: string | ArrayBuffer }) => void): void
  addEventListener(type: 'close', handler: (event: { code: number; reason: string }) => void): void
  addEventListener(type: 'error', handler: () => void): void
}
declare const WebSocketPair: new () => { 0: WorkersSocket; 1: WorkersSocket }

const OPEN = 1
const HANDSHAKE_MS = 5000

const bytesOf = (data: string | ArrayBuffer) => (typeof data === 'string' ? data : new Uint8Array(data))
/** Over the limit in bytes (as `ws` counts on Node); a string's UTF-8 size is measured only when it could be. */
const tooBig = (data: string | ArrayBuffer, max: number) =>
  typeof data === 'string' ? data.length > max || (data.length * 3 > max && new TextEncoder().encode(data).byteLength > max) : data.byteLength > max

function peer(ws: WorkersSocket): Peer {
  return {
    send: (data) => ws.readyState === OPEN && ws.send(data),
    close: (code, reason) => ws.readyState <= OPEN && ws.close(code, reason),
    // Workers does not say how much is waiting to go out; the platform buffers it.
    bufferedAmount: 0,
  }
}

/** Opens a backend socket by fetch (ws:// and wss:// are fetched as http:// and https://). */
export const connectWorkers: Connect = async (url, headers) => {
  // The handshake has a deadline, the socket none: workerd ties a fetched socket to the fetch's
  // signal, so the timer is cleared once the answer is in (AbortSignal.timeout would end the
  // session at the deadline).
  const handshake = new AbortController()
  const timer = setTimeout(() => handshake.abort(new Error(`no answer within ${HANDSHAKE_MS / 1000} s`)), HANDSHAKE_MS)
  const res = await fetch(url.replace(/^ws/, 'http'), { headers: { ...headers, upgrade: 'websocket' }, signal: handshake.signal }).finally(() => clearTimeout(timer))
  const ws = (res as Response & { webSocket?: WorkersSocket | null }).webSocket
  if (!ws) {
    await res.body?.cancel()
    throw new Error(`it answered HTTP ${res.status}`)
  }
  ws.accept()
  const handlers = earlyHandlers()
  ws.addEventListener('message', (e) => handlers.message(bytesOf(e.data)))
  ws.addEventListener('close', (e) => {
    handlers.close(e.code, e.reason)
    try {
      ws.close(1000, 'closed')
    } catch {
      // already closed
    }
  })
  ws.addEventListener('error', () => handlers.close(1011, 'backend socket error'))
  const backend: BackendPeer = { ...peer(ws), onMessage: handlers.onMessage, onClose: handlers.onClose }
  return backend
}

/**
 * Answers an upgrade to one of the table's routes, or returns null for any other request. A
 * session counts against the client's minute and holds one of its stream slots until it closes.
 */
export function workerSockets(routes: SocketTable, limits: Limits) {
  return async (request: Request, clientKey: string, keepAlive: (work: Promise<unknown>) => void): Promise<Response | null> => {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return null
    const match = routes(request.url, request.headers)
    if (match === null) return null
    if (match instanceof ApiError) return plainErrorResponse(match)
    const { route } = match
    const admitted = await admit(limits, clientKey, true)
    if (admitted instanceof ApiError) return plainErrorResponse(admitted)

    const pair = new WebSocketPair()
    const [browser, relay] = [pair[0], pair[1]]
    relay.accept()
    // The slot goes back as soon as the session ends, from either side: a browser that vanished
    // may never answer the relay's close frame.
    let slotHeld = true
    const releaseSlot = () => {
      if (!slotHeld) return
      slotHeld = false
      keepAlive(admitted.release())
    }
    const toBrowser = peer(relay)
    const session = match.open({ ...toBrowser, close: (code, reason) => (releaseSlot(), toBrowser.close(code, reason)) })
    const end = () => {
      session.closed()
      releaseSlot()
    }
    relay.addEventListener('message', (e) => {
      if (tooBig(e.data, route.maxMessageBytes)) {
        relay.close(1009, 'message too big')
        return end()
      }
      session.message(bytesOf(e.data))
    })
    relay.addEventListener('close', (e) => {
      end()
      // Workers does not answer a browser's close frame by itself: finish the handshake.
      try {
        relay.close(e.code === 1005 ? 1000 : e.code, 'closed')
      } catch {
        // already closed
      }
    })
    relay.addEventListener('error', () => {
      end()
      try {
        relay.close(1011, 'socket error')
      } catch {
        // already closed
      }
    })
    const offered = (request.headers.get('sec-websocket-protocol') ?? '').split(',').map((p) => p.trim())
    const headers = offered.includes(route.protocol) ? { 'sec-websocket-protocol': route.protocol } : undefined
    return new Response(null, { status: 101, webSocket: browser, headers } as ResponseInit)
  }
}
