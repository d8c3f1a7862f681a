import type { WorkerErrorEvent } from '../../../lib/worker-rpc.ts'
import type { LoadProgress } from '../../asr/protocol.ts'
import type { PhonemeTiming } from '../phonemes.ts'

export type KokoroDevice = 'webgpu' | 'wasm'

/** The model Parley offers: Kokoro-82M v1.0 (Apache-2.0), its ONNX export for transformers.js. */
export const KOKORO_MODEL = 'onnx-community/Kokoro-82M-v1.0-ONNX'
export const KOKORO_VOICES = [
  { id: 'af_heart', name: 'Heart (American English, female)' },
  { id: 'af_bella', name: 'Bella (American English, female)' },
  { id: 'am_michael', name: 'Michael (American English, male)' },
  { id: 'bf_emma', name: 'Emma (British English, female)' },
  { id: 'bm_george', name: 'George (British English, male)' },
] as const

/** Main thread → Kokoro worker. */
export type KokoroRequest =
  | { type: 'load'; id: number; modelId: string; device: KokoroDevice; allowRemote: boolean; voice: string }
  | { type: 'synthesize'; id: number; text: string; voice: string; speed: number }

/** Kokoro worker → main thread. */
export type KokoroEvent =
  | { type: 'progress'; id: number; info: LoadProgress }
  | { type: 'ready'; id: number; device: KokoroDevice; dtype: string; loadMs: number }
  | { type: 'result'; id: number; samples: Float32Array; sampleRate: number; phonemes: PhonemeTiming[]; ipa: string; ms: number }
  | WorkerErrorEvent
