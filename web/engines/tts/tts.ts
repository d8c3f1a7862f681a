/** A sentence's voice: mono PCM. */
export interface Speech {
  samples: Float32Array
  sampleRate: number
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
