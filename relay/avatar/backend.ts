/**
 * What an avatar session and its backends share: the interface every backend implements
 * (native-backend.ts, compat-backend.ts, mock-backend.ts), the limits they run under, and the
 * metrics every one of them reports the same way.
 */
import type { AvatarClientMessage, AvatarServerMessage, AvatarSessionInfo } from '../contract.ts'

export interface AvatarLimits {
  /** No message from the browser for this long ends the session. */
  idleMs: number
  /** The longest a session may last. */
  maxSessionMs: number
  /** A backend that takes longer than this to answer a chunk (or to start) has failed. */
  replyMs: number
  /** Audio chunks waiting for a lock-step backend. */
  maxQueuedChunks: number
  /** Video the browser has not yet taken; beyond it frames are dropped (late frames are useless). */
  maxClientBufferBytes: number
}

export const defaultAvatarLimits: AvatarLimits = { idleMs: 60_000, maxSessionMs: 30 * 60_000, replyMs: 15_000, maxQueuedChunks: 16, maxClientBufferBytes: 4 * 1024 * 1024 }

export type Create = Extract<AvatarClientMessage, { type: 'session.create' }>

/** Where a backend's answers go: on to the browser, or the session fails. */
export interface BackendOutput {
  text(message: string): void
  video(data: Uint8Array): void
  fail(code: string, message: string): void
}

export interface Backend {
  create(message: Create): Promise<AvatarSessionInfo>
  audio(chunk: Uint8Array): void
  cancel(): Promise<void>
  close(): void
}

export const newId = () => `avt_${Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('')}`

type Metrics = Extract<AvatarServerMessage, { type: 'metrics' }>

/**
 * The relay's own account of a backend's chunks, the same for every backend: answers counted
 * from 1 after each (re)start, each chunk's time at the backend, and how long the first frames
 * of a fresh session took — what a browser needs to hold its voice back for the video.
 */
export class ChunkMeter {
  private sentAt: number[] = []
  private index = 0
  private firstSentAt: number | undefined
  private framed = false

  sent() {
    const now = performance.now()
    this.sentAt.push(now)
    this.firstSentAt ??= now
  }

  /** The oldest chunk's reply came (with `frames` frames); the metrics that go before it. */
  answered(frames: number, render: { infer_ms?: unknown; encode_ms?: unknown } = {}): Metrics {
    const now = performance.now()
    const backendMs = Math.round(now - (this.sentAt.shift() ?? now))
    const m: Metrics = { type: 'metrics', chunk_index: ++this.index, infer_ms: finite(render.infer_ms) ?? backendMs, encode_ms: finite(render.encode_ms) ?? 0, backend_ms: backendMs }
    if (frames > 0 && !this.framed) {
      this.framed = true
      m.first_frame_ms = Math.round(now - (this.firstSentAt ?? now))
    }
    return m
  }

  /** The oldest chunk was answered with an error. */
  failed() {
    this.sentAt.shift()
  }

  /** A cancel: what was sent is forgotten, and the next chunk starts the count again. */
  restart() {
    this.sentAt = []
    this.index = 0
    this.firstSentAt = undefined
    this.framed = false
  }
}

const finite = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v * 10) / 10 : undefined)

/** A VIDX reply's frame count. */
export const frameCount = (data: Uint8Array) => (data.length >= 8 ? new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(4, true) : 0)
