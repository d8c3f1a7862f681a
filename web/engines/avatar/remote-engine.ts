/**
 * A heavy avatar model on a GPU server, through the relay (`WS /api/v1/avatar/:model`): the
 * reply's audio goes out as exact chunks at the session's sample rate, a few in flight to hide
 * the server's latency, and padded at the end so a model with a lookahead renders the last of
 * it; its JPEG frames come back, are decoded here in the worker, and are placed on the audio they
 * were made from (remote-frames.ts) until the playback clock reaches them.
 *
 * The voice waits for the video: a warm-up at connect (silence, through the whole pipeline) and
 * then every answer measure how late frames come after their audio was handed over, and the
 * engine asks for the voice to be held back that long (bounded). Any failure is reported, and
 * the local face draws instead.
 */
import type { AvatarServerMessage, AvatarSessionInfo } from '../../../relay/contract.ts'
import { ReplyFrames, type FrameLookup } from './remote-frames.ts'

export type RemoteState = 'connecting' | 'ready' | 'syncing' | 'failed'

export interface RemoteEvents {
  state(state: RemoteState, why?: string): void
  /** The first frame of a reply was drawn (wall time, epoch ms). */
  firstFrame(at: number): void
  /** How long the reply's voice should wait for this model's frames (ms). */
  delay(ms: number): void
}

/** Decoded frames kept at most (a hidden tab draws nothing, so prunes nothing). */
const MAX_FRAMES = 150
/** Audio is sent at most this far ahead of what is playing: a fast server must not fill memory with frames. */
const AHEAD_MS = 3000
const KEEPALIVE_MS = 20_000
/** The warm-up gives up after this long (the engine is then ready, with nothing measured). */
const WARMUP_MS = 10_000
/** The longest the voice waits for frames unless the caller says otherwise. */
export const DEFAULT_MAX_DELAY_MS = 1500

export class RemoteEngine {
  private ws: WebSocket | undefined
  private info: AvatarSessionInfo | undefined
  private frames = new ReplyFrames<ImageBitmap>({ chunkMs: 1, lookahead: 0 }, (f) => f.close())
  /** Reply audio not yet sent (session rate) starts at `pending[offset]`; `sent` samples went before it. */
  private pending = new Float32Array(0)
  private offset = 0
  private sent = 0
  private inFlight = 0
  private firstShown = false
  /** After a cancel, replies to the chunks it dropped may still arrive: ignored until it is confirmed. */
  private cancelling = false
  private firstSentAt: number | undefined
  /** Bumped by each flush: decodes that finish after it belong to an old reply. */
  private generation = 0
  private keepalive: ReturnType<typeof setInterval> | undefined
  private warming: (() => void) | undefined
  /** The latest frames came after their audio, in the last answers (ms). */
  private lateness: number[] = []
  state: RemoteState = 'connecting'
  /** The last reply's first chunk sent → its first frame drawn (ms). */
  firstFrameMs: number | undefined
  /** How long the voice is asked to wait (ms). */
  delayMs = 0
  /** What the relay measured at the backend: a fresh session's first frames, the last chunk's render. */
  backend: { firstFrameMs?: number; renderMs?: number } = {}

  /** `clock`: where the reply's playback is now (ms). */
  constructor(
    private readonly url: string,
    private readonly protocols: string[],
    private readonly referenceB64: string,
    private readonly events: RemoteEvents,
    private readonly clock: () => number,
    private readonly maxDelayMs = DEFAULT_MAX_DELAY_MS,
  ) {}

  /** Opens the socket and the session, and warms the pipeline up (the server's model load happens now, not at the first answer). */
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
          this.info = m
          this.frames = new ReplyFrames({ chunkMs: (m.audio.chunk_samples / m.audio.sample_rate) * 1000, lookahead: m.lookahead_chunks ?? 0 }, (f) => f.close())
          this.keepalive = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ type: 'ping' })), KEEPALIVE_MS)
          void this.warmUp().then(() => {
            if (this.state !== 'connecting') return
            settled = true
            this.setState('ready')
            resolve()
          })
        } else if (m.type === 'session.cancelled') this.cancelling = false
        else if (m.type === 'metrics' && !this.cancelling) {
          if (m.first_frame_ms !== undefined) this.backend.firstFrameMs = m.first_frame_ms
          this.backend.renderMs = m.infer_ms + m.encode_ms
        } else if (m.type === 'video.dropped' && !this.cancelling) {
          // The relay dropped a reply for a browser that fell behind: its frames' places go unfilled.
          this.inFlight = Math.max(0, this.inFlight - 1)
          for (const at of this.frames.reply(Number(m.frames) || 0)) if (at !== null) this.frames.place(at, null, performance.now())
        } else if (m.type === 'error') fail(m.message ?? m.code ?? 'the avatar server reported an error')
      }
      ws.onerror = () => fail('the relay or the avatar server could not be reached')
      ws.onclose = (e) => fail(e.reason ? `the session ended (${e.reason})` : 'the connection closed')
    })
  }

  get ready() {
    return this.state === 'ready' || this.state === 'syncing'
  }

  /** The sample rate the session takes its audio at. */
  get sampleRate() {
    return this.info?.audio.sample_rate ?? 16000
  }

  /**
   * Silence through the whole pipeline, as one answer: measures how late frames come (the first
   * answer's voice waits that long too), and lets the model warm up before anyone listens.
   */
  private warmUp(): Promise<void> {
    const { chunk_samples } = this.info!.audio
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.warming?.(), WARMUP_MS)
      this.warming = () => {
        clearTimeout(timer)
        this.warming = undefined
        this.flush()
        resolve()
      }
      this.send(0, new Float32Array(chunk_samples * (this.info!.lookahead_chunks + 1)))
    })
  }

  /**
   * A sentence's audio (at `sampleRate`), `startMs` into the reply, scheduled for playback at
   * `at` (performance time; now when not said): silence fills any gap before it.
   */
  speech(startMs: number, audio: Float32Array, at?: number) {
    if (this.ready) this.send(startMs, audio, at)
  }

  private send(startMs: number, audio: Float32Array, at = performance.now()) {
    const rate = this.sampleRate
    this.frames.sentence(startMs, startMs + (audio.length / rate) * 1000, Math.min(at, performance.now()))
    const rest = this.pending.subarray(this.offset)
    const start = Math.round((startMs * rate) / 1000)
    const have = this.sent + rest.length
    const gap = Math.max(0, start - have)
    const skip = Math.max(0, have - start)
    const next = new Float32Array(rest.length + gap + Math.max(0, audio.length - skip))
    next.set(rest)
    next.set(audio.subarray(skip), rest.length + gap)
    this.pending = next
    this.offset = 0
    this.pump()
  }

  /**
   * The reply has no more audio: the last chunk goes out padded with zeros, and after it as many
   * silent chunks as the model looks ahead, so the end of the reply is rendered too.
   */
  finish() {
    const rest = this.pending.subarray(this.offset)
    if (!this.ready || (!rest.length && !this.sent)) return
    const chunk = this.info!.audio.chunk_samples
    const padded = new Float32Array((Math.ceil(rest.length / chunk) + this.info!.lookahead_chunks) * chunk)
    padded.set(rest)
    this.pending = padded
    this.offset = 0
    this.pump()
  }

  /** Barge-in or a new reply: what is in flight is cancelled (the relay keeps the session), the rest forgotten. */
  flush() {
    const inFlight = this.inFlight > 0
    if (this.frames.lateness !== undefined) this.measured(this.frames.lateness)
    this.generation++
    this.pending = new Float32Array(0)
    this.offset = 0
    this.sent = 0
    this.inFlight = 0
    this.firstShown = false
    this.firstSentAt = undefined
    this.frames.clear()
    // A reply whose chunks were all answered leaves nothing to cancel: the session goes on as it is.
    if (this.ws?.readyState === WebSocket.OPEN && inFlight && this.state !== 'failed') {
      this.cancelling = true
      this.ws.send(JSON.stringify({ type: 'session.cancel' }))
    }
    if (this.state === 'syncing') this.setState('ready')
  }

  /** What to show `audioMs` into the reply (frames long past are released). */
  frameAt(audioMs: number): FrameLookup<ImageBitmap> {
    this.pump()
    const found = this.frames.at(audioMs)
    if (found.kind === 'frame' && !this.firstShown) {
      this.firstShown = true
      if (this.firstSentAt !== undefined) this.firstFrameMs = performance.now() - this.firstSentAt
      this.events.firstFrame(performance.timeOrigin + performance.now())
    }
    if (found.kind === 'syncing' && this.state === 'ready') this.setState('syncing')
    else if (found.kind !== 'syncing' && this.state === 'syncing') this.setState('ready')
    return found
  }

  /** One answer's lateness: the voice waits for the worst of the last few, a frame's time more, within bounds. */
  private measured(lateness: number) {
    this.lateness = [...this.lateness, lateness].slice(-3)
    const frameMs = 1000 / (this.info?.video.fps || 25)
    const delay = Math.round(Math.min(this.maxDelayMs, Math.max(0, Math.max(...this.lateness) + frameMs)))
    if (delay === this.delayMs) return
    this.delayMs = delay
    this.events.delay(delay)
  }

  private pump() {
    const ws = this.ws
    const info = this.info
    if (!ws || !info || ws.readyState !== WebSocket.OPEN || this.state === 'failed') return
    const { chunk_samples: chunk, sample_rate: rate } = info.audio
    // Frames come `lookahead` replies after their chunk: keep enough in flight to see them early.
    const inFlightMax = Math.max(3, info.lookahead_chunks + 2)
    // Chunks are views into the pending audio: nothing is copied but the PCM each one becomes.
    while (this.inFlight < inFlightMax && this.pending.length - this.offset >= chunk && (this.sent / rate) * 1000 - this.clock() < AHEAD_MS) {
      const samples = this.pending.subarray(this.offset, this.offset + chunk)
      const message = new Uint8Array(4 + chunk * 2)
      message.set([0x41, 0x55, 0x44, 0x49])
      const pcm = new DataView(message.buffer, 4)
      for (let i = 0; i < samples.length; i++) pcm.setInt16(i * 2, Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32767))), true)
      if (this.sent === 0) this.firstSentAt = performance.now()
      ws.send(message)
      this.inFlight++
      this.sent += chunk
      this.offset += chunk
    }
  }

  /** A VIDX reply: its frames go where they belong on the audio, once decoded. */
  private onVideo(data: Uint8Array) {
    if (this.cancelling) return
    this.inFlight = Math.max(0, this.inFlight - 1)
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
    const places = this.frames.reply(view.getUint32(4, true))
    const generation = this.generation
    let at = 8
    for (const place of places) {
      const len = view.getUint32(at, true)
      const bytes = data.slice(at + 4, at + 4 + len)
      at += 4 + len
      if (place === null) continue
      if (this.frames.size > MAX_FRAMES) {
        this.frames.place(place, null, performance.now())
        continue
      }
      void createImageBitmap(new Blob([bytes], { type: 'image/jpeg' })).then(
        (bitmap) => {
          if (generation !== this.generation) return bitmap.close()
          this.frames.place(place, bitmap, performance.now())
          // The warm-up has what it came for: the first frame's lateness.
          if (this.warming && this.frames.lateness !== undefined) this.warming()
        },
        () => generation === this.generation && this.frames.place(place, null, performance.now()),
      )
    }
    this.pump()
  }

  private failed(why: string) {
    if (this.state === 'failed') return
    clearInterval(this.keepalive)
    this.setState('failed', why)
    this.warming?.()
    if (this.delayMs) this.events.delay((this.delayMs = 0))
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
    this.frames.clear()
  }
}
