import type { AvatarClient } from '../engines/avatar/client.ts'
import { startRecorder, type RecorderClient, type RecorderResult } from '../engines/recorder/client.ts'
import type { RecordingContainer } from '../engines/recorder/stored.ts'
import type { Emitter } from '../lib/emitter.ts'
import { LevelSignal } from '../lib/level-signal.ts'
import { plainStageError } from '../lib/errors.ts'
import { deleteRecording, listRecordings, type KeptRecording } from '../lib/stored-recordings.ts'
import { closeRecordedFile, openRecordedFile, type RecordedFile } from './recorded-file.ts'
import { recordingFileName } from './recording-name.ts'
import type { ReplyClock, SpeechChunk, StreamMap } from './streams.ts'

export type { RecordedFile } from './recorded-file.ts'

export type RecordingState =
  | { status: 'idle'; file?: RecordedFile; error?: string }
  | { status: 'starting' }
  /** `startedAt`: epoch ms (the bytes written so far are `Recorder.written`). */
  | { status: 'recording'; startedAt: number }
  | { status: 'finishing'; startedAt: number }
  /** A recording a crash cut off is being finished. */
  | { status: 'recovering' }

/** What the session log keeps of each recording made or recovered. */
export interface RecordingLogEntry {
  name: string
  container: RecordingContainer
  startedAt: number
  seconds: number | null
  bytes: number
  captions: number
  recovered: boolean
  videoCodec: string | null
  audioCodec: string | null
  frames: number | null
  dropped: number | null
  problem: string | null
}

const wallNow = () => performance.timeOrigin + performance.now()

/**
 * The recorder stage: what the user sees and hears, to a video file made on the device. The
 * face's frames go from the avatar worker to the recorder worker on a port of their own, the
 * microphone's from the capture worklet on another (no pixels and no microphone here); this stage
 * sends each sentence of `avatar.audio` at the wall time it is heard (read off the reply's clock,
 * `avatar.clock`), when the user starts and stops speaking (the microphone is heard only then),
 * the captions, and the moments a reply is cut short.
 * The file is written to the origin's private file system as it is made, so a crash loses seconds;
 * on the next load an interrupted one is offered for recovery. Nothing leaves the machine.
 */
export class Recorder {
  state: RecordingState = { status: 'idle' }
  /** Recordings a crash or a closed tab cut off, found on load. */
  interrupted: KeptRecording[] = []
  readonly log: RecordingLogEntry[] = []
  /** Bytes written so far, once a second: drawn into the indicator without a re-render of the page (main thread ≤ 2 ms/s more while recording). */
  readonly written = new LevelSignal()
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
  /** Where the user's recent speech segments were, in wall time, by their start in the captured audio: a caption's span. */
  private spans = new Map<number, { from: number; to: number }>()
  /** A problem the worker reported while recording: said when the stop is done. */
  private problem: string | null = null
  private readonly off: (() => void)[]

  constructor(
    bus: Emitter<StreamMap>,
    private readonly face: () => { avatar: AvatarClient | null; name: string },
    private readonly changed: () => void,
    private readonly options: { container(): RecordingContainer; tapMicrophone(): MessagePort | null } = { container: () => 'mp4', tapMicrophone: () => null },
  ) {
    const wall = (at: number) => performance.timeOrigin + at
    this.off = [
      bus.on('turn.started', ({ turnId }) => (this.reply = { turnId, sentences: [] })),
      bus.on('avatar.audio', ({ turnId, chunk, startMs }) => {
        if (this.reply?.turnId === turnId) this.reply.sentences.push({ turnId, startMs, chunk })
        if (!this.worker) return
        this.pending.push({ turnId, startMs, chunk })
        this.place()
      }),
      bus.on('mic.opened', () => this.tapMicrophone()),
      bus.on('speech.started', ({ at }) => this.worker?.gate(true, wall(at))),
      bus.on('speech.ended', ({ at }) => this.worker?.gate(false, wall(at))),
      bus.on('speech.misfire', ({ at }) => this.worker?.gate(false, wall(at))),
      bus.on('speech.off', ({ at }) => this.worker?.gate(false, wall(at))),
      // A segment began (detectedMs − startMs) before the detector ended it, at `at`.
      bus.on('human.audio', (h) => {
        const from = wall(h.at) - (h.detectedMs - h.startMs)
        this.spans.set(h.startMs, { from, to: from + (h.endMs - h.startMs) })
        if (this.spans.size > 20) this.spans.delete(this.spans.keys().next().value!)
      }),
      bus.on('human.text', (t) => {
        if (!t.final || !this.worker || !t.text.trim()) return
        const span = t.span && this.spans.get(t.span.startMs)
        // A typed message is shown as it is sent: its caption stays as long as it takes to read.
        const from = span?.from ?? wall(t.at)
        const to = span?.to ?? from + Math.min(6000, 1500 + t.text.length * 60)
        this.worker.caption(t.text, from, to)
      }),
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
    void this.findInterrupted()
  }

  get recording(): boolean {
    return this.state.status === 'recording'
  }

  async start() {
    if (this.state.status !== 'idle') return
    const { avatar, name } = this.face()
    if (!avatar) return this.set({ status: 'idle', error: 'There is no face to record: it is not drawn on this device.' })
    this.discardFile()
    this.set({ status: 'starting' })
    this.problem = null
    const worker = this.launch()
    this.avatar = avatar
    const frames = new MessageChannel()
    const startedAt = wallNow()
    const container = this.options.container()
    const plan = { id: `${Math.round(startedAt)}-${Math.random().toString(36).slice(2, 8)}`, name: recordingFileName(name, new Date(startedAt), container), container, startedAt }
    try {
      const fps = await avatar.record(frames.port1)
      await worker.start(plan, fps, frames.port2)
      this.written.set(0)
      this.set({ status: 'recording', startedAt })
      this.tapMicrophone()
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
    this.set({ status: 'finishing', startedAt: s.startedAt })
    void this.avatar?.record(null).catch(() => {})
    const worker = this.worker!
    this.pending = []
    try {
      await this.show(await worker.stop(at), false)
    } catch (err) {
      this.set({ status: 'idle', error: plainRecordingError(err) })
    } finally {
      this.release()
    }
  }

  toggle() {
    return this.state.status === 'recording' ? this.stop() : this.start()
  }

  /** Finishes a recording a crash cut off, and offers it like one just made. */
  async recover(id: string) {
    if (this.state.status !== 'idle') return
    this.discardFile()
    this.set({ status: 'recovering' })
    const worker = this.launch()
    try {
      await this.show(await worker.recover(id), true)
    } catch (err) {
      this.set({ status: 'idle', error: `The recording could not be recovered: ${plainRecordingError(err)}` })
    } finally {
      this.release()
      await this.findInterrupted()
    }
  }

  /** Deletes an interrupted recording without recovering it. */
  async discard(id: string) {
    const r = this.interrupted.find((i) => i.id === id)
    if (r) await deleteRecording(r).catch(() => {})
    await this.findInterrupted()
  }

  dispose() {
    for (const off of this.off) off()
    void this.avatar?.record(null).catch(() => {})
    this.release()
    this.discardFile()
  }

  private launch(): RecorderClient {
    const worker = startRecorder({
      onProgress: (bytes) => this.written.set(bytes),
      // The disk is full (or the encoder failed): stop now; what was written is kept.
      onFailed: (_code, message) => {
        this.problem = message
        void this.stop()
      },
      onCrash: (err) => this.failed(err),
    })
    this.worker = worker
    return worker
  }

  private tapMicrophone() {
    if (this.state.status !== 'recording' || !this.worker) return
    const port = this.options.tapMicrophone()
    if (port) this.worker.hear(port)
  }

  private async show(result: RecorderResult, recovered: boolean) {
    const r = result.recording
    const file = await openRecordedFile(r, result.summary)
    const problem = this.problem ?? result.problem?.message ?? null
    this.log.push({
      name: r.name,
      container: r.container,
      startedAt: r.startedAt,
      seconds: r.seconds ?? result.summary?.videoSeconds ?? null,
      bytes: file.bytes,
      captions: r.captions.length,
      recovered,
      videoCodec: result.summary?.videoCodec ?? null,
      audioCodec: result.summary?.audioCodec ?? null,
      frames: result.summary?.frames ?? null,
      dropped: result.summary?.dropped ?? null,
      problem,
    })
    this.set({
      status: 'idle',
      file,
      ...(problem && { error: `${problem} What was recorded up to then is kept${r.asWritten ? ' as it was written (the captions are beside it)' : ''}.` }),
    })
  }

  private async findInterrupted() {
    this.interrupted = (await listRecordings().catch(() => [])).filter((r) => r.interrupted)
    this.changed()
  }

  /** Sentences whose reply's clock runs: heard at the clock's wall time plus their offset on it. */
  private place() {
    const c = this.clock
    // Not before the worker has begun the file: the start places the reply's sentences itself.
    if (!this.worker || this.state.status !== 'recording' || !c?.clock.playing || !c.turnId) return
    const ready = this.pending.filter((p) => p.turnId === c.turnId)
    if (!ready.length) return
    this.pending = this.pending.filter((p) => p.turnId !== c.turnId)
    for (const p of ready) this.worker.audio(c.clock.at + (p.startMs - c.clock.audioMs), p.chunk.samples, p.chunk.sampleRate, p.chunk.text)
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
    if (this.state.status === 'idle' && this.state.file) closeRecordedFile(this.state.file)
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
