import type { WorkerErrorEvent } from '../../lib/worker-rpc.ts'
import type { PhonemeTiming } from '../media.ts'
import type { RecordingContainer, StoredRecording } from './stored.ts'

/** One answer to render: its question (shown as a caption over a moment of the face listening) and its voice. */
export interface ExportAnswer {
  question: string
  sentences: { text: string; startMs: number; sampleRate: number; samples: Float32Array; phonemes?: PhonemeTiming[] }[]
  /** Heard up to here (an interrupted answer), or null: to its end. */
  heardMs: number | null
}

export interface ExportPlan {
  id: string
  name: string
  container: RecordingContainer
  /** The avatar bundle's URL (the same bundle the live face draws). */
  avatarUrl: string
  /** The picture's width; its height follows the bundle's shape. */
  width: number
  answers: ExportAnswer[]
}

/** Main thread → export worker. */
export type ExportRequest = { type: 'export'; id: number; plan: ExportPlan }

/** Export worker → main thread. */
export type ExportEvent =
  | { type: 'result'; id: number; recording?: StoredRecording; stats?: ExportStats }
  /** Seconds of video made, of all there are. */
  | { type: 'progress'; done: number; total: number }
  | WorkerErrorEvent

export interface ExportStats {
  seconds: number
  frames: number
  /** Worker time it took (ms). */
  ms: number
}
