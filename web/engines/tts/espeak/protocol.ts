import type { WorkerErrorEvent } from '../../../lib/worker-rpc.ts'
import type { PhonemeTiming } from '../phonemes.ts'

export type EspeakRequest = { type: 'load'; id: number } | { type: 'synthesize'; id: number; text: string; voice: string; wordsPerMinute: number }

export type EspeakEvent =
  | { type: 'ready'; id: number; loadMs: number }
  /** `phonemes`: estimated timings (the program reports none), for lip-sync. */
  | { type: 'result'; id: number; samples: Float32Array; sampleRate: number; phonemes: PhonemeTiming[]; ms: number }
  | WorkerErrorEvent
