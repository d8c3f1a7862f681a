/**
 * Remote avatar models (DESIGN §4, ../shared/OMNIRT.md): per model a backend — `mock` (built into
 * the relay), `omnirt` (OmniRT's native realtime protocol at OMNIRT_ENDPOINT) or `direct_ws` (a
 * model server's own compat WebSocket at AVATAR_<MODEL>_WS_URL). config.ts reads them.
 */
import type { AvatarBackend } from '../contract.ts'

export interface AvatarModel {
  id: string
  backend: AvatarBackend
  /** The backend's WebSocket URL (omnirt: the native realtime endpoint; direct_ws: as configured). */
  wsUrl?: string
}

export interface AvatarConfig {
  omnirt?: { endpoint: string; apiKey?: string }
  models: readonly AvatarModel[]
}

/** http(s)://host:9000/base → ws(s)://host:9000/base/<path> (a base path is kept). */
export function wsUrlFor(endpoint: string, path: string): string {
  const u = new URL(endpoint)
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:'
  u.pathname = `${u.pathname.replace(/\/+$/, '')}${path}`
  return u.toString()
}
