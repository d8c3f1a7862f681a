/**
 * Remote avatar models (DESIGN §4, ../shared/OMNIRT.md): per model a backend — `mock` (built into
 * the relay), `omnirt` (OmniRT's native realtime protocol at OMNIRT_ENDPOINT) or `direct_ws` (a
 * model server's own compat WebSocket at AVATAR_<MODEL>_WS_URL) — read from the environment.
 */
import type { Env } from '../config.ts'

export type AvatarBackend = 'mock' | 'omnirt' | 'direct_ws'

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

const BACKENDS = new Set(['mock', 'omnirt', 'direct_ws'])

/** http(s)://host:9000/base → ws(s)://host:9000/base/<path> (a base path is kept). */
export function wsUrlFor(endpoint: string, path: string): string {
  const u = new URL(endpoint)
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:'
  u.pathname = `${u.pathname.replace(/\/+$/, '')}${path}`
  return u.toString()
}

/** Reads the avatar settings; returns the config, or the problems naming each variable. */
export function avatarConfig(env: Env): AvatarConfig | string[] {
  const problems: string[] = []
  const text = (name: string) => env[name]?.trim() || undefined
  let omnirt: AvatarConfig['omnirt']
  const endpoint = text('OMNIRT_ENDPOINT')
  if (endpoint) {
    try {
      const u = new URL(endpoint)
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error()
      omnirt = { endpoint: endpoint.replace(/\/+$/, ''), apiKey: text('OMNIRT_API_KEY') }
    } catch {
      problems.push(`OMNIRT_ENDPOINT: expected an http:// or https:// URL, e.g. http://gpu-host:9000 (got ${JSON.stringify(endpoint)})`)
    }
  }
  const ids = new Set<string>()
  for (const key of Object.keys(env)) {
    const m = /^AVATAR_([A-Z0-9_]+)_(BACKEND|WS_URL)$/.exec(key)
    if (m && text(key)) ids.add(m[1]!)
  }
  const models: AvatarModel[] = []
  for (const name of [...ids].sort()) {
    const id = name.toLowerCase()
    const wsUrl = text(`AVATAR_${name}_WS_URL`)
    const backend = text(`AVATAR_${name}_BACKEND`) ?? (wsUrl ? 'direct_ws' : undefined)
    if (!backend || !BACKENDS.has(backend)) {
      problems.push(`AVATAR_${name}_BACKEND: expected mock, omnirt or direct_ws (got ${JSON.stringify(backend ?? '')})`)
      continue
    }
    if (backend === 'omnirt') {
      if (!omnirt) problems.push(`AVATAR_${name}_BACKEND: omnirt needs OMNIRT_ENDPOINT`)
      else models.push({ id, backend, wsUrl: wsUrlFor(omnirt.endpoint, '/v1/avatar/realtime') })
    } else if (backend === 'direct_ws') {
      if (!wsUrl || !/^wss?:\/\/[^/]+/.test(wsUrl)) problems.push(`AVATAR_${name}_WS_URL: direct_ws needs the model server's ws:// or wss:// URL (got ${JSON.stringify(wsUrl ?? '')})`)
      else models.push({ id, backend, wsUrl })
    } else models.push({ id, backend: 'mock' })
  }
  return problems.length ? problems : { omnirt, models }
}
