import { relayFetch } from '../../lib/relay-client.ts'
import { encodeWav } from '../../lib/audio/wav.ts'
import type { SpeechRecognizer } from './asr.ts'

/** Speech recognition through the relay's /api/v1/audio/transcriptions (audio leaves the device). */
export function createRelayRecognizer(options: { token?: string; language?: string }): SpeechRecognizer {
  return {
    placement: 'relay',
    label: 'relay',
    async transcribe(audio, { signal }) {
      const started = performance.now()
      const form = new FormData()
      form.set('file', new Blob([encodeWav({ sampleRate: 16000, samples: audio })], { type: 'audio/wav' }), 'speech.wav')
      if (options.language) form.set('language', options.language)
      const res = await relayFetch('/api/v1/audio/transcriptions', { method: 'POST', body: form, token: options.token, signal })
      const { text } = (await res.json()) as { text?: string }
      return { text: (text ?? '').trim(), ms: performance.now() - started }
    },
    dispose() {},
  }
}
