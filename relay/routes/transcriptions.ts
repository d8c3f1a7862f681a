import { Hono } from 'hono'
import type { AsrConfig, RelayLimits } from '../config.ts'
import { ApiError } from '../errors.ts'
import { sniffAudio, wavSeconds, type AudioKind } from './audio-sniff.ts'
import { abortWithClient } from '../http/event-stream.ts'
import { postForm, type OpenAICompatibleUpstream } from '../providers/openai-compatible.ts'
import { readFormBody } from '../http/request-body.ts'

export interface TranscriptionDeps {
  asr: AsrConfig | undefined
  limits: RelayLimits
  fetch: typeof fetch
}

const EXTENSION: Record<AudioKind, string> = { wav: 'wav', ogg: 'ogg', webm: 'webm', mp3: 'mp3', flac: 'flac', mp4: 'm4a' }
const FORMATS = new Set(['json', 'text', 'verbose_json'])

/** OpenAI-compatible speech recognition for browsers that cannot run a model themselves. */
export function transcriptionRoutes({ asr, limits, fetch }: TranscriptionDeps) {
  const upstream: OpenAICompatibleUpstream | undefined = asr && {
    label: 'speech recognition service',
    baseUrl: asr.baseUrl,
    apiKey: asr.apiKey,
    envHint: 'ASR_BASE_URL, ASR_API_KEY and ASR_MODEL',
  }

  return new Hono().post('/audio/transcriptions', async (c) => {
    if (!upstream || !asr) {
      throw new ApiError(503, 'asr_not_configured', 'No speech recognition service is configured on this relay. Use on-device recognition, or the operator sets ASR_BASE_URL and ASR_API_KEY (or OPENAI_API_KEY).', 'server_error')
    }
    const form = await readFormBody(c.req.raw, limits.asrUploadBytes)
    const file = form.get('file')
    if (!(file instanceof Blob)) throw new ApiError(400, 'missing_file', 'Send the audio in a multipart field named "file".')
    if (file.size === 0) throw new ApiError(400, 'empty_audio', 'The audio file is empty.')
    const kind = sniffAudio(new Uint8Array(await file.slice(0, 16).arrayBuffer()))
    const declared = file.type.toLowerCase()
    if (!kind || (declared && !/^(audio\/|video\/(webm|mp4)|application\/octet-stream)/.test(declared))) {
      throw new ApiError(415, 'not_audio', 'The file is not audio the relay accepts: send WAV, WebM or Ogg (Opus), MP3, FLAC or M4A.')
    }
    if (kind === 'wav') {
      const seconds = wavSeconds(new Uint8Array(await file.slice(0, 4096).arrayBuffer()), file.size)
      if (seconds !== undefined && seconds > limits.asrMaxSeconds) {
        throw new ApiError(413, 'audio_too_long', `The audio is ${Math.round(seconds)} s long; the relay transcribes at most ${limits.asrMaxSeconds} s at a time.`)
      }
    } else if (file.size > limits.asrCompressedBytes) {
      throw new ApiError(413, 'body_too_large', `Compressed audio is accepted up to ${Math.round(limits.asrCompressedBytes / 1024 / 1024)} MiB (its length cannot be checked); send WAV, or shorter audio.`)
    }

    const model = text(form, 'model') ?? asr.model
    if (model !== asr.model) throw new ApiError(404, 'model_not_found', `The model "${model.slice(0, 100)}" is not available on this relay. Available: ${asr.model}.`)
    const format = text(form, 'response_format') ?? 'json'
    if (!FORMATS.has(format)) throw new ApiError(400, 'invalid_request', 'response_format: expected json, text or verbose_json.')
    const language = text(form, 'language')
    if (language !== undefined && !/^[a-z]{2,3}(-[A-Za-z]{2,4})?$/.test(language)) throw new ApiError(400, 'invalid_request', 'language: expected an ISO-639 code such as "en".')
    const prompt = text(form, 'prompt')
    if (prompt !== undefined && prompt.length > 2000) throw new ApiError(400, 'invalid_request', 'prompt: at most 2000 characters.')

    // Only validated fields go upstream: nothing else from the client is forwarded.
    const out = new FormData()
    out.set('file', new Blob([file], { type: declared || `audio/${kind}` }), `audio.${EXTENSION[kind]}`)
    out.set('model', model)
    out.set('response_format', format)
    if (language) out.set('language', language)
    if (prompt) out.set('prompt', prompt)

    const abort = abortWithClient(c.req.raw)
    const res = await postForm(upstream, '/audio/transcriptions', out, { fetch, abort, firstByteMs: limits.upstreamIdleMs })
    const body = await readAnswer(res, limits.upstreamIdleMs, abort)
    if (format === 'text') return c.text(body)
    try {
      return c.json(JSON.parse(body) as object)
    } catch {
      throw new ApiError(502, 'upstream_bad_response', 'The speech recognition service answered with something that is not JSON. The operator should check ASR_BASE_URL.')
    }
  })
}

/** A transcript is small: read at most 1 MiB, within the idle limit. */
async function readAnswer(res: Response, idleMs: number, abort: AbortController): Promise<string> {
  const timer = setTimeout(() => abort.abort('idle'), idleMs)
  try {
    const text = await res.text()
    if (text.length > 1024 * 1024) throw new ApiError(502, 'upstream_bad_response', 'The speech recognition service answered with far more text than a transcript.')
    return text
  } catch (err) {
    if (err instanceof ApiError) throw err
    throw new ApiError(504, 'upstream_timeout', 'The speech recognition service stopped sending its answer. Try again.')
  } finally {
    clearTimeout(timer)
  }
}

function text(form: FormData, name: string): string | undefined {
  const v = form.get(name)
  return typeof v === 'string' && v.trim() ? v.trim() : undefined
}
