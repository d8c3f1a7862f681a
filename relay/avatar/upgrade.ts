/**
 * Whether a WebSocket upgrade to `/api/v1/avatar/:model` may go ahead: the same origin and access
 * rules as every other /api/v1 route, and a model this relay is configured for. Runtime-free:
 * each runtime asks this, then accepts the socket its own way.
 */
import { tokenFromHeaders, tokenProblem } from '../http/access.ts'
import type { RelayConfig } from '../config.ts'
import { ApiError } from '../errors.ts'
import { originCheck } from '../http/origin-guard.ts'
import type { AvatarModel } from './config.ts'

export const AVATAR_PATH = /^\/api\/v1\/avatar\/([A-Za-z0-9._-]{1,64})$/
/** The subprotocol the relay speaks (and selects when a browser offers it). */
export const AVATAR_PROTOCOL = 'parley'

export function avatarUpgrade(config: RelayConfig) {
  const origin = originCheck({ allowedOrigins: config.allowedOrigins, listenHost: config.host })
  /** The model to connect to, a refusal, or null when the path is not an avatar socket. */
  return (url: string, headers: Headers): AvatarModel | ApiError | null => {
    let path: string
    try {
      path = new URL(url, 'http://relay').pathname
    } catch {
      return new ApiError(400, 'bad_request', 'That request path is not a URL path.')
    }
    const m = AVATAR_PATH.exec(path)
    if (!m) return null
    const refused = origin(headers) ?? tokenProblem(config.accessToken, tokenFromHeaders(headers))
    if (refused) return refused
    const model = config.avatar.models.find((x) => x.id === m[1]!.toLowerCase())
    if (!model) return new ApiError(404, 'avatar_model_not_found', `This relay has no avatar model "${m[1]}". Models: ${config.avatar.models.map((x) => x.id).join(', ') || 'none (the operator sets AVATAR_<MODEL>_BACKEND)'}.`)
    return model
  }
}
