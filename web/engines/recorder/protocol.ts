import type { WorkerErrorEvent } from '../../lib/worker-rpc.ts'
import type { AudioSource } from './audio-timeline.ts'

/** What a finished recording holds, as the worker measured it. */
export interface RecordingSummary {
  mimeType: string
  videoCodec: string
  audioCodec: string
  /** Seconds of picture and of sound in the file. */
  videoSeconds: number
  audioSeconds: number
  frames: number
  /** Frames the face drew that the file could not take (the encoder was behind): their slots repeat the frame before. */
  dropped: number
  /** Mean worker time to hand one frame to the encoder (ms). */
  encodeMsPerFrame: number
}

/** Main thread → recorder worker. Times are ms since the epoch (the same in every thread). */
export type RecorderRequest =
  /** `frames`: the port the avatar worker posts its drawn frames on. */
  | { type: 'start'; id: number; startAt: number; fps: number; frames: MessagePort }
  /** Sound heard from `at` on: a sentence of the avatar's voice, or a segment of the user's speech. */
  | { type: 'audio'; id: number; at: number; samples: Float32Array; sampleRate: number; source: AudioSource }
  /** The reply was interrupted at `at`: what was queued after it was never heard. */
  | { type: 'cut'; id: number; at: number }
  | { type: 'stop'; id: number; at: number }

/** Avatar worker → recorder worker, on the port: a frame as drawn, at `at`. */
export interface DrawnFrame {
  frame: VideoFrame
  at: number
}

/** Recorder worker → main thread. */
export type RecorderEvent =
  | { type: 'result'; id: number; file?: { bytes: ArrayBuffer; summary: RecordingSummary } }
  /** Bytes written so far, about once a second. */
  | { type: 'progress'; bytes: number }
  | WorkerErrorEvent
