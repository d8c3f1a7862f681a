/**
 * WebSockets as the relay's socket routes see them, runtime-free: each runtime wraps its own
 * sockets in these (runtime/node/sockets.ts, runtime/workers/sockets.ts).
 */

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
