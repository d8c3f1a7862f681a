import type { SpeechAudio } from '../media.ts'

/** A sentence's voice (engines/media.ts). */
export type Speech = SpeechAudio

/**
 * Text to speech, wherever it runs: the relay's provider, or a voice on the device.
 * One sentence at a time, so the first can play while the next is made.
 */
export interface SpeechSynthesizer {
  readonly placement: 'relay' | 'local-wasm' | 'local-webgpu'
  readonly label: string
  /** `rate`: how fast it speaks, 1 normal (0.5 half as fast, 2 twice), where the engine can. */
  synthesize(text: string, options: { signal?: AbortSignal; rate?: number }): Promise<Speech>
  /** Ends any worker it started. */
  dispose?(): void
}
