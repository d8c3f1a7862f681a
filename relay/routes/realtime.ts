import type { RealtimeConfig } from '../config.ts'
import { ApiError } from '../errors.ts'
import { RealtimeSession, type RealtimeLimits } from '../realtime/session.ts'
import type { Connect, SocketRoute } from '../sockets.ts'

export const REALTIME_PATH = '/api/v1/realtime'
/** The subprotocol OpenAI's browser clients offer (beside their key), echoed when offered. */
export const REALTIME_PROTOCOL = 'realtime'
/**
 * Above the largest event a session accepts (an append of MAX_AUDIO_CHARS and its envelope):
 * a bigger one is refused with an error event by the session; only a far bigger one closes the socket.
 */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024

export interface RealtimeSocketOptions {
  realtime: RealtimeConfig | undefined
  connect: Connect
  limits?: Partial<RealtimeLimits>
  log?(entry: Record<string, unknown>): void
}

/** WS /api/v1/realtime?model=: an OpenAI Realtime session proxied to the configured upstream (realtime/session.ts). */
export function realtimeSocket(options: RealtimeSocketOptions): SocketRoute {
  const { realtime, connect, limits, log } = options
  return {
    protocol: REALTIME_PROTOCOL,
    maxMessageBytes: MAX_MESSAGE_BYTES,
    match(url) {
      if (url.pathname !== REALTIME_PATH) return null
      return () => {
        if (!realtime) return new ApiError(404, 'realtime_not_configured', 'This relay has no Realtime model. The operator sets REALTIME_URL (or OPENAI_API_KEY for OpenAI Realtime).')
        const model = url.searchParams.get('model') || realtime.defaultModel
        if (!realtime.models.includes(model)) return new ApiError(400, 'model_not_allowed', `This relay does not allow the Realtime model "${model.slice(0, 60)}". Allowed: ${realtime.models.join(', ')}.`)
        return (client) => {
          const session = new RealtimeSession(realtime, model, { connect, limits, log }, client)
          return { message: (data) => session.onClientMessage(data), closed: () => session.onClientClose() }
        }
      }
    },
  }
}
