import type { WorkerErrorEvent } from '../../lib/worker-rpc.ts'

export type AsrDevice = 'webgpu' | 'wasm'

/** transformers.js's progress objects, passed through (the fields Parley shows). */
export interface LoadProgress {
  status: 'initiate' | 'download' | 'progress' | 'done' | 'ready' | string
  file?: string
  loaded?: number
  total?: number
  progress?: number
}

/** Main thread → ASR worker. */
export type AsrRequest =
  | {
      type: 'load'
      id: number
      /** Hub id, also the folder under /models/ when self-hosted: "onnx-community/whisper-base". */
      modelId: string
      device: AsrDevice
      dtype: string
      /** Fetch from the Hugging Face hub when the model is not on this server. */
      allowRemote: boolean
    }
  | { type: 'transcribe'; id: number; audio: Float32Array; language?: string }

/** ASR worker → main thread. */
export type AsrEvent =
  | { type: 'progress'; id: number; info: LoadProgress }
  | { type: 'ready'; id: number; device: AsrDevice; dtype: string; loadMs: number }
  | { type: 'partial'; id: number; text: string }
  | { type: 'result'; id: number; text: string; ms: number }
  | WorkerErrorEvent


export { MODELS_PATH } from '../runtime/model-paths.ts'
