/**
 * Avatar WebSockets on Cloudflare Workers: the same checks (avatar/upgrade.ts) and the same session
 * (avatar/session.ts) as on Node, over the Workers socket API — a WebSocketPair for the browser's
 * side, and a fetch with `Upgrade: websocket` for the backend's (it can carry the backend's
 * credentials, which `new WebSocket()` cannot).
 */
import type { AvatarLimits } from '../../avatar/backend.ts'
import { AvatarSession } from '../../avatar/session.ts'
import type { BackendPeer, Connect, Peer } from '../../sockets.ts'
import { AVATAR_PROTOCOL, avatarUpgrade } from '../../avatar/upgrade.ts'
import type { RelayConfig } from '../../config.ts'
import { ApiError, errorBody } from '../../errors.ts'
import { admit, type Limits } from '../../limits/rate-limit.ts'

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
/** The largest message a browser may send: a reference image (4 MB) in base64, and some. */
const MAX_MESSAGE_BYTES = 6 * 1024 * 1024
const HANDSHAKE_MS = 5000

const bytesOf = (data: string | ArrayBuffer) => (typeof data === 'string' ? data : new Uint8Array(data))
/** Over the limit in bytes (as `ws` counts on Node); a string's UTF-8 size is measured only when it could be. */
const tooBig = (data: string | ArrayBuffer) =>
  typeof data === 'string' ? data.length > MAX_MESSAGE_BYTES || (data.length * 3 > MAX_MESSAGE_BYTES && new TextEncoder().encode(data).byteLength > MAX_MESSAGE_BYTES) : data.byteLength > MAX_MESSAGE_BYTES

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
  // One handler of each kind at a time: setting one replaces the last.
  let onMessage: (data: string | Uint8Array) => void = () => {}
  let onClose: (code: number, reason: string) => void = () => {}
  ws.addEventListener('message', (e) => onMessage(bytesOf(e.data)))
  ws.addEventListener('close', (e) => {
    onClose(e.code, e.reason)
    try {
      ws.close(1000, 'closed')
    } catch {
      // already closed
    }
  })
  ws.addEventListener('error', () => onClose(1011, 'backend socket error'))
  const backend: BackendPeer = { ...peer(ws), onMessage: (h) => void (onMessage = h), onClose: (h) => void (onClose = h) }
  return backend
}

export interface WorkerSocketDeps {
  limits: Limits
  log(entry: Record<string, unknown>): void
  avatarLimits?: Partial<AvatarLimits>
  connect?: Connect
}

/**
 * Answers `WS /api/v1/avatar/:model` on Workers, or returns null for any other request. A session
 * counts against the client's minute and holds one of its stream slots until it closes.
 */
export function avatarSockets(config: RelayConfig, deps: WorkerSocketDeps) {
  const check = avatarUpgrade(config)
  return async (request: Request, clientKey: string, keepAlive: (work: Promise<unknown>) => void): Promise<Response | null> => {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return null
    const outcome = check(request.url, request.headers)
    if (outcome === null) return null
    if (outcome instanceof ApiError) return refusal(outcome)
    const admitted = await admit(deps.limits, clientKey, true)
    if (admitted instanceof ApiError) return refusal(admitted)

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
    const session = new AvatarSession(
      outcome,
      { connect: deps.connect ?? connectWorkers, omnirtKey: config.avatar.omnirt?.apiKey, limits: deps.avatarLimits, log: deps.log },
      { ...toBrowser, close: (code, reason) => (releaseSlot(), toBrowser.close(code, reason)) },
    )
    const end = () => {
      session.onClientClose()
      releaseSlot()
    }
    relay.addEventListener('message', (e) => {
      if (tooBig(e.data)) {
        relay.close(1009, 'message too big')
        return end()
      }
      session.onClientMessage(bytesOf(e.data))
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
    const headers = offered.includes(AVATAR_PROTOCOL) ? { 'sec-websocket-protocol': AVATAR_PROTOCOL } : undefined
    return new Response(null, { status: 101, webSocket: browser, headers } as ResponseInit)
  }
}

function refusal(err: ApiError): Response {
  return Response.json(errorBody(err.code, err.message, err.type), { status: err.status, headers: err.headers })
}
