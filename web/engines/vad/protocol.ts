import type { WorkerErrorEvent } from '../../lib/worker-rpc.ts'
import type { SegmenterOptions } from './speech-segmenter.ts'

/** The model file that ships inside @ricky0123/vad-web, served by the app (vite.config.ts). */
export const SILERO_MODEL_PATH = '/vendor/silero-vad/silero_vad_v5.onnx'

/** Main thread → VAD worker. */
export type VadRequest =
  /** `autoDetect: false` is push-to-talk mode: speech starts and ends only with the key. */
  /** `runtime`: the ONNX Runtime build (runtime/ort.ts): 'shared' when an on-device model loads it anyway. */
  | { type: 'load'; id: number; modelUrl: string; options: Partial<SegmenterOptions>; autoDetect: boolean; runtime?: 'wasm' | 'shared' }
  /** The capture worklet's end of a MessageChannel: 512-sample frames arrive on it. */
  | { type: 'attach'; id: number; port: MessagePort }
  /** Changes options in place (the stream's time and a segment in progress are kept). */
  | { type: 'configure'; id: number; options: Partial<SegmenterOptions>; autoDetect?: boolean }
  /** Push-to-talk pressed (speech starts now) or released (it ends now). */
  | { type: 'push-to-talk'; id: number; pressed: boolean }
  /** Muted or detached: end any segment in progress and forget the stream's time. */
  | { type: 'reset'; id: number }
  | { type: 'stats'; id: number }

/** VAD worker → main thread. Times are ms of captured audio since `attach`. */
export type VadEvent =
  | { type: 'ready'; id: number; backend: 'wasm' }
  | { type: 'result'; id: number; stats?: VadStats }
  | { type: 'speech-start'; startMs: number }
  | { type: 'speech-end'; startMs: number; endMs: number; audio: Float32Array; detectedAtMs: number }
  | { type: 'misfire'; startMs: number; endMs: number }
  | WorkerErrorEvent

export interface VadStats {
  frames: number
  /** Model time per frame, mean over the frames seen. */
  modelMsPerFrame: number
  /** Model, segmenter and events per frame. */
  workerMsPerFrame: number
}

/** Frames on the capture port. */
export interface CaptureFrame {
  type: 'frame'
  samples: Float32Array
}
