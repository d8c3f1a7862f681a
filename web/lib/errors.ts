/**
 * The app's one error type: a stable `code` (the relay's error codes, plus the client's own)
 * and a message a user can act on. Every failure that reaches the UI is one of these.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message)
    this.name = 'AppError'
  }
}

/** An error's stable code (AppError's, a worker's or the relay's), or '' for one without. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown })?.code
  return typeof code === 'string' ? code : ''
}

export const isRelayDown = (err: unknown) => errorCode(err) === 'relay_unreachable'

/**
 * A failure for want of the relay: it is unreachable, a worker could not start (its script is the
 * relay's), or a fetch met a network error. While the relay is down these are its consequences.
 */
export function needsTheRelay(err: unknown): boolean {
  const message = err instanceof Error ? err.message : ''
  return isRelayDown(err) || (errorCode(err) === 'worker_crashed' && /failed to start/.test(message)) || /failed to fetch|networkerror|load failed/i.test(message)
}

/**
 * What a stage says when it fails: its own errors (codes starting `ownCode`) are worded for the
 * user already and pass as they are; anything else — a driver's or a worker's internals — becomes
 * `plain`, with the details in the console under `tag`.
 */
export function plainStageError(err: unknown, ownCode: string, plain: string, tag: string): string {
  const message = err instanceof Error ? err.message : String(err)
  if (errorCode(err).startsWith(ownCode)) return message
  console.warn(`[${tag}]`, message)
  return plain
}

export function isAbort(err: unknown): boolean {
  return (err as { name?: string })?.name === 'AbortError'
}

/** Turns a relay error response (OpenAI's shape) into an AppError, whatever the body holds. */
export async function errorFromResponse(res: Response): Promise<AppError> {
  let code = `http_${res.status}`
  let message = `The relay answered HTTP ${res.status}.`
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } }
    if (body.error?.code) code = body.error.code
    if (body.error?.message) message = body.error.message
  } catch {
    // not JSON: keep the generic message
  }
  return new AppError(code, message, res.status)
}

export interface UserFacingError {
  title: string
  detail: string
}

const TITLES: Record<string, string> = {
  relay_unreachable: 'Can’t reach the Parley relay',
  llm_not_configured: 'No language model is connected',
  upstream_unavailable: 'The language model service is unreachable',
  upstream_timeout: 'The language model took too long',
  upstream_disconnected: 'The answer was cut off',
  upstream_auth_failed: 'The relay’s model key was rejected',
  upstream_rate_limited: 'The model is busy',
  upstream_error: 'The language model failed',
  upstream_bad_response: 'The language model sent an unreadable answer',
  model_not_found: 'That model isn’t available',
  body_too_large: 'The conversation is too long to send',
  access_token_required: 'This relay needs an access token',
  access_token_invalid: 'The access token was not accepted',
  mic_denied: 'Microphone access is blocked',
  mic_not_found: 'No microphone found',
  mic_busy: 'The microphone is busy',
  mic_unsupported: 'No microphone in this browser',
  mic_failed: 'The microphone could not start',
  model_missing: 'A model is missing',
  model_corrupt: 'A model file is damaged',
  model_failed: 'A model could not be loaded',
  worker_crashed: 'A background worker stopped',
  asr_not_configured: 'No speech recognition on the relay',
  vad_failed: 'Speech detection failed',
  tts_failed: 'The voice could not say this',
  tts_load_failed: 'The on-device voice could not load',
  tts_not_configured: 'No voice on the relay',
  voice_fallback: 'The chosen voice could not load: eSpeak NG speaks instead',
  realtime_closed: 'The Realtime model broke off',
  realtime_refused: 'The Realtime model refused the relay',
  realtime_unavailable: 'The Realtime model is unreachable',
  realtime_timeout: 'The Realtime model took too long',
  realtime_error: 'The Realtime model failed',
  realtime_failed: 'The Realtime model failed',
  realtime_transcription_failed: 'The Realtime model could not make out the words',
  idle_timeout: 'The Realtime session ended',
  session_time_limit: 'The Realtime session ended',
}

/** A heading and an explanation for the error banner. */
export function describeError(err: unknown): UserFacingError {
  if (err instanceof AppError) return { title: TITLES[err.code] ?? 'Something went wrong', detail: err.message }
  return { title: 'Something went wrong', detail: err instanceof Error ? err.message : String(err) }
}
