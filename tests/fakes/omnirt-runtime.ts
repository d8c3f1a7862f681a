/**
 * The part of the fake OmniRT that stands for its avatar runtime: what a session is made of
 * (OmniRT's `RealtimeAvatarService.create_session` defaults, src/omnirt/server/realtime_avatar.py
 * at 91d2c50) and what each audio chunk renders to.
 *
 * Frame counts follow the runtime being played: `frames: 'one'` is OmniRT's own
 * `FakeRealtimeAvatarRuntime` (one JPEG for every chunk, its own, whatever session.created says
 * about a lookahead — as the real server does for `quicktalk`), `'chunk'` a real model (chunk
 * duration × fps) that honours its lookahead as QuickTalk's streaming features do: the first
 * `lookahead` replies of a session carry no frames, and after that each reply carries the frames
 * of the chunk `lookahead` chunks before it (so the end of an answer comes only with padding).
 *
 * What a frame shows is a test device, not OmniRT's: its grey level is the loudness of the audio
 * it was made from (`greyOfPcm`), so a browser test can read off a picture which moment of the
 * voice it belongs to, whatever the lookahead, reconnects or re-creates before it.
 */
import { solidJpeg } from './solid-jpeg.ts'

export const RATE = 16000
/** OmniRT's native default model (the route's fallback when session.create names none). */
export const DEFAULT_MODEL = 'soulx-flashtalk-14b'

export interface RuntimeOptions {
  /** Samples per chunk; OmniRT's default is slice_len × rate / fps: 17920 (1.12 s), 2560 (160 ms) for quicktalk. */
  chunkSamples?: number
  /** session.created's lookahead_chunks; OmniRT's default is 1 for quicktalk, 0 otherwise. */
  lookahead?: number
  frames?: 'one' | 'chunk'
  fps?: number
  width?: number
  height?: number
  /** The sample rate a session asks for (OmniRT: 16000, or its config's `sample_rate`, which a server profile may set). */
  sampleRate?: number
  /** Render time per chunk (ms), under the server-wide runtime lock. */
  renderMs?: number
}

export interface SessionSpec {
  model: string
  sampleRate: number
  chunkSamples: number
  lookahead: number
  fps: number
  width: number
  height: number
}

/** A session's spec: the fake's settings stand for the server's environment; the client's config wins, as in OmniRT. */
export function sessionSpec(options: RuntimeOptions, model: string, config: Record<string, unknown> = {}): SessionSpec {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : undefined)
  const fps = num(config.fps) ?? options.fps ?? 25
  const sampleRate = num(config.sample_rate) ?? options.sampleRate ?? RATE
  const sliceLen = model === 'quicktalk' ? 4 : 28
  return {
    model,
    sampleRate,
    fps,
    width: num(config.width) ?? options.width ?? 64,
    height: num(config.height) ?? options.height ?? 64,
    chunkSamples: num(config.chunk_samples) ?? options.chunkSamples ?? Math.floor((sliceLen * sampleRate) / fps),
    lookahead: options.lookahead ?? (model === 'quicktalk' ? 1 : 0),
  }
}

/** The grey a frame made from this audio shows: its mean loudness, scaled (silence is 20). */
export function greyOfPcm(pcm: Int16Array): number {
  let sum = 0
  for (const s of pcm) sum += Math.abs(s)
  return Math.min(255, Math.round(20 + ((pcm.length ? sum / pcm.length : 0) / 32768) * 400))
}

/** The mean |sample| (0…1) a grey from `greyOfPcm` stands for. */
export const loudnessOfGrey = (grey: number) => (grey - 20) / 400

/** One session's rendering: chunk by chunk, with the model's lookahead. */
export class RuntimeSession {
  /** Rendered chunks (OmniRT's `chunk_index` after the render). */
  chunkIndex = 0
  cancelled = false
  private readonly history: Int16Array[] = []

  constructor(readonly spec: SessionSpec, private readonly mode: 'one' | 'chunk') {}

  /** The JPEG frames that answer this chunk. */
  render(pcm: Int16Array): Uint8Array[] {
    const { lookahead, width, height, chunkSamples, fps, sampleRate } = this.spec
    this.history.push(pcm)
    if (this.mode === 'one') this.history.splice(0, this.history.length - 1)
    else if (this.history.length <= lookahead) return []
    const source = this.history.shift()!
    const count = this.mode === 'one' ? 1 : Math.max(1, Math.round((chunkSamples / sampleRate) * fps))
    return Array.from({ length: count }, (_, i) => {
      const from = Math.floor((i * source.length) / count)
      return solidJpeg(width, height, greyOfPcm(source.subarray(from, Math.floor(((i + 1) * source.length) / count))))
    })
  }
}

/** VIDX + frame count + length-prefixed JPEGs (OmniRT's `encode_jpeg_sequence`). */
export function encodeJpegSequence(frames: Uint8Array[]): Buffer {
  const parts: Buffer[] = [Buffer.from('VIDX', 'latin1'), Buffer.alloc(4)]
  parts[1]!.writeUInt32LE(frames.length)
  for (const f of frames) {
    const len = Buffer.alloc(4)
    len.writeUInt32LE(f.length)
    parts.push(len, Buffer.from(f))
  }
  return Buffer.concat(parts)
}

/** OmniRT renders one chunk at a time across the whole server (`avatar_runtime_lock`). */
export class RuntimeLock {
  private tail: Promise<unknown> = Promise.resolve()
  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task, task)
    this.tail = next.catch(() => {})
    return next
  }
}
