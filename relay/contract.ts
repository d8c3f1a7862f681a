/**
 * The relay's contract with its clients, as types only (DESIGN §4, ../shared/OMNIRT.md): what
 * GET /api/config, GET /api/v1/avatar/models and the tools routes answer, the error shape, and
 * the messages of WS /api/v1/avatar/:model. The relay builds these; the web app imports them with
 * `import type`, so nothing here may hold runtime code or import anything.
 */

/** OpenAI's error `type` values, so OpenAI clients classify relay errors the way they expect. */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'server_error'

/** Every error answer (and a stream's `event: error` frame): OpenAI's shape. */
export interface ErrorBody {
  error: { message: string; type: ErrorType; code: string; param: null }
}

/** GET /api/config: what the browser may know about this relay — capabilities only, never keys or upstream URLs. */
export interface PublicConfig {
  version: string
  auth: { required: boolean }
  llm: { available: boolean; models: readonly string[]; default: string | null }
  tts: { available: boolean; provider: string | null; voices: readonly string[] }
  asr: { available: boolean }
  /** Remote avatar models configured on this relay; whether each is up: GET /api/v1/avatar/models. */
  avatar: { models: readonly { id: string; backend: AvatarBackend }[] }
  /** Speech-to-speech models over the OpenAI Realtime protocol, at WS /api/v1/realtime?model=. */
  realtime: { available: boolean; models: readonly string[]; default: string | null }
  /**
   * The operator's MCP tools (GET /api/v1/tools): available when at least one MCP server is
   * configured. Optional: a relay from before tools does not say.
   */
  tools?: { available: boolean }
  /**
   * OpenAI-compatible embeddings at POST /api/v1/embeddings, for devices that cannot embed; `model`
   * is the one model it takes. Optional: a relay from before embeddings does not say.
   */
  embeddings?: { available: boolean; model?: string }
  /**
   * Whether answers may be started at a pause in the user's speech, before the turn is certain
   * (PARLEY_PREEMPTIVE): false where each upstream request costs the operator. Optional: a relay
   * from before it does not say (then they may).
   */
  preemptive?: boolean
}

/** One tool an MCP server offers, as GET /api/v1/tools lists it. */
export interface ToolInfo {
  /** The MCP server's name (PARLEY_MCP_SERVERS), the call's first path segment. */
  server: string
  name: string
  description: string
  /** The tool's JSON Schema for its arguments (an object schema), as the server gives it. */
  inputSchema: Record<string, unknown>
}

/** Whether one configured MCP server can be used now, and why not. */
export interface ToolServerStatus {
  name: string
  connected: boolean
  reason?: string
}

/** GET /api/v1/tools: the tools of the servers that are up (each filtered by its allow-list), and every server's status. */
export interface ToolsListing {
  tools: ToolInfo[]
  servers: ToolServerStatus[]
}

/** POST /api/v1/tools/:server/:tool's body. */
export interface ToolCallRequest {
  arguments: Record<string, unknown>
}

/**
 * POST /api/v1/tools/:server/:tool's answer. `isError` is the tool's own failure (a normal outcome
 * for the model to read); the relay's and the server's failures are error answers instead.
 */
export interface ToolCallResult {
  /** The content's text parts joined with newlines: what a model is given. */
  text: string
  isError: boolean
  /** MCP's result content, as the server sent it (text, image, audio, resource_link, resource). */
  content: { type: string; [field: string]: unknown }[]
}

/** How the relay reaches a remote avatar model. */
export type AvatarBackend = 'mock' | 'omnirt' | 'direct_ws'

/** Whether one configured avatar model can be used now, and why (not). */
export interface AvatarStatus {
  id: string
  backend: AvatarBackend
  connected: boolean
  reason: string
}

/** GET /api/v1/avatar/models. */
export interface AvatarModels {
  /** The ids of the models that are connected. */
  models: string[]
  statuses: AvatarStatus[]
}

/**
 * WS /api/v1/avatar/:model, subprotocol `parley`. Besides these JSON text messages, the browser
 * sends audio as binary `AUDI` + exactly `chunk_samples` 16-bit PCM samples, and the relay answers
 * each with binary `VIDX` + a frame count + length-prefixed JPEG frames.
 */
export interface AvatarSessionInfo {
  session_id: string
  trace_id?: string
  audio: { format: 'pcm_s16le'; sample_rate: number; channels: number; chunk_samples: number }
  video: { encoding: 'jpeg-seq'; wire_magic: 'VIDX'; fps: number; width: number; height: number }
  /**
   * The model's lookahead, in chunks: the r-th reply after session.created (or after a cancel)
   * carries the frames of chunk r − lookahead_chunks, so the first ones carry none of the
   * answer's and its last frames come only after that many more (padding) chunks. Frame counts
   * vary by model (one a chunk, or chunk duration × fps): place them on their chunk's audio.
   */
  lookahead_chunks: number
}

/** Browser → relay. */
export type AvatarClientMessage =
  | { type: 'session.create'; inputs: { image_b64: string; prompt?: string }; config: { seed?: number } }
  | { type: 'session.cancel' }
  | { type: 'session.close' }
  | { type: 'ping' }

/** Relay → browser. */
export type AvatarServerMessage =
  | ({ type: 'session.created' } & AvatarSessionInfo)
  | { type: 'session.cancelled'; session_id: string }
  | { type: 'session.closed'; session_id: string | null }
  /**
   * Before each VIDX reply: `chunk_index` counts the chunks answered since session.created (or
   * the last cancel) from 1; `infer_ms`/`encode_ms` are the backend's render time where it says;
   * `backend_ms` is the relay's own measure, the chunk sent to the backend → its reply back;
   * `first_frame_ms`, on the first reply with frames after a (re)start, the first chunk sent → it.
   */
  | { type: 'metrics'; chunk_index: number; infer_ms: number; encode_ms: number; backend_ms: number; first_frame_ms?: number }
  /** The browser fell behind: a reply's frames were dropped, not sent. */
  | { type: 'video.dropped'; frames: number }
  | { type: 'pong' }
  | { type: 'error'; code: string; message: string }
