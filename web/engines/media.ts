/**
 * The shapes media takes between engines, defined once: a voice's audio, a sentence of it, and
 * the reply's audio clock. Every engine and the session use these; none retypes them.
 */
import type { PhonemeTiming } from './tts/phonemes.ts'

export type { PhonemeTiming } from './tts/phonemes.ts'

/** Mono PCM and, when the voice knows them, its phonemes' timings (ms into the audio, for lip-sync). */
export interface SpeechAudio {
  samples: Float32Array
  sampleRate: number
  phonemes?: PhonemeTiming[]
}

/** One sentence of an answer's voice: its text as written (the transcript) and its audio. */
export interface SpeechChunk extends SpeechAudio {
  text: string
}

/**
 * Where the reply's audio is at a moment: `audioMs` into the reply at wall time `at` (ms since
 * the epoch — the same in every thread), advancing in real time while `playing`.
 */
export interface ReplyClock {
  at: number
  audioMs: number
  playing: boolean
}
