import type { PhonemeTiming } from './phonemes.ts'

/** A sentence's voice: mono PCM, and when the voice knows them, its phonemes' timings (lip-sync). */
export interface Speech {
  samples: Float32Array
  sampleRate: number
  phonemes?: PhonemeTiming[]
}

/**
 * Text to speech, wherever it runs: the relay's provider, or a voice on the device.
 * One sentence at a time, so the first can play while the next is made.
 */
export interface SpeechSynthesizer {
  readonly placement: 'relay' | 'local-wasm' | 'local-webgpu'
  readonly label: string
  synthesize(text: string, options: { signal?: AbortSignal }): Promise<Speech>
  /** Ends any worker it started. */
  dispose?(): void
}
