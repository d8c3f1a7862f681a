import type { AvatarClient } from '../engines/avatar/client.ts'
import { startRecorder, type RecorderClient, type RecordingSummary } from '../engines/recorder/client.ts'
import type { Emitter } from '../lib/emitter.ts'
import { plainStageError } from '../lib/errors.ts'
import { recordingFileName } from './recording-name.ts'
import type { ReplyClock, SpeechChunk, StreamMap } from './streams.ts'

export interface RecordedFile {
  url: string
  name: string
  bytes: number
  summary: RecordingSummary
}

export type RecordingState =
  | { status: 'idle'; file?: RecordedFile; error?: string }
  | { status: 'starting' }
  /** `startedAt`: epoch ms; `bytes`: written so far. */
  | { status: 'recording'; startedAt: number; bytes: number }
  | { status: 'finishing'; startedAt: number; bytes: number }

const wallNow = () => performance.timeOrigin + performance.now()

/**
 * The recorder stage: what the user sees and hears, to a video file made on the device. The
 * face's frames go from the avatar worker to the recorder worker on a port of their own (no
 * pixels here); this stage sends the voices — each sentence of `avatar.audio` at the wall time it
 * is heard, read off the reply's clock (`avatar.clock`), and the user's speech (`human.audio`, the
 * segments the detector cut: what was said, not the room's noise between) — and the moments a
 * reply is cut short.
 * The file is a Blob at stop, offered as a download; nothing leaves the machine.
 */
export class Recorder {
  state: RecordingState = { status: 'idle' }
  private worker: RecorderClient | null = null
  private avatar: AvatarClient | null = null
  /** Sentences scheduled, waiting for a running clock of their reply to say when they are heard. */
  private pending: { turnId: string; startMs: number; chunk: SpeechChunk }[] = []
  private clock: { turnId: string | null; clock: ReplyClock } | null = null
  /**
   * The reply's sentences so far, recording or not: a recording started mid-answer has the rest of
   * the sentence being said (its past part falls before the file's start and is left out).
   */
  private reply: { turnId: string; sentences: { turnId: string; startMs: number; chunk: SpeechChunk }[] } | null = null
  private readonly off: (() => void)[]

  constructor(
    bus: Emitter<StreamMap>,
    private readonly face: () => { avatar: AvatarClient | null; name: string },
    private readonly changed: () => void,
  ) {
    this.off = [
      bus.on('turn.started', ({ turnId }) => (this.reply = { turnId, sentences: [] })),
      bus.on('avatar.audio', ({ turnId, chunk, startMs }) => {
        if (this.reply?.turnId === turnId) this.reply.sentences.push({ turnId, startMs, chunk })
        if (!this.worker) return
        this.pending.push({ turnId, startMs, chunk })
        this.place()
      }),
      // The user's speech: it began (detectedMs − startMs) before the detector ended it, at `at`.
      bus.on('human.audio', (h) => this.worker?.audio(performance.timeOrigin + h.at - (h.detectedMs - h.startMs), h.samples, 16000, 'user')),
      bus.on('avatar.clock', (c) => {
        this.clock = c
        this.place()
      }),
      bus.on('turn.interrupted', ({ turnId }) => {
        this.pending = this.pending.filter((p) => p.turnId !== turnId)
        if (this.reply?.turnId === turnId) this.reply = null
        this.worker?.cut(wallNow())
      }),
    ]
  }

  get recording(): boolean {
    return this.state.status === 'recording'
  }

  async start() {
    if (this.state.status !== 'idle') return
    const { avatar } = this.face()
    if (!avatar) return this.set({ status: 'idle', error: 'There is no face to record: it is not drawn on this device.' })
    this.discardFile()
    this.set({ status: 'starting' })
    const worker = startRecorder({
      onProgress: (bytes) => this.state.status === 'recording' && this.set({ ...this.state, bytes }),
      onCrash: (err) => this.failed(err),
    })
    this.worker = worker
    this.avatar = avatar
    const frames = new MessageChannel()
    const startedAt = wallNow()
    try {
      const fps = await avatar.record(frames.port1)
      await worker.start(startedAt, fps, frames.port2)
      this.set({ status: 'recording', startedAt, bytes: 0 })
      this.pending = [...(this.reply?.sentences ?? [])]
      this.place()
    } catch (err) {
      this.failed(err)
    }
  }

  async stop() {
    const s = this.state
    if (s.status !== 'recording') return
    const at = wallNow()
    this.set({ status: 'finishing', startedAt: s.startedAt, bytes: s.bytes })
    void this.avatar?.record(null).catch(() => {})
    const worker = this.worker!
    this.pending = []
    try {
      const { blob, summary } = await worker.stop(at)
      const name = recordingFileName(this.face().name, new Date(s.startedAt), 'mp4')
      this.set({ status: 'idle', file: { url: URL.createObjectURL(blob), name, bytes: blob.size, summary } })
    } catch (err) {
      this.set({ status: 'idle', error: plainRecordingError(err) })
    } finally {
      this.release()
    }
  }

  toggle() {
    return this.state.status === 'recording' ? this.stop() : this.start()
  }

  dispose() {
    for (const off of this.off) off()
    void this.avatar?.record(null).catch(() => {})
    this.release()
    this.discardFile()
  }

  /** Sentences whose reply's clock runs: heard at the clock's wall time plus their offset on it. */
  private place() {
    const c = this.clock
    // Not before the worker has begun the file: the start places the reply's sentences itself.
    if (!this.worker || this.state.status !== 'recording' || !c?.clock.playing || !c.turnId) return
    const ready = this.pending.filter((p) => p.turnId === c.turnId)
    if (!ready.length) return
    this.pending = this.pending.filter((p) => p.turnId !== c.turnId)
    for (const p of ready) this.worker.audio(c.clock.at + (p.startMs - c.clock.audioMs), p.chunk.samples, p.chunk.sampleRate, 'avatar')
  }

  private failed(err: unknown) {
    void this.avatar?.record(null).catch(() => {})
    this.release()
    this.set({ status: 'idle', error: plainRecordingError(err) })
  }

  private release() {
    this.worker?.dispose()
    this.worker = null
    this.avatar = null
    this.pending = []
  }

  private discardFile() {
    if (this.state.status === 'idle' && this.state.file) URL.revokeObjectURL(this.state.file.url)
  }

  private set(state: RecordingState) {
    this.state = state
    this.changed()
  }
}

/** The recorder's own errors say what happened; anything else, in plain words. */
function plainRecordingError(err: unknown): string {
  return plainStageError(err, 'recording_', 'The recording stopped: this browser could not encode it. Nothing was saved.', 'recorder')
}
