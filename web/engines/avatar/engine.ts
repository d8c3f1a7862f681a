/**
 * The avatar engine interface, after OpenTalking's model adapter, so the local layered face, a
 * neural model later, and remote backends are interchangeable behind one worker protocol:
 * load the runtime, load an avatar, warm up, turn speech into features, infer (queue what the
 * face will do), and compose a frame for a moment of the playback clock — or an idle one.
 */
import type { PhonemeTiming } from '../tts/phonemes.ts'
import type { LoadedAvatar } from './load-bundle.ts'
import type { Mood } from './pose.ts'
import type { VisemeSpan } from './visemes.ts'

/** One sentence of the reply, as it is scheduled for playback. */
export interface SpeechChunk {
  /** Where it starts in the reply's audio (ms). */
  startMs: number
  phonemes?: PhonemeTiming[]
  /** 16 kHz mono, for lip-sync from the sound when there are no phonemes. */
  audio16k?: Float32Array
  /** The sound as the voice made it (a remote model may take another rate than 16 kHz). */
  audio?: { samples: Float32Array; sampleRate: number }
  /** When playback scheduled it (epoch ms): the voice is heard a set time after that. */
  at?: number
}

/**
 * What follows the reply's speech, sentence by sentence: the local face and a remote model alike,
 * so the worker hands each sentence to every follower without asking which kind it is.
 */
export interface SpeechFollower {
  speech(chunk: SpeechChunk): void
  /** The reply has no more sentences. */
  finish(): void
  /** Barge-in or a new reply: drop what was to be said. */
  flush(): void
}

export interface AvatarEngine {
  load(): Promise<void>
  loadAvatar(avatar: LoadedAvatar): Promise<void>
  warmup(): Promise<void>
  features(chunk: SpeechChunk): VisemeSpan[]
  infer(features: VisemeSpan[]): void
  /** Draws the frame for `audioMs` into the reply (while it plays) at wall time `nowMs`. */
  composeFrame(nowMs: number, audioMs: number, mood: Mood): void
  idleFrame(nowMs: number, mood: Mood): void
  /** Barge-in: drop everything queued. */
  flush(): void
  dispose(): void
}
