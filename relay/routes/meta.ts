import { Hono } from 'hono'
import type { RelayConfig } from '../config.ts'
import type { PublicConfig } from '../contract.ts'

export function publicConfig(config: RelayConfig, version: string): PublicConfig {
  return {
    version,
    auth: { required: Boolean(config.accessToken) },
    llm: {
      available: Boolean(config.llm),
      models: config.llm?.models ?? [],
      default: config.llm?.defaultModel ?? null,
    },
    tts: { available: Boolean(config.tts), provider: config.tts?.provider ?? null, voices: config.tts?.voices ?? [] },
    asr: { available: Boolean(config.asr) },
    avatar: { models: config.avatar.models.map((m) => ({ id: m.id, backend: m.backend })) },
    realtime: { available: Boolean(config.realtime), models: config.realtime?.models ?? [], default: config.realtime?.defaultModel ?? null },
    // Only whether there are any: which, and whether their servers are up, is behind the access token (GET /api/v1/tools).
    tools: { available: config.mcpServers.length > 0 },
    embeddings: config.embeddings ? { available: true, model: config.embeddings.model } : { available: false },
    preemptive: config.preemptive,
  }
}

export function metaRoutes(config: RelayConfig, version: string) {
  const body = publicConfig(config, version)
  return new Hono()
    .get('/health', (c) => c.json({ ok: true, version }))
    .get('/config', (c) => {
      c.header('cache-control', 'no-store')
      return c.json(body)
    })
}
