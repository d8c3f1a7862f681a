import type { WorkerErrorEvent } from '../../lib/worker-rpc.ts'
import type { PhonemeTiming } from '../tts/phonemes.ts'
import type { Expression } from './expressions.ts'
import type { Mood } from './pose.ts'

export type RendererKind = 'webgpu' | 'canvas2d'
export type RemoteAvatarState = 'connecting' | 'ready' | 'syncing' | 'failed' | 'off'
/**
 * What a snapshot shows: the local face; a remote frame for the moment; the last remote frame,
 * held (between replies, or while the voice waits for its frames); or the picture left as it was
 * while the remote frames for the moment are late.
 */
export type FrameSource = 'local' | 'remote' | 'held' | 'syncing'

/**
 * Where the reply's audio is: `audioMs` into the reply at the moment `at` (ms since the epoch, so
 * it means the same in every thread), advancing in real time while `playing`.
 */
export interface PlaybackClock {
  at: number
  audioMs: number
  playing: boolean
}

/** Main thread → avatar worker. */
export type AvatarRequest =
  /** Two canvases stacked in the stage: WebGPU draws on one; Canvas2D, if it must take over, on the other. */
  | { type: 'load'; id: number; avatarUrl: string; gpuCanvas: OffscreenCanvas; flatCanvas: OffscreenCanvas; width: number; height: number; prefer: 'auto' | RendererKind }
  | { type: 'avatar'; id: number; avatarUrl: string }
  | { type: 'resize'; id: number; width: number; height: number }
  | { type: 'mood'; id: number; mood: Mood }
  /**
   * The face eases into an expression (0…1), holds it a few seconds, then fades back to neutral;
   * refused (an error reply) when the bundle does not declare it. Kept while a remote model's
   * frames are shown, so the local face shows it whenever it draws.
   */
  | { type: 'expression'; id: number; expression: Expression; intensity: number }
  /** Idle life held still (no breath, sway, glances or blinks), so frames differ only by what is asked: tests, stills. */
  | { type: 'still'; id: number; on: boolean }
  | { type: 'clock'; id: number; clock: PlaybackClock }
  /**
   * A sentence scheduled `startMs` into the reply: its phoneme timings when the voice gives them,
   * else its audio (lip-sync from the sound); `at`: when playback scheduled it (epoch ms).
   */
  | { type: 'speech'; id: number; startMs: number; phonemes?: PhonemeTiming[]; audio?: { samples: Float32Array; sampleRate: number }; at?: number }
  /** Barge-in: forget what was to be said. */
  | { type: 'flush'; id: number }
  /** The reply has no more sentences (a remote avatar gets its last, padded chunk). */
  | { type: 'speech-end'; id: number }
  /** Frames from a model on a GPU server through the relay (`WS /api/v1/avatar/:model`), or none. */
  /** `maxDelayMs`: the longest the reply's voice may be held back for the remote frames. */
  | { type: 'remote'; id: number; remote: { url: string; protocols: string[]; maxDelayMs?: number } | null }
  /** The current frame's pixels (RGBA), drawn for the clock as it stands. */
  | { type: 'snapshot'; id: number }
  | { type: 'stats'; id: number }
  /** Each drawn frame goes to the recorder worker on `port` (null: the recording stopped); the reply says the face's fps. */
  | { type: 'record'; id: number; port: MessagePort | null }
  /** Report each drawn frame (`frame` events) or not: one message per frame, only while the page listens. */
  | { type: 'report-frames'; id: number; on: boolean }
  /** Destroys the GPU device, as a driver reset would (tests the fallback). */
  | { type: 'lose-device'; id: number }

export interface AvatarStats {
  renderer: RendererKind
  frames: number
  /** Mean CPU time to compute and draw a frame in the worker. */
  frameMs: number
  /** Remote frames drawn. */
  remoteFrames: number
  /** The last reply's first audio chunk sent → its first remote frame drawn (ms). */
  remoteFirstFrameMs?: number
  /** How long the voice is held back for the remote frames (ms). */
  remoteDelayMs?: number
  /** The relay's measures at the backend: a fresh session's first frames, the last chunk's render (ms). */
  remoteBackendFirstFrameMs?: number
  remoteBackendRenderMs?: number
  /** Mean cost of audio lip-sync per 10 ms of audio. */
  audioMsPer10ms: number
  audioHops: number
  /** The expression the local face shows now, and how much of it (0…1: easing in, held, fading back). */
  expression?: { name: Expression; weight: number }
}

/** Replies that are not the usual `ready` after `load` / `result` after the rest. */
export interface AvatarReplies {
  avatar: 'ready'
}

/** Avatar worker → main thread. */
export type AvatarEvent =
  /** `expressions`: what the bundle can show (`neutral` first, then those it declares). */
  | { type: 'ready'; id: number; renderer: RendererKind; name: string; why?: string; expressions: Expression[] }
  | { type: 'result'; id: number; snapshot?: { width: number; height: number; pixels: Uint8ClampedArray; audioMs: number; at: number; source: FrameSource }; stats?: AvatarStats; fps?: number }
  /** The renderer changed on its own (the GPU device was lost): the stage shows the other canvas. */
  | { type: 'fallback'; from: RendererKind; to: RendererKind; why: string }
  /** Which canvas has the picture now (remote frames are drawn on the 2D one). */
  | { type: 'showing'; canvas: RendererKind }
  /**
   * The remote avatar's state; `failed` says why, and the local face draws meanwhile; `syncing`:
   * the frames for this moment are late, and none from before is drawn in their place.
   */
  | { type: 'remote-state'; state: RemoteAvatarState; why?: string }
  /** How long the reply's voice should wait for the remote frames (ms; 0: no remote, or on time). */
  | { type: 'remote-delay'; ms: number }
  /** The first remote frame of a reply was drawn (epoch ms). */
  | { type: 'first-frame'; at: number }
  /** A frame was drawn (epoch ms), for `audioMs` into the reply: the session's avatar.video stream. Pixels stay here. */
  | { type: 'frame'; at: number; audioMs: number; source: 'local' | 'remote' }
  | WorkerErrorEvent
