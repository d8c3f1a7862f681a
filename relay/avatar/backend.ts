/**
 * What an avatar session and its backends share: the interface every backend implements
 * (remote-backends.ts, mock-backend.ts) and the limits they run under.
 */
import type { AvatarClientMessage, AvatarSessionInfo } from '../contract.ts'

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
