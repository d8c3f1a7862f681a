import type { WorkerErrorEvent } from '../../lib/worker-rpc.ts'
import type { StoredRecording } from './stored.ts'

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

/** A new recording: its id and name (the page chose them), its container, and when its time 0 is (epoch ms). */
export type RecordingPlan = Pick<StoredRecording, 'id' | 'name' | 'container' | 'startedAt'>

/** Main thread → recorder worker. Times are ms since the epoch (the same in every thread). */
export type RecorderRequest =
  /** `frames`: the port the avatar worker posts its drawn frames on. */
  | { type: 'start'; id: number; plan: RecordingPlan; fps: number; frames: MessagePort }
  /** A tap on the capture worklet: the microphone's frames (16 kHz), straight from the audio thread. */
  | { type: 'mic'; id: number; port: MessagePort }
  /** The detector heard the user begin (`open`) or stop. */
  | { type: 'gate'; id: number; open: boolean; at: number }
  /** A sentence of the avatar's voice, heard from `at` on; its text is its caption. */
  | { type: 'audio'; id: number; at: number; samples: Float32Array; sampleRate: number; text: string }
  /** What the user said, over the span they said it. */
  | { type: 'caption'; id: number; text: string; from: number; to: number }
  /** The reply was interrupted at `at`: what was queued after it was never heard. */
  | { type: 'cut'; id: number; at: number }
  | { type: 'stop'; id: number; at: number }
  /** Finishes a recording a crash cut off (its worker's lock is free). */
  | { type: 'recover'; id: number; recordingId: string }

/** Avatar worker → recorder worker, on the port: a frame as drawn, at `at`. */
export interface DrawnFrame {
  frame: VideoFrame
  at: number
}

/** A finished file, where it is kept; `problem`: why it holds less than asked (a full disk), in words. */
export interface RecorderResult {
  recording: StoredRecording
  summary?: RecordingSummary
  problem?: { code: string; message: string }
}

/** Recorder worker → main thread. */
export type RecorderEvent =
  | { type: 'result'; id: number; file?: RecorderResult }
  /** Bytes written so far, about once a second. */
  | { type: 'progress'; bytes: number }
  /** The recording cannot go on (the disk is full, the encoder failed): stop it, and keep what was written. */
  | { type: 'failed'; code: string; message: string }
  | WorkerErrorEvent
