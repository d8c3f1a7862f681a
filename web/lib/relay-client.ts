import type { AvatarModels, AvatarStatus, PublicConfig, ToolCallRequest, ToolCallResult, ToolInfo, ToolsListing } from '../../relay/contract.ts'
import { AppError, errorFromResponse, isAbort } from './errors.ts'
import { relayUrl } from './relay-url.ts'

/** What GET /api/config says about the relay (capabilities only). */
export type RelayCapabilities = PublicConfig

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

export type RemoteAvatarStatus = AvatarStatus

/** GET /api/v1/avatar/models: which remote avatar models can be used now. */
export async function fetchAvatarModels(token?: string, signal?: AbortSignal): Promise<RemoteAvatarStatus[]> {
  const res = await relayFetch('/api/v1/avatar/models', { token, signal })
  return ((await res.json()) as AvatarModels).statuses
}

/** GET /api/v1/tools: the operator's MCP tools (each server's allow-list applied). */
export async function fetchRelayTools(token?: string, signal?: AbortSignal): Promise<ToolInfo[]> {
  const res = await relayFetch('/api/v1/tools', { token, signal })
  const body = (await res.json()) as Partial<ToolsListing>
  return Array.isArray(body.tools) ? body.tools : []
}

/** POST /api/v1/tools/:server/:tool: one call, run by the relay with the server's credentials. */
export async function callRelayTool(tool: Pick<ToolInfo, 'server' | 'name'>, args: ToolCallRequest['arguments'], token?: string, signal?: AbortSignal): Promise<Partial<ToolCallResult>> {
  const res = await relayFetch(`/api/v1/tools/${encodeURIComponent(tool.server)}/${encodeURIComponent(tool.name)}`, {
    method: 'POST',
    token,
    signal,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ arguments: args } satisfies ToolCallRequest),
  })
  return (await res.json()) as Partial<ToolCallResult>
}
