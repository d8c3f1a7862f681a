/**
 * A heavy avatar model on a GPU server, through the relay (`WS /api/v1/avatar/:model`): the
 * reply's audio goes out as exact 16 kHz chunks, a few in flight to hide the server's latency;
 * its JPEG frames come back, are decoded here in the worker, and wait in a jitter buffer until
 * the playback clock reaches them. Any failure is reported, and the local face draws instead.
 */
import type { AvatarServerMessage } from '../../../relay/contract.ts'

export type RemoteState = 'connecting' | 'ready' | 'failed'

export interface RemoteEvents {
  state(state: RemoteState, why?: string): void
  /** The first frame of a reply was drawn (wall time, epoch ms). */
  firstFrame(at: number): void
}

/** Chunks sent and not yet answered: enough to hide a round trip, few enough to cancel fast. */
const IN_FLIGHT = 3
/** Decoded frames kept behind the clock (a late frame is never shown; these are for holding). */
const KEEP_BEHIND = 3
/** Audio is sent at most this far ahead of what is playing: a fast server must not fill memory with frames. */
const AHEAD_MS = 3000
/** And never more decoded frames than this (a hidden tab draws nothing, so prunes nothing). */
const MAX_FRAMES = 150
const KEEPALIVE_MS = 20_000

export class RemoteEngine {
  private ws: WebSocket | undefined
  private chunkSamples = 0
  private fps = 25
  /** Reply audio not yet sent (16 kHz) starts at `pending[offset]`; `sent` samples went before it. */
  private pending = new Float32Array(0)
  private offset = 0
  private sent = 0
  private inFlight = 0
  private nextFrame = 0
  private readonly frames = new Map<number, ImageBitmap>()
  private firstShown = false
  /** After a cancel, replies to the chunks it dropped may still arrive: ignored until it is confirmed. */
  private cancelling = false
  private firstSentAt: number | undefined
  /** The last reply's first chunk sent → its first frame drawn (ms). */
  firstFrameMs: number | undefined
  /** Bumped by each flush: decodes that finish after it belong to an old reply. */
  private generation = 0
  private keepalive: ReturnType<typeof setInterval> | undefined
  state: RemoteState = 'connecting'

  /** `clock`: where the reply's playback is now (ms). */
  constructor(private readonly url: string, private readonly protocols: string[], private readonly referenceB64: string, private readonly events: RemoteEvents, private readonly clock: () => number) {}

  /** Opens the socket and the session (the server's model load happens now, not at the first answer). */
  connect(): Promise<void> {
    this.setState('connecting')
    return new Promise((resolve, reject) => {
      let settled = false
      const fail = (why: string) => {
        if (!settled) reject(new Error(why))
        settled = true
        this.failed(why)
      }
      const ws = new WebSocket(this.url, this.protocols)
      ws.binaryType = 'arraybuffer'
      this.ws = ws
      ws.onopen = () => ws.send(JSON.stringify({ type: 'session.create', inputs: { image_b64: this.referenceB64 }, config: {} }))
      ws.onmessage = (e) => {
        if (typeof e.data !== 'string') return this.onVideo(new Uint8Array(e.data as ArrayBuffer))
        const m = JSON.parse(e.data) as AvatarServerMessage
        if (m.type === 'session.created') {
          this.chunkSamples = m.audio.chunk_samples
          this.fps = m.video.fps
          settled = true
          this.setState('ready')
          this.keepalive = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ type: 'ping' })), KEEPALIVE_MS)
          resolve()
        } else if (m.type === 'session.cancelled') this.cancelling = false
        else if (m.type === 'video.dropped' && !this.cancelling) {
          // The relay dropped a reply for a browser that fell behind: keep the numbering and the count.
          this.nextFrame += Number(m.frames) || 0
          this.inFlight = Math.max(0, this.inFlight - 1)
        }
        else if (m.type === 'error') fail(m.message ?? m.code ?? 'the avatar server reported an error')
      }
      ws.onerror = () => fail('the relay or the avatar server could not be reached')
      ws.onclose = (e) => fail(e.reason ? `the session ended (${e.reason})` : 'the connection closed')
    })
  }

  get ready() {
    return this.state === 'ready'
  }

  /** A sentence's audio (16 kHz), `startMs` into the reply: silence fills any gap before it. */
  speech(startMs: number, audio16k: Float32Array) {
    if (!this.ready) return
    const rest = this.pending.subarray(this.offset)
    const start = Math.round(startMs * 16)
    const have = this.sent + rest.length
    const gap = Math.max(0, start - have)
    const skip = Math.max(0, have - start)
    const next = new Float32Array(rest.length + gap + Math.max(0, audio16k.length - skip))
    next.set(rest)
    next.set(audio16k.subarray(skip), rest.length + gap)
    this.pending = next
    this.offset = 0
    this.pump()
  }

  /** The reply has no more audio: the last chunk goes out padded with zeros. */
  finish() {
    const rest = this.pending.subarray(this.offset)
    if (!this.ready || !rest.length) return
    const padded = new Float32Array(Math.ceil(rest.length / this.chunkSamples) * this.chunkSamples)
    padded.set(rest)
    this.pending = padded
    this.offset = 0
    this.pump()
  }

  /** Barge-in or a new reply: the server drops what it was doing; so do we. */
  flush() {
    const outstanding = this.sent > 0 || this.inFlight > 0 || this.pending.length > this.offset
    this.generation++
    this.pending = new Float32Array(0)
    this.offset = 0
    this.sent = 0
    this.inFlight = 0
    this.nextFrame = 0
    this.firstShown = false
    this.firstSentAt = undefined
    for (const f of this.frames.values()) f.close()
    this.frames.clear()
    // Only a reply in progress needs cancelling (a compat server pays a re-init for each).
    if (this.ready && outstanding) {
      this.cancelling = true
      this.ws!.send(JSON.stringify({ type: 'session.cancel' }))
    }
  }

  /** The frame for `audioMs` into the reply, or the latest one before it (a late frame holds). */
  frameAt(audioMs: number): ImageBitmap | undefined {
    this.pump()
    const index = Math.floor((audioMs * this.fps) / 1000)
    for (const [k, f] of this.frames) if (k < index - KEEP_BEHIND) (f.close(), this.frames.delete(k))
    for (let k = index; k >= index - KEEP_BEHIND; k--) {
      const f = this.frames.get(k)
      if (f) {
        if (!this.firstShown) {
          this.firstShown = true
          if (this.firstSentAt !== undefined) this.firstFrameMs = performance.now() - this.firstSentAt
          this.events.firstFrame(performance.timeOrigin + performance.now())
        }
        return f
      }
    }
    return undefined
  }

  private pump() {
    const ws = this.ws!
    // Chunks are views into the pending audio: nothing is copied but the PCM each one becomes.
    while (this.ready && this.inFlight < IN_FLIGHT && this.pending.length - this.offset >= this.chunkSamples && this.sent / 16 - this.clock() < AHEAD_MS) {
      const chunk = this.pending.subarray(this.offset, this.offset + this.chunkSamples)
      const message = new Uint8Array(4 + this.chunkSamples * 2)
      message.set([0x41, 0x55, 0x44, 0x49])
      const pcm = new DataView(message.buffer, 4)
      for (let i = 0; i < chunk.length; i++) pcm.setInt16(i * 2, Math.max(-32768, Math.min(32767, Math.round(chunk[i]! * 32767))), true)
      if (this.sent === 0) this.firstSentAt = performance.now()
      ws.send(message)
      this.inFlight++
      this.sent += this.chunkSamples
      this.offset += this.chunkSamples
    }
  }

  /** A VIDX reply: its frames take the next numbers, are decoded, and join the jitter buffer. */
  private onVideo(data: Uint8Array) {
    if (this.cancelling) return
    this.inFlight = Math.max(0, this.inFlight - 1)
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
    const count = view.getUint32(4, true)
    let at = 8
    for (let i = 0; i < count; i++) {
      const len = view.getUint32(at, true)
      const index = this.nextFrame++
      const generation = this.generation
      void createImageBitmap(new Blob([data.slice(at + 4, at + 4 + len)], { type: 'image/jpeg' })).then(
        (bitmap) => {
          if (generation !== this.generation || this.frames.size >= MAX_FRAMES) return bitmap.close()
          this.frames.get(index)?.close()
          this.frames.set(index, bitmap)
        },
        () => {},
      )
      at += 4 + len
    }
    this.pump()
  }

  private failed(why: string) {
    if (this.state === 'failed') return
    clearInterval(this.keepalive)
    this.setState('failed', why)
    try {
      this.ws?.close()
    } catch {
      // already closed
    }
  }

  private setState(state: RemoteState, why?: string) {
    this.state = state
    this.events.state(state, why)
  }

  dispose() {
    clearInterval(this.keepalive)
    this.generation++
    this.state = 'failed'
    this.ws?.close()
    for (const f of this.frames.values()) f.close()
    this.frames.clear()
  }
}
