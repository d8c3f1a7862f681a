/**
 * Which remote avatar models can be used now: OmniRT's own listing (a model it reports as not
 * connected is not connected), a direct_ws server's health, and the mock (always there). Each
 * check has a short timeout, so a dead GPU server costs the listing one second, not a hang.
 */
import type { AvatarModels, AvatarStatus } from '../contract.ts'
import type { AvatarConfig } from './config.ts'

const TIMEOUT_MS = 1000
/**
 * Native model ids OmniRT lists under another name: its FlashTalk routes render
 * `soulx-flashtalk-14b` and its listing calls that runtime `flashtalk` (routes/avatar.py).
 */
const LISTED_AS: Record<string, string> = { 'soulx-flashtalk-14b': 'flashtalk' }

interface Listing {
  models?: unknown
  statuses?: { id?: unknown; connected?: unknown; reason?: unknown }[]
}

/** OmniRT's listing, or null when it cannot be had (down, refusing the key, not OmniRT). */
async function omnirtListing(omnirt: NonNullable<AvatarConfig['omnirt']>, fetchUpstream: typeof fetch): Promise<Listing | null> {
  const headers: Record<string, string> = omnirt.apiKey ? { authorization: `Bearer ${omnirt.apiKey}` } : {}
  for (const path of ['/v1/audio2video/models', '/v1/avatar/models']) {
    try {
      const res = await fetchUpstream(`${omnirt.endpoint}${path}`, { headers, signal: AbortSignal.timeout(TIMEOUT_MS) })
      if (res.status === 404) continue
      if (!res.ok) return null
      return (await res.json()) as Listing
    } catch {
      return null
    }
  }
  return null
}

/** A direct_ws server is up when an HTTP GET on its host answers below 500 within a second. */
async function directHealthy(wsUrl: string, fetchUpstream: typeof fetch): Promise<boolean> {
  const u = new URL(wsUrl)
  const http = `${u.protocol === 'wss:' ? 'https:' : 'http:'}//${u.host}/`
  try {
    const res = await fetchUpstream(http, { signal: AbortSignal.timeout(TIMEOUT_MS) })
    await res.body?.cancel()
    return res.status < 500
  } catch {
    return false
  }
}

export async function avatarStatuses(config: AvatarConfig, fetchUpstream: typeof fetch): Promise<AvatarModels> {
  const listing = config.models.some((m) => m.backend === 'omnirt') && config.omnirt ? await omnirtListing(config.omnirt, fetchUpstream) : null
  const statuses = await Promise.all(
    config.models.map(async (m): Promise<AvatarStatus> => {
      if (m.backend === 'mock') return { id: m.id, backend: m.backend, connected: true, reason: 'mock' }
      if (m.backend === 'direct_ws') {
        const up = await directHealthy(m.wsUrl!, fetchUpstream)
        return { id: m.id, backend: m.backend, connected: up, reason: up ? 'direct_ws' : 'direct_ws_unavailable' }
      }
      if (!listing) return { id: m.id, backend: m.backend, connected: false, reason: 'omnirt_unavailable' }
      const id = LISTED_AS[m.id] ?? m.id
      const listed = Array.isArray(listing.models) && listing.models.some((x) => typeof x === 'string' && x.toLowerCase() === id)
      const status = listing.statuses?.find((s) => typeof s.id === 'string' && s.id.toLowerCase() === id)
      const connected = listed || status?.connected === true
      return { id: m.id, backend: m.backend, connected, reason: connected ? 'omnirt' : typeof status?.reason === 'string' ? status.reason.slice(0, 80) : 'not_listed' }
    }),
  )
  return { models: statuses.filter((s) => s.connected).map((s) => s.id), statuses }
}
