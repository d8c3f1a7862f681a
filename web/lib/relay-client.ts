import { AppError, errorFromResponse, isAbort } from './errors.ts'
import { relayUrl } from './relay-url.ts'

/** What GET /api/config says about the relay (capabilities only). */
export interface RelayCapabilities {
  version: string
  auth: { required: boolean }
  llm: { available: boolean; models: string[]; default: string | null }
  tts: { available: boolean; provider: string | null; voices: string[] }
  asr: { available: boolean }
  /** Remote avatar models configured on the relay (whether each is up: fetchAvatarModels). */
  avatar: { models: { id: string; backend: string }[] }
  realtime: { available: boolean }
}

/** fetch() against the relay: adds the access token, and turns failures into AppErrors. */
export async function relayFetch(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const { token, ...rest } = init
  const headers = new Headers(rest.headers)
  if (token) headers.set('authorization', `Bearer ${token}`)
  let res: Response
  try {
    res = await fetch(relayUrl(path), { ...rest, headers })
  } catch (err) {
    if (isAbort(err)) throw err
    throw new AppError('relay_unreachable', 'The page could not reach its relay. Check your connection; if you run Parley yourself, make sure `npm start` is still running.')
  }
  if (!res.ok) throw await errorFromResponse(res)
  return res
}

export async function fetchCapabilities(signal?: AbortSignal): Promise<RelayCapabilities> {
  const res = await relayFetch('/api/config', { signal })
  return (await res.json()) as RelayCapabilities
}

export interface RemoteAvatarStatus {
  id: string
  backend: string
  connected: boolean
  reason: string
}

/** GET /api/v1/avatar/models: which remote avatar models can be used now. */
export async function fetchAvatarModels(token?: string, signal?: AbortSignal): Promise<RemoteAvatarStatus[]> {
  const res = await relayFetch('/api/v1/avatar/models', { token, signal })
  return ((await res.json()) as { statuses: RemoteAvatarStatus[] }).statuses
}
