import type { WorkerErrorEvent } from '../../lib/worker-rpc.ts'
import type { SegmenterOptions } from './speech-segmenter.ts'
import type { EchoMode, ReferenceClock } from './echo-gate.ts'

/** The model file that ships inside @ricky0123/vad-web, served by the app (vite.config.ts). */
export const SILERO_MODEL_PATH = '/vendor/silero-vad/silero_vad_v5.onnx'

/** Main thread → VAD worker. */
export type VadRequest =
  /** `autoDetect: false` is push-to-talk mode: speech starts and ends only with the key. */
  /** `runtime`: the ONNX Runtime build (runtime/ort.ts): 'shared' when an on-device model loads it anyway. */
  | { type: 'load'; id: number; modelUrl: string; options: Partial<SegmenterOptions>; autoDetect: boolean; runtime?: 'wasm' | 'shared'; turnModelUrl?: string | null }
  /** Another turn model (Smart Turn v3, judged at each short pause in this worker), or none. */
  | { type: 'turn-model'; id: number; url: string | null }
  /** The capture worklet's end of a MessageChannel: 16 kHz audio arrives on it, 128 samples (8 ms) at a time. */
  | { type: 'attach'; id: number; port: MessagePort }
  /** Changes options in place (the stream's time and a segment in progress are kept). */
  | { type: 'configure'; id: number; options: Partial<SegmenterOptions>; autoDetect?: boolean }
  /** Push-to-talk pressed (speech starts now) or released (it ends now). */
  | { type: 'push-to-talk'; id: number; pressed: boolean }
  /** Muted or detached: end any segment in progress and forget the stream's time. */
  | { type: 'reset'; id: number }
  | { type: 'stats'; id: number }
  /** The turn is over at this pause: end the segment now. */
  | { type: 'end-at-pause'; id: number; pause: number }
  /** The turn sounds unfinished at this pause: this segment waits `ms` of silence before it ends. */
  | { type: 'extend'; id: number; pause: number; ms: number }
  /** The echo gate's reference: a piece of the reply's audio, `startMs` into it (`newReply`: the first of another reply). */
  | { type: 'echo-audio'; id: number; startMs: number; samples: Float32Array; sampleRate: number; newReply: boolean }
  /** The reply's clock, as playback reads it (epoch ms). */
  | { type: 'echo-clock'; id: number; clock: ReferenceClock }
  /** Speakers, headphones, or find out. */
  | { type: 'echo-mode'; id: number; mode: EchoMode }

/** VAD worker → main thread. Times are ms of captured audio since `attach`. */
export type VadEvent =
  | { type: 'ready'; id: number; backend: 'wasm'; turn: TurnModelStatus }
  | { type: 'result'; id: number; stats?: VadStats; turn?: TurnModelStatus }
  | { type: 'speech-onset'; startMs: number }
  | { type: 'onset-lost'; startMs: number }
  | { type: 'speech-start'; startMs: number }
  /**
   * `judged`: the turn model is judging this pause; its `turn-verdict` follows (meanwhile the words
   * can be recognised: the two run side by side).
   */
  | { type: 'speech-pause'; pause: number; startMs: number; endMs: number; audio: Float32Array; detectedAtMs: number; judged: boolean }
  /** The turn model's P(complete) at this pause (null: it failed), and its time; below 0.5 the segment already waits longer. */
  | { type: 'turn-verdict'; pause: number; probability: number | null; modelMs: number | null }
  | { type: 'speech-continued'; pause: number }
  /** `pause`: it ended in that pause with nothing said since (the pause's words are its words). */
  | { type: 'speech-end'; startMs: number; endMs: number; audio: Float32Array; detectedAtMs: number; pause?: number }
  | { type: 'misfire'; startMs: number; endMs: number }
  | WorkerErrorEvent

/** Whether a turn model judges pauses here: loaded, none asked for, or one that could not be loaded (why). */
export type TurnModelStatus = { status: 'ready' | 'off' } | { status: 'missing'; reason: string }

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
