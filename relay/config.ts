import { z } from 'zod'
import { wsUrlFor, type AvatarConfig, type AvatarModel } from './avatar/config.ts'
import { mcpServersConfig, type McpServerConfig } from './tools/config.ts'

/**
 * The only reader of the environment. Called once at start with the runtime's environment
 * (process.env on Node, the bindings on Workers); a bad value stops start-up with a message
 * that names the variable and what it expects.
 */
export type Env = Readonly<Record<string, string | undefined>>

export interface LlmConfig {
  baseUrl: string
  apiKey: string | undefined
  defaultModel: string
  models: readonly string[]
}

export interface AsrConfig {
  baseUrl: string
  apiKey: string | undefined
  model: string
}

/** Text embeddings over OpenAI's /embeddings, for devices that cannot embed on their own. */
export interface EmbeddingsConfig {
  baseUrl: string
  apiKey: string | undefined
  /** The only model clients may ask for. */
  model: string
}

/** A speech-to-speech model over the OpenAI Realtime protocol (OpenAI itself, or a server such as OpenRealtime). */
export interface RealtimeConfig {
  /** The upstream's WebSocket URL, without the model (the relay adds `?model=`). */
  url: string
  apiKey: string | undefined
  defaultModel: string
  /** The models clients may ask for. */
  models: readonly string[]
}

export type TtsProvider = 'openai' | 'elevenlabs'

export interface TtsConfig {
  provider: TtsProvider
  baseUrl: string
  apiKey: string | undefined
  model: string
  defaultVoice: string
  /** The voices clients may ask for. */
  voices: readonly string[]
}

/** OpenAI's built-in voices (any OpenAI-compatible server may accept more: name them in TTS_VOICE). */
export const OPENAI_VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'nova', 'onyx', 'sage', 'shimmer', 'verse'] as const

/** Limits and timeouts; fixed defaults for now, overridable by tests and embedders. */
export interface RelayLimits {
  /** Largest JSON body accepted on /api/v1/chat/completions. */
  chatBodyBytes: number
  /** Time for the upstream to send response headers. */
  upstreamFirstByteMs: number
  /** Longest silence between two chunks of an upstream stream. */
  upstreamIdleMs: number
  /** Longest a single stream may last. */
  maxStreamMs: number
  /** Longest text one speech request may synthesize (OpenAI's own limit is 4096). */
  ttsInputChars: number
  /** Largest audio upload for transcription. */
  asrUploadBytes: number
  /** Longest audio accepted for transcription, checked on WAV. */
  asrMaxSeconds: number
  /**
   * Largest compressed upload (WebM/Ogg/MP3/FLAC/M4A), whose length cannot be read without
   * decoding: kept small so a tiny bitrate cannot smuggle in hours of billed audio.
   */
  asrCompressedBytes: number
  /** Largest JSON body accepted on /api/v1/embeddings. */
  embeddingsBodyBytes: number
  /** Most texts one embeddings request may hold (OpenAI's own limit is 2048). */
  embeddingsInputs: number
  /** Longest text, in characters, one input may be (~8k tokens, what OpenAI's models take). */
  embeddingsInputChars: number
  /** Largest JSON body accepted on POST /api/v1/tools/:server/:tool. */
  toolBodyBytes: number
  /** Longest one tool call may take. */
  toolCallMs: number
  /** Longest connecting to an MCP server, or listing its tools, may take. */
  toolConnectMs: number
  /** How long after a failed attempt an MCP server is tried again. */
  toolRetryMs: number
  /** Largest tool result (as the route's JSON) handed to the browser. */
  toolResultBytes: number
}

export interface RelayConfig {
  host: string
  port: number
  accessToken: string | undefined
  allowedOrigins: readonly string[]
  llm: LlmConfig | undefined
  asr: AsrConfig | undefined
  tts: TtsConfig | undefined
  avatar: AvatarConfig
  realtime: RealtimeConfig | undefined
  embeddings: EmbeddingsConfig | undefined
  /** The operator's MCP servers (none: no tools). */
  mcpServers: readonly McpServerConfig[]
  /**
   * Whether browsers may start an answer at a pause, before the turn is certain (PARLEY_PREEMPTIVE,
   * on by default): off where upstream requests are paid for and an abandoned one is a cost.
   */
  preemptive: boolean
  /** Per-client limits (0 turns one off); behind a proxy, the client is X-Forwarded-For's first address. */
  rateLimit: {
    perMinute: number
    maxStreams: number
    trustProxy: boolean
    /** Where instances share their counts (Node): a redis:// URL; the password is a secret. */
    redisUrl?: string
  }
  limits: RelayLimits
}

export const defaultLimits: RelayLimits = {
  chatBodyBytes: 1024 * 1024,
  upstreamFirstByteMs: 30_000,
  upstreamIdleMs: 60_000,
  maxStreamMs: 10 * 60_000,
  ttsInputChars: 4096,
  asrUploadBytes: 10 * 1024 * 1024,
  asrMaxSeconds: 120,
  asrCompressedBytes: 2 * 1024 * 1024,
  embeddingsBodyBytes: 1024 * 1024,
  embeddingsInputs: 256,
  embeddingsInputChars: 32_000,
  toolBodyBytes: 256 * 1024,
  toolCallMs: 15_000,
  toolConnectMs: 5_000,
  toolRetryMs: 5_000,
  toolResultBytes: 64 * 1024,
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid relay configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v)
const optionalText = z.preprocess(blankToUndefined, z.string().trim().optional())
const httpUrl = z.preprocess(
  blankToUndefined,
  z
    .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL, e.g. https://api.openai.com/v1' })
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
)
const list = z.preprocess(
  blankToUndefined,
  z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .optional(),
)

const decodes = (s: string) => {
  try {
    decodeURIComponent(s)
    return true
  } catch {
    return false
  }
}

const envSchema = z.object({
  HOST: z.preprocess(blankToUndefined, z.string().default('127.0.0.1')),
  PORT: z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: 'expected a port number between 0 and 65535' })
      .int('expected a whole port number')
      .min(0, 'expected a port number between 0 and 65535')
      .max(65535, 'expected a port number between 0 and 65535')
      .default(8787),
  ),
  PARLEY_ACCESS_TOKEN: optionalText,
  PARLEY_ALLOWED_ORIGINS: list,
  PARLEY_RATE_LIMIT: z.preprocess(blankToUndefined, z.coerce.number({ error: 'expected requests per minute per client (0 turns it off)' }).int('expected a whole number').min(0, 'expected 0 or more').default(600)),
  PARLEY_MAX_STREAMS: z.preprocess(blankToUndefined, z.coerce.number({ error: 'expected streams per client (0 turns it off)' }).int('expected a whole number').min(0, 'expected 0 or more').default(8)),
  PARLEY_TRUST_PROXY: z.preprocess(blankToUndefined, z.enum(['true', 'false', '1', '0'], { error: 'expected true or false' }).optional()),
  PARLEY_REDIS_URL: z.preprocess(
    blankToUndefined,
    z
      .string()
      .refine((u) => URL.canParse(u) && /^rediss?:$/.test(new URL(u).protocol), 'expected a redis:// URL, e.g. redis://:password@127.0.0.1:6379/0')
      .refine((u) => !URL.canParse(u) || decodes(new URL(u).username) && decodes(new URL(u).password), 'its user name or password has a broken %-escape (write % as %25)')
      .optional(),
  ),
  LLM_BASE_URL: httpUrl,
  LLM_API_KEY: optionalText,
  LLM_MODEL: optionalText,
  LLM_MODELS: list,
  OPENAI_BASE_URL: httpUrl,
  OPENAI_API_KEY: optionalText,
  ASR_BASE_URL: httpUrl,
  ASR_API_KEY: optionalText,
  ASR_MODEL: optionalText,
  TTS_PROVIDER: z.preprocess(blankToUndefined, z.enum(['openai', 'elevenlabs'], { error: 'expected openai or elevenlabs' }).optional()),
  TTS_BASE_URL: httpUrl,
  TTS_API_KEY: optionalText,
  TTS_MODEL: optionalText,
  TTS_VOICE: optionalText,
  EMBEDDINGS_BASE_URL: httpUrl,
  EMBEDDINGS_API_KEY: optionalText,
  EMBEDDINGS_MODEL: optionalText,
  REALTIME_URL: z.preprocess(
    blankToUndefined,
    z
      .url({ protocol: /^wss?$/, error: 'expected a ws:// or wss:// URL, e.g. wss://api.openai.com/v1/realtime or ws://127.0.0.1:7866/realtime' })
      .refine((u) => !new URL(u).search, 'give the URL without a query: the relay adds ?model= itself')
      .optional(),
  ),
  REALTIME_API_KEY: optionalText,
  REALTIME_MODEL: optionalText,
  REALTIME_MODELS: list,
  PARLEY_MCP_SERVERS: optionalText,
  PARLEY_PREEMPTIVE: z.preprocess(blankToUndefined, z.enum(['on', 'off'], { error: 'expected on or off' }).optional()),
})

const OPENAI_API = 'https://api.openai.com/v1'
const OPENAI_REALTIME = 'wss://api.openai.com/v1/realtime'
const DEFAULT_REALTIME_MODEL = 'gpt-realtime'
const DEFAULT_MODEL = 'gpt-4o-mini'
const DEFAULT_EMBEDDINGS_MODEL = 'text-embedding-3-small'

export function loadConfig(env: Env, overrides: Partial<RelayLimits> = {}): RelayConfig {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = String(i.path[0])
        // Echo the bad value to help, except where it may be a secret.
        const got = /KEY|TOKEN|REDIS_URL|MCP_SERVERS/.test(name) ? '' : ` (got ${JSON.stringify(env[name] ?? '')})`
        return `${name}: ${i.message}${got}`
      }),
    )
  }
  const e = parsed.data
  const problems: string[] = []

  const { baseUrl, apiKey } = withOpenAiFallbacks(e, e.LLM_BASE_URL, e.LLM_API_KEY)
  let llm: LlmConfig | undefined
  if (baseUrl) {
    const defaultModel = e.LLM_MODEL ?? e.LLM_MODELS?.[0] ?? DEFAULT_MODEL
    const models = e.LLM_MODELS ?? [defaultModel]
    if (!models.includes(defaultModel)) {
      problems.push(`LLM_MODEL: "${defaultModel}" is not in LLM_MODELS (${models.join(', ')}); add it there or pick one of them`)
    }
    llm = { baseUrl, apiKey, defaultModel, models }
  } else if (e.LLM_MODEL || e.LLM_MODELS) {
    problems.push('LLM_MODEL/LLM_MODELS are set but LLM_BASE_URL is not: set LLM_BASE_URL (or OPENAI_API_KEY for the OpenAI API)')
  }
  if (problems.length) throw new ConfigError(problems)

  // Speech recognition and embeddings in the cloud: their own settings, or the OpenAI fallbacks (never the LLM's).
  const asr = oneModelService(e, e.ASR_BASE_URL, e.ASR_API_KEY, e.ASR_MODEL ?? 'whisper-1')
  const embeddings = oneModelService(e, e.EMBEDDINGS_BASE_URL, e.EMBEDDINGS_API_KEY, e.EMBEDDINGS_MODEL ?? DEFAULT_EMBEDDINGS_MODEL)
  if (!embeddings && e.EMBEDDINGS_MODEL) throw new ConfigError(['EMBEDDINGS_MODEL is set but EMBEDDINGS_BASE_URL is not: set EMBEDDINGS_BASE_URL (or OPENAI_API_KEY for the OpenAI API)'])

  const tts = ttsConfig(e)
  if (typeof tts === 'string') throw new ConfigError([tts])
  const avatar = avatarConfig(env)
  if (Array.isArray(avatar)) throw new ConfigError(avatar)
  const realtime = realtimeConfig(e)
  if (typeof realtime === 'string') throw new ConfigError([realtime])
  const mcpServers = mcpServersConfig(e.PARLEY_MCP_SERVERS)
  if ('problems' in mcpServers) throw new ConfigError(mcpServers.problems)

  return {
    host: e.HOST,
    port: e.PORT,
    accessToken: e.PARLEY_ACCESS_TOKEN,
    allowedOrigins: e.PARLEY_ALLOWED_ORIGINS ?? [],
    llm,
    asr,
    tts,
    avatar,
    realtime,
    embeddings,
    mcpServers,
    preemptive: e.PARLEY_PREEMPTIVE !== 'off',
    rateLimit: { perMinute: e.PARLEY_RATE_LIMIT, maxStreams: e.PARLEY_MAX_STREAMS, trustProxy: e.PARLEY_TRUST_PROXY === 'true' || e.PARLEY_TRUST_PROXY === '1', redisUrl: e.PARLEY_REDIS_URL },
    limits: { ...defaultLimits, ...overrides },
  }
}

/**
 * A service's own URL and key, or else the OpenAI settings': OPENAI_BASE_URL, or the OpenAI API
 * itself when a key (its own or OPENAI_API_KEY) is all there is.
 */
function withOpenAiFallbacks(e: z.infer<typeof envSchema>, ownUrl: string | undefined, ownKey: string | undefined): { baseUrl: string | undefined; apiKey: string | undefined } {
  const baseUrl = ownUrl ?? e.OPENAI_BASE_URL ?? (ownKey ?? e.OPENAI_API_KEY ? OPENAI_API : undefined)
  return { baseUrl, apiKey: ownKey ?? openAiKeyFor(e, baseUrl) }
}

/** A service that offers one model (ASR, embeddings), or none when nothing says where it is. */
function oneModelService(e: z.infer<typeof envSchema>, ownUrl: string | undefined, ownKey: string | undefined, model: string): AsrConfig | EmbeddingsConfig | undefined {
  const { baseUrl, apiKey } = withOpenAiFallbacks(e, ownUrl, ownKey)
  return baseUrl ? { baseUrl, apiKey, model } : undefined
}

/**
 * OPENAI_API_KEY fills in only for a service that points where the OpenAI settings point
 * (OPENAI_BASE_URL, or the OpenAI API): never for another server, which must not see that key.
 */
function openAiKeyFor(e: z.infer<typeof envSchema>, url: string | undefined): string | undefined {
  return url !== undefined && url === (e.OPENAI_BASE_URL ?? OPENAI_API) ? e.OPENAI_API_KEY : undefined
}

/** Text to speech: its own settings; for OpenAI-compatible servers the OPENAI_* fallbacks too. */
function ttsConfig(e: z.infer<typeof envSchema>): TtsConfig | undefined | string {
  const provider = e.TTS_PROVIDER ?? 'openai'
  if (provider === 'elevenlabs') {
    if (!e.TTS_API_KEY) return 'TTS_API_KEY: ElevenLabs needs an API key (TTS_PROVIDER=elevenlabs)'
    if (!e.TTS_VOICE) return 'TTS_VOICE: ElevenLabs needs a voice id (see your ElevenLabs voice library)'
    return { provider, baseUrl: e.TTS_BASE_URL ?? 'https://api.elevenlabs.io', apiKey: e.TTS_API_KEY, model: e.TTS_MODEL ?? 'eleven_flash_v2_5', defaultVoice: e.TTS_VOICE, voices: [e.TTS_VOICE] }
  }
  const { baseUrl, apiKey } = withOpenAiFallbacks(e, e.TTS_BASE_URL, e.TTS_API_KEY)
  if (!baseUrl) return e.TTS_PROVIDER ? 'TTS_BASE_URL: set it (or OPENAI_API_KEY for the OpenAI API) when TTS_PROVIDER is set' : undefined
  const defaultVoice = e.TTS_VOICE ?? 'alloy'
  const voices = OPENAI_VOICES.includes(defaultVoice as (typeof OPENAI_VOICES)[number]) ? [...OPENAI_VOICES] : [defaultVoice, ...OPENAI_VOICES]
  return { provider, baseUrl, apiKey, model: e.TTS_MODEL ?? 'gpt-4o-mini-tts', defaultVoice, voices }
}

/**
 * Speech-to-speech over the Realtime protocol: REALTIME_URL, or OpenAI's when a key says so.
 * OPENAI_API_KEY fills in only for OpenAI's own URL: a local server must not see that key.
 */
function realtimeConfig(e: z.infer<typeof envSchema>): RealtimeConfig | undefined | string {
  // The OpenAI key is OpenAI's only while OPENAI_BASE_URL does not point it at another server.
  const openAiKey = (e.OPENAI_BASE_URL ?? OPENAI_API) === OPENAI_API ? e.OPENAI_API_KEY : undefined
  const url = (e.REALTIME_URL ?? (e.REALTIME_API_KEY ?? openAiKey ? OPENAI_REALTIME : undefined))?.replace(/\/+$/, '')
  if (!url) return e.REALTIME_MODEL || e.REALTIME_MODELS ? 'REALTIME_MODEL/REALTIME_MODELS are set but REALTIME_URL is not: set REALTIME_URL (or OPENAI_API_KEY for OpenAI Realtime)' : undefined
  const apiKey = e.REALTIME_API_KEY ?? (url === OPENAI_REALTIME ? openAiKey : undefined)
  const defaultModel = e.REALTIME_MODEL ?? e.REALTIME_MODELS?.[0] ?? DEFAULT_REALTIME_MODEL
  const models = e.REALTIME_MODELS ?? [defaultModel]
  if (!models.includes(defaultModel)) return `REALTIME_MODEL: "${defaultModel}" is not in REALTIME_MODELS (${models.join(', ')}); add it there or pick one of them`
  return { url, apiKey, defaultModel, models }
}

const AVATAR_BACKENDS = new Set(['mock', 'omnirt', 'direct_ws'])
/** Real model ids are lower case and may hold '.', '_' and '-' (OmniRT's default is soulx-flashtalk-14b). */
const AVATAR_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/

/** A model id as variable names spell it: upper case, every '-' or '.' as '_' (soulx-flashtalk-14b → SOULX_FLASHTALK_14B). */
export const avatarEnvName = (id: string) => id.toUpperCase().replace(/[^A-Z0-9]/g, '_')

/**
 * Reads the avatar settings; returns the config, or the problems naming each variable. Models
 * are named by AVATAR_MODELS (ids as the backend knows them, '-' and '.' allowed), each set up
 * with AVATAR_<NAME>_BACKEND / _WS_URL under its variable name; without AVATAR_MODELS, each
 * AVATAR_<MODEL>_BACKEND names a model `<model>` (lower-cased).
 */
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
  const names = new Set<string>()
  for (const key of Object.keys(env)) {
    const m = /^AVATAR_([A-Z0-9_]+)_(BACKEND|WS_URL)$/.exec(key)
    if (m && text(key)) names.add(m[1]!)
  }
  const ids = new Map<string, string>()
  const listed = text('AVATAR_MODELS')
  if (listed) {
    for (const id of listed.split(',').map((x) => x.trim()).filter(Boolean)) {
      const name = avatarEnvName(id)
      if (!AVATAR_ID.test(id)) problems.push(`AVATAR_MODELS: "${id}" is not a model id (lower-case letters, digits, '.', '_' and '-'; at most 64)`)
      else if (ids.has(name)) problems.push(`AVATAR_MODELS: "${ids.get(name)}" and "${id}" would share the settings AVATAR_${name}_*; keep one`)
      else ids.set(name, id)
    }
    for (const name of [...names].sort()) if (!ids.has(name)) problems.push(`AVATAR_${name}_${text(`AVATAR_${name}_BACKEND`) ? 'BACKEND' : 'WS_URL'}: no model in AVATAR_MODELS (${[...ids.values()].join(', ')}) has the name ${name}; add its id there`)
  } else for (const name of names) ids.set(name, name.toLowerCase())
  const models: AvatarModel[] = []
  for (const [name, id] of [...ids].sort(([a], [b]) => a.localeCompare(b))) {
    const wsUrl = text(`AVATAR_${name}_WS_URL`)
    const backend = text(`AVATAR_${name}_BACKEND`) ?? (wsUrl ? 'direct_ws' : undefined)
    if (!backend || !AVATAR_BACKENDS.has(backend)) {
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
