import type { TtsConfig } from '../config.ts'
import { ApiError, redact } from '../errors.ts'

/** OpenAI response_format → ElevenLabs output_format (wav is pcm in a WAV header, added by us). */
const OUTPUT_FORMAT: Record<string, string> = {
  mp3: 'mp3_44100_128',
  opus: 'opus_48000_64',
  pcm: 'pcm_24000',
  wav: 'pcm_24000',
}

export function elevenLabsSupports(format: string): boolean {
  return format in OUTPUT_FORMAT
}

/**
 * ElevenLabs' streaming endpoint, `POST /v1/text-to-speech/{voice}/stream`, with the key in
 * `xi-api-key`. Resolves once the audio starts; failures become ApiErrors as for OpenAI.
 */
export async function elevenLabsSpeech(
  tts: TtsConfig,
  request: { input: string; voice: string; format: string; speed?: number },
  call: { fetch: typeof fetch; abort: AbortController; firstByteMs: number },
): Promise<Response> {
  const url = `${tts.baseUrl}/v1/text-to-speech/${encodeURIComponent(request.voice)}/stream?output_format=${OUTPUT_FORMAT[request.format]}`
  const timer = setTimeout(() => call.abort.abort('first byte timeout'), call.firstByteMs)
  try {
    const res = await call.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'audio/*', 'xi-api-key': tts.apiKey ?? '' },
      body: JSON.stringify({ text: request.input, model_id: tts.model, ...(request.speed ? { voice_settings: { speed: request.speed } } : {}) }),
      signal: call.abort.signal,
      redirect: 'manual',
    })
    if (res.ok) return res
    const detail = redact((await res.text().catch(() => '')).slice(0, 300), [tts.apiKey])
    if (res.status === 401 || res.status === 403) throw new ApiError(502, 'upstream_auth_failed', `ElevenLabs rejected the relay's credentials (HTTP ${res.status}). The relay operator should check TTS_API_KEY.`, 'server_error')
    if (res.status === 429) throw new ApiError(429, 'upstream_rate_limited', 'ElevenLabs is rate-limiting requests. Wait a moment and try again.', 'rate_limit_error')
    if (res.status >= 400 && res.status < 500) throw new ApiError(res.status as 400, 'upstream_rejected', `ElevenLabs rejected the request (HTTP ${res.status}): ${detail}`)
    throw new ApiError(502, 'upstream_error', `ElevenLabs failed (HTTP ${res.status}). Try again in a moment.`)
  } catch (err) {
    if (err instanceof ApiError) throw err
    if (call.abort.signal.reason === 'first byte timeout') throw new ApiError(504, 'upstream_timeout', `ElevenLabs did not answer within ${call.firstByteMs / 1000} s. Try again.`)
    if (call.abort.signal.aborted) throw new ApiError(400, 'client_closed', 'The client closed the request.')
    throw new ApiError(502, 'upstream_unavailable', 'The relay could not reach ElevenLabs. The operator should check TTS_BASE_URL.')
  } finally {
    clearTimeout(timer)
  }
}

/** A WAV header for a stream of unknown length (sizes set to the maximum, as streaming WAVs do). */
export function streamingWavHeader(sampleRate: number): Uint8Array {
  const h = new Uint8Array(44)
  const v = new DataView(h.buffer)
  const text = (at: number, s: string) => [...s].forEach((c, i) => v.setUint8(at + i, c.charCodeAt(0)))
  text(0, 'RIFF')
  v.setUint32(4, 0xffffffff, true)
  text(8, 'WAVEfmt ')
  v.setUint32(16, 16, true)
  v.setUint16(20, 1, true)
  v.setUint16(22, 1, true)
  v.setUint32(24, sampleRate, true)
  v.setUint32(28, sampleRate * 2, true)
  v.setUint16(32, 2, true)
  v.setUint16(34, 16, true)
  text(36, 'data')
  v.setUint32(40, 0xffffffff, true)
  return h
}
