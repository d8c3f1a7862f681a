import { Hono } from 'hono'
import { z } from 'zod'
import type { RelayLimits, TtsConfig } from '../config.ts'
import { ApiError } from '../errors.ts'
import { abortWithClient, passThroughEventStream } from '../http/event-stream.ts'
import { elevenLabsSpeech, elevenLabsSupports, streamingWavHeader } from '../providers/elevenlabs.ts'
import { postJson } from '../providers/openai-compatible.ts'
import { parseRequest, readJsonBody } from '../http/request-body.ts'

const FORMATS = ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'] as const
const CONTENT_TYPE: Record<(typeof FORMATS)[number], string> = {
  mp3: 'audio/mpeg',
  opus: 'audio/ogg',
  aac: 'audio/aac',
  flac: 'audio/flac',
  wav: 'audio/wav',
  // Raw 16-bit little-endian mono at 24 kHz, as OpenAI defines "pcm".
  pcm: 'audio/pcm;rate=24000',
}

const speechRequest = z.looseObject({
  model: z.string({ error: 'expected a string' }).min(1).optional(),
  input: z.string({ error: 'expected the text to speak' }).min(1, 'expected some text to speak'),
  voice: z.string({ error: 'expected a voice name' }).min(1).optional(),
  response_format: z.enum(FORMATS, { error: `expected one of ${FORMATS.join(', ')}` }).optional(),
  speed: z.number({ error: 'expected a number' }).min(0.25, 'expected 0.25 to 4').max(4, 'expected 0.25 to 4').optional(),
  instructions: z.string().max(2000, 'expected at most 2000 characters').optional(),
})

export interface SpeechDeps {
  tts: TtsConfig | undefined
  limits: RelayLimits
  fetch: typeof fetch
}

/** OpenAI-compatible text to speech, streamed back as the provider produces it. */
export function speechRoutes({ tts, limits, fetch }: SpeechDeps) {
  return new Hono().post('/audio/speech', async (c) => {
    const raw = await readJsonBody(c.req.raw, 64 * 1024)
    if (!tts) {
      throw new ApiError(503, 'tts_not_configured', 'No text-to-speech service is configured on this relay. Use the on-device voice, or the operator sets TTS_BASE_URL/TTS_API_KEY (or TTS_PROVIDER=elevenlabs).', 'server_error')
    }
    const req = parseRequest(speechRequest, raw)
    if (req.input.length > limits.ttsInputChars) {
      throw new ApiError(413, 'input_too_long', `input: at most ${limits.ttsInputChars} characters per request; send the text a sentence or a paragraph at a time.`)
    }
    const model = req.model ?? tts.model
    if (model !== tts.model) throw new ApiError(404, 'model_not_found', `The model "${model.slice(0, 100)}" is not available on this relay. Available: ${tts.model}.`)
    const voice = req.voice ?? tts.defaultVoice
    if (!tts.voices.includes(voice)) throw new ApiError(400, 'voice_not_found', `The voice "${voice.slice(0, 100)}" is not available. Available: ${tts.voices.join(', ')}.`)
    const format = req.response_format ?? 'mp3'

    const abort = abortWithClient(c.req.raw)
    const call = { fetch, abort, firstByteMs: limits.upstreamFirstByteMs }
    let res: Response
    let header: Uint8Array | undefined
    if (tts.provider === 'elevenlabs') {
      if (!elevenLabsSupports(format)) throw new ApiError(400, 'invalid_request', `response_format: ElevenLabs voices are available as mp3, opus, wav or pcm, not ${format}.`)
      res = await elevenLabsSpeech(tts, { input: req.input, voice, format, speed: req.speed }, call)
      if (format === 'wav') header = streamingWavHeader(24000)
    } else {
      // Only the fields the relay validated go upstream.
      const body = { model, input: req.input, voice, response_format: format, ...(req.speed && { speed: req.speed }), ...(req.instructions && { instructions: req.instructions }) }
      res = await postJson({ label: 'text-to-speech service', baseUrl: tts.baseUrl, apiKey: tts.apiKey, envHint: 'TTS_BASE_URL, TTS_API_KEY and TTS_MODEL' }, '/audio/speech', body, call)
    }
    if (!res.body) throw new ApiError(502, 'upstream_bad_response', 'The text-to-speech service answered without audio.')
    const audio = passThroughEventStream(res.body, { upstream: abort, idleMs: limits.upstreamIdleMs, maxMs: limits.maxStreamMs, label: 'text-to-speech service', onFailure: 'break-off' })
    const body = header ? prepend(header, audio) : audio
    return new Response(body, { headers: { 'content-type': CONTENT_TYPE[format], 'cache-control': 'no-store', 'x-accel-buffering': 'no' } })
  })
}

function prepend(first: Uint8Array, rest: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = rest.getReader()
  let sent = false
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sent) {
        sent = true
        return controller.enqueue(first)
      }
      try {
        const { done, value } = await reader.read()
        if (done) controller.close()
        else controller.enqueue(value)
      } catch (err) {
        controller.error(err)
      }
    },
    cancel: (reason) => reader.cancel(reason),
  })
}
