import type { ExportEvent, ExportRequest, ExportStats } from '../engines/recorder/export-protocol.ts'
import type { RecordingContainer } from '../engines/recorder/stored.ts'
import { plainStageError } from '../lib/errors.ts'
import { listRecordings } from '../lib/stored-recordings.ts'
import { WorkerRpc } from '../lib/worker-rpc.ts'
import { closeRecordedFile, openRecordedFile, type RecordedFile } from './recorded-file.ts'
import { recordingFileName } from './recording-name.ts'
import { getAnswer, listAnswers } from './voice-archive.ts'

export type ExportState =
  | { status: 'idle'; file?: RecordedFile; error?: string; stats?: ExportStats }
  /** `done` of `total` seconds of video made. */
  | { status: 'exporting'; done: number; total: number; what: string }

/** The picture's width: half the bundle's usual 1024, sharp on a phone and quick to encode on two cores. */
const EXPORT_WIDTH = 512

/**
 * A video of past answers, made later from what the session kept (the voice archive): one answer,
 * or the whole conversation, rendered in a worker of its own with a progress bar and Cancel. The
 * file joins the recordings in the private file system.
 */
export class VideoExporter {
  state: ExportState = { status: 'idle' }
  private rpc: WorkerRpc<ExportRequest, ExportEvent> | null = null

  constructor(
    private readonly face: () => { avatarUrl: string | null; name: string },
    private readonly container: () => RecordingContainer,
    private readonly changed: () => void,
  ) {}

  /** `assistantId`: one answer; none: the whole conversation (the answers kept, in order). */
  async start(assistantId?: string) {
    if (this.state.status === 'exporting') return
    this.discardFile()
    const { avatarUrl, name } = this.face()
    const one = assistantId ? await getAnswer(assistantId) : null
    const answers = assistantId ? (one ? [one] : []) : await listAnswers()
    if (!avatarUrl || !answers.length) {
      return this.set({ status: 'idle', error: !avatarUrl ? 'There is no face to draw the video with.' : 'No spoken answer is kept to make a video of: answers are kept once they have been said aloud.' })
    }
    const container = this.container()
    const startedAt = Date.now()
    const id = `${startedAt}-export-${Math.random().toString(36).slice(2, 8)}`
    const what = assistantId ? 'this answer' : 'the conversation'
    this.set({ status: 'exporting', done: 0, total: 0, what })
    const worker = new Worker(new URL('../engines/recorder/export.worker.ts', import.meta.url), { type: 'module', name: 'parley-export' })
    const rpc = new WorkerRpc<ExportRequest, ExportEvent>(worker, 'video export')
    this.rpc = rpc
    rpc.on('progress', (e) => this.rpc === rpc && this.set({ status: 'exporting', done: e.done, total: e.total, what }))
    try {
      const plan = {
        id,
        name: recordingFileName(name, new Date(startedAt), container),
        container,
        avatarUrl: new URL(avatarUrl, location.href).href,
        width: EXPORT_WIDTH,
        answers: answers.map((a) => ({ question: a.question, sentences: a.sentences, heardMs: a.heardMs })),
      }
      const { recording, stats } = await rpc.request({ type: 'export', plan })
      if (this.rpc !== rpc) return
      this.set({ status: 'idle', stats, file: await openRecordedFile(recording!) })
    } catch (err) {
      if (this.rpc === rpc) this.set({ status: 'idle', error: plainStageError(err, 'recording_', 'The video could not be made: this browser could not encode it.', 'video export') })
    } finally {
      if (this.rpc === rpc) this.stopWorker()
    }
  }

  /** Stops the export; what it had written is removed (a half-made file is of no use). */
  async cancel() {
    if (this.state.status !== 'exporting') return
    this.stopWorker()
    this.set({ status: 'idle' })
    // The worker's lock goes with it (a moment after): then listing removes its half-made file.
    for (let i = 0; i < 20 && (await navigator.locks.query()).held?.some((l) => l.name?.includes('-export-')); i++) await new Promise((r) => setTimeout(r, 100))
    await listRecordings().catch(() => [])
  }

  dispose() {
    this.stopWorker()
    this.discardFile()
  }

  private stopWorker() {
    this.rpc?.terminate()
    this.rpc = null
  }

  private discardFile() {
    if (this.state.status === 'idle' && this.state.file) closeRecordedFile(this.state.file)
  }

  private set(state: ExportState) {
    this.state = state
    this.changed()
  }
}
