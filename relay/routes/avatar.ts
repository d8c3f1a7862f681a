import { Hono } from 'hono'
import type { AvatarLimits } from '../avatar/backend.ts'
import type { AvatarConfig } from '../avatar/config.ts'
import { AvatarSession } from '../avatar/session.ts'
import { avatarStatuses } from '../avatar/status.ts'
import { ApiError } from '../errors.ts'
import type { Connect, SocketRoute } from '../sockets.ts'

/** GET /api/v1/avatar/models: the configured remote avatar models and whether each can be used now. */
export function avatarRoutes(options: { avatar: AvatarConfig; fetch: typeof fetch }) {
  return new Hono().get('/avatar/models', async (c) => {
    c.header('cache-control', 'no-store')
    return c.json(await avatarStatuses(options.avatar, options.fetch))
  })
}

export const AVATAR_PATH = /^\/api\/v1\/avatar\/([A-Za-z0-9._-]{1,64})$/
/** The subprotocol the relay speaks (and selects when a browser offers it). */
export const AVATAR_PROTOCOL = 'parley'
/** The largest message a browser may send: a reference image (4 MB) in base64, and some. */
const MAX_MESSAGE_BYTES = 6 * 1024 * 1024

export interface AvatarSocketOptions {
  avatar: AvatarConfig
  /** How the runtime opens a socket to a backend. */
  connect: Connect
  limits?: Partial<AvatarLimits>
  log?(entry: Record<string, unknown>): void
}

/** WS /api/v1/avatar/:model: a session bridged to a model this relay is configured for (avatar/session.ts). */
export function avatarSocket(options: AvatarSocketOptions): SocketRoute {
  const { avatar, connect, limits, log } = options
  return {
    protocol: AVATAR_PROTOCOL,
    maxMessageBytes: MAX_MESSAGE_BYTES,
    match(url) {
      const m = AVATAR_PATH.exec(url.pathname)
      if (!m) return null
      return () => {
        const model = avatar.models.find((x) => x.id === m[1]!.toLowerCase())
        if (!model) return new ApiError(404, 'avatar_model_not_found', `This relay has no avatar model "${m[1]}". Models: ${avatar.models.map((x) => x.id).join(', ') || 'none (the operator sets AVATAR_<MODEL>_BACKEND)'}.`)
        return (client) => {
          const session = new AvatarSession(model, { connect, omnirtKey: avatar.omnirt?.apiKey, limits, log }, client)
          return { message: (data) => session.onClientMessage(data), closed: () => session.onClientClose() }
        }
      }
    },
  }
}
