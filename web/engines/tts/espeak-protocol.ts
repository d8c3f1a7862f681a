import type { WorkerErrorEvent } from '../../lib/worker-rpc.ts'

export type EspeakRequest = { type: 'load'; id: number } | { type: 'synthesize'; id: number; text: string; voice: string; wordsPerMinute: number }

export type EspeakEvent =
  | { type: 'ready'; id: number; loadMs: number }
  | { type: 'result'; id: number; samples: Float32Array; sampleRate: number; ms: number }
  | WorkerErrorEvent
