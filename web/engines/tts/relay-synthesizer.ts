import { AppError, isAbort } from '../../lib/errors.ts'
import { relayFetch } from '../../lib/relay-client.ts'
import type { SpeechSynthesizer } from './tts.ts'

/** OpenAI's "pcm": 16-bit little-endian mono at 24 kHz. */
const PCM_RATE = 24000

/** Text to speech through the relay's /api/v1/audio/speech (the provider the operator set). */
export function createRelaySynthesizer(options: { voice?: string; token?: string }): SpeechSynthesizer {
  return {
    placement: 'relay',
    label: `relay${options.voice ? ` · ${options.voice}` : ''}`,
    async synthesize(text, { signal, rate }) {
      const res = await relayFetch('/api/v1/audio/speech', {
        method: 'POST',
        token: options.token,
        signal,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: text, response_format: 'pcm', ...(options.voice && { voice: options.voice }), ...(rate && rate !== 1 && { speed: rate }) }),
      })
      let bytes: Uint8Array
      try {
        bytes = new Uint8Array(await res.arrayBuffer())
      } catch (err) {
        if (isAbort(err) || signal?.aborted) throw err
        throw new AppError('tts_failed', 'The voice broke off in the middle of a sentence (the speech service stopped sending). The answer is still on screen, and the next one will be spoken again.')
      }
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength - (bytes.byteLength % 2))
      const samples = new Float32Array(view.byteLength / 2)
      for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true) / 32768
      return { samples, sampleRate: PCM_RATE }
    },
  }
}
