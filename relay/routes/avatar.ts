import { Hono } from 'hono'
import type { AvatarConfig } from '../avatar/config.ts'
import { avatarStatuses } from '../avatar/status.ts'

/** GET /api/v1/avatar/models: the configured remote avatar models and whether each can be used now. */
export function avatarRoutes(options: { avatar: AvatarConfig; fetch: typeof fetch }) {
  return new Hono().get('/avatar/models', async (c) => {
    c.header('cache-control', 'no-store')
    return c.json(await avatarStatuses(options.avatar, options.fetch))
  })
}
