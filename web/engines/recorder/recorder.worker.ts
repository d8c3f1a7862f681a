/// <reference lib="webworker" />
// The recorder: encodes and muxes off the main thread and off the avatar worker, whose frame loop
// must keep its fps — encoding an H.264 frame costs as much as drawing one. The avatar worker posts
// each drawn frame here on a MessagePort (a VideoFrame is transferable: no pixels are copied and
// none cross the main thread), the capture worklet its microphone frames on another; the main
// thread sends only the voice's PCM, the captions and the times. The file goes to the origin's
// private file system as it is made (stored.ts says what is kept where).
import { serveRequests } from '../../lib/worker-rpc.ts'
import { CaptionTrack } from './captions.ts'
import { finishRecording, wholeMp4Length } from './finish.ts'
import { LiveRecording } from './live-recording.ts'
import { recordingsDir, removeFile, streamInto, SyncFile, writeWhole } from './opfs-file.ts'
import type { DrawnFrame, RecorderEvent, RecorderRequest, RecorderResult } from './protocol.ts'
import { finishedFileName, infoFileName, liveFileName, recordingLock, type StoredRecording } from './stored.ts'

declare const self: DedicatedWorkerGlobalScope

const emit = (e: RecorderEvent, transfer: Transferable[] = []) => self.postMessage(e, transfer)
const wallNow = () => performance.timeOrigin + performance.now()
const coded = (code: string, message: string) => Object.assign(new Error(message), { code })
const codeOf = (err: unknown) => (err as { code?: unknown })?.code

interface Session {
  info: StoredRecording
  dir: FileSystemDirectoryHandle
  file: SyncFile
  recording: LiveRecording
  captions: CaptionTrack
  frames: MessagePort
  mic: MessagePort | null
  progress: ReturnType<typeof setInterval>
  /** The recording's time passes even when the face draws nothing. */
  clock: ReturnType<typeof setInterval>
  release(): void
  bytes: number
  /** The file could not be written (a full disk): the recording stops, and its encoder is not waited for. */
  writeFailed: Error | null
}

let session: Session | null = null
/** The description is rewritten at most once a second, one write at a time (an access handle is exclusive). */
let saving: Promise<void> = Promise.resolve()
let saveTimer: ReturnType<typeof setTimeout> | undefined

/** Holds a Web Lock until the returned function is called; null when `ifAvailable` and it is taken. */
function holdLock(name: string, ifAvailable = false): Promise<(() => void) | null> {
  return new Promise((resolve, reject) => {
    navigator.locks
      .request(name, { ifAvailable }, (lock) => {
        if (!lock) return resolve(null)
        return new Promise<void>((release) => resolve(release))
      })
      .catch(reject)
  })
}

function save(s: Session) {
  const info = { ...s.info, captions: s.captions.list() }
  saving = saving.then(() => writeWhole(s.dir, infoFileName(info.id), JSON.stringify(info))).catch(() => {})
  return saving
}

function saveSoon(s: Session) {
  clearTimeout(saveTimer)
  saveTimer = setTimeout(() => void save(s), 1000)
}

function detach(s: Session) {
  s.frames.close()
  s.mic?.postMessage('close')
  s.mic?.close()
  clearInterval(s.progress)
  clearInterval(s.clock)
  clearTimeout(saveTimer)
}

/**
 * The live file made into the finished one (captions added, packets copied). A disk too full for
 * that copy keeps the live file as it was written — it plays up to its last fragment — with its
 * captions beside it.
 */
async function finish(dir: FileSystemDirectoryHandle, info: StoredRecording): Promise<RecorderResult> {
  const liveHandle = await dir.getFileHandle(liveFileName(info))
  const live = await liveHandle.getFile()
  let out: SyncFile | null = null
  try {
    out = await SyncFile.open(dir, finishedFileName(info))
    const done = await finishRecording(live, info.container, info.fps, info.captions, streamInto(out, () => {}))
    out.close()
    await removeFile(dir, liveFileName(info))
    return { recording: { ...info, status: 'done', seconds: done.seconds } }
  } catch (err) {
    out?.close()
    await removeFile(dir, finishedFileName(info)).catch(() => {})
    const code = codeOf(err)
    if (code !== 'recording_disk_full' && code !== 'recording_storage_denied') throw err
    // Half a fragment at the end is cut off (a shorter file needs no space); a player reads the rest.
    if (info.container === 'mp4') {
      const whole = await wholeMp4Length(live)
      await SyncFile.open(dir, liveFileName(info), { truncate: false }).then((kept) => (kept.truncate(whole), kept.close())).catch(() => {})
    }
    await (liveHandle as unknown as { move(name: string): Promise<void> }).move(finishedFileName(info))
    return { recording: { ...info, status: 'done', asWritten: true }, problem: { code: String(code), message: (err as Error).message } }
  }
}

/**
 * The finished recording's description. A disk too full even for that leaves the one written at
 * the start: the file is then listed as cut off, and recovering it again finds it whole.
 */
async function describe(dir: FileSystemDirectoryHandle, result: RecorderResult) {
  await writeWhole(dir, infoFileName(result.recording.id), JSON.stringify(result.recording)).catch(() => {})
}

serveRequests<RecorderRequest>(self, async (req) => {
  switch (req.type) {
    case 'start': {
      if (session) throw coded('recording_running', 'A recording is already running.')
      const dir = await recordingsDir()
      const release = (await holdLock(recordingLock(req.plan.id)))!
      const info: StoredRecording = { ...req.plan, fps: req.fps, status: 'recording', captions: [] }
      let file: SyncFile
      try {
        file = await SyncFile.open(dir, liveFileName(info))
        await writeWhole(dir, infoFileName(info.id), JSON.stringify(info))
      } catch (err) {
        release()
        throw err
      }
      const failed = (err: unknown) => emit({ type: 'failed', code: String(codeOf(err) ?? 'recording_failed'), message: err instanceof Error ? err.message : String(err) })
      const s: Session = {
        info,
        writeFailed: null,
        dir,
        file,
        captions: new CaptionTrack(),
        frames: req.frames,
        mic: null,
        release,
        bytes: 0,
        progress: setInterval(() => emit({ type: 'progress', bytes: s.bytes }), 1000),
        clock: setInterval(() => s.recording.tick(wallNow()), 100),
        recording: new LiveRecording(
          info.startedAt,
          req.fps,
          info.container,
          streamInto(
            file,
            (bytes) => (s.bytes = bytes),
            (err) => {
              if (s.writeFailed) return
              s.writeFailed = err
              failed(err)
            },
          ),
          (err) => !s.writeFailed && failed(err),
        ),
      }
      session = s
      s.frames.onmessage = (e: MessageEvent<DrawnFrame>) => (session === s ? s.recording.frame(e.data.frame, e.data.at) : e.data.frame.close())
      return emit({ type: 'result', id: req.id })
    }
    case 'mic': {
      const s = session
      if (!s) return void req.port.close(), emit({ type: 'result', id: req.id })
      s.mic?.postMessage('close')
      s.mic = req.port
      req.port.onmessage = (e: MessageEvent<{ samples: Float32Array }>) => session === s && s.recording.mic(e.data.samples, 16000, wallNow())
      return emit({ type: 'result', id: req.id })
    }
    case 'gate':
      session?.recording.gate(req.open, req.at)
      return emit({ type: 'result', id: req.id })
    case 'audio': {
      const s = session
      if (s) {
        s.recording.audio(req.samples, req.sampleRate, req.at, 'avatar')
        const startMs = req.at - s.info.startedAt
        s.captions.add({ speaker: 'avatar', text: req.text, startMs, endMs: startMs + (req.samples.length * 1000) / req.sampleRate })
        saveSoon(s)
      }
      return emit({ type: 'result', id: req.id })
    }
    case 'caption': {
      const s = session
      if (s) {
        s.captions.add({ speaker: 'you', text: req.text, startMs: req.from - s.info.startedAt, endMs: req.to - s.info.startedAt })
        saveSoon(s)
      }
      return emit({ type: 'result', id: req.id })
    }
    case 'cut':
      if (session) {
        session.recording.cut(req.at)
        session.captions.cut(req.at - session.info.startedAt)
        saveSoon(session)
      }
      return emit({ type: 'result', id: req.id })
    case 'stop': {
      const s = session
      if (!s) throw coded('recording_not_running', 'No recording is running.')
      session = null
      detach(s)
      try {
        let summary
        let failure: unknown = s.writeFailed
        if (!failure) {
          try {
            summary = await s.recording.stop(req.at)
          } catch (err) {
            failure = s.writeFailed ?? err
          }
        }
        // An output whose file failed may never settle: what is on disk is what counts now.
        if (failure) await Promise.race([s.recording.cancel().catch(() => {}), new Promise((r) => setTimeout(r, 2000))])
        s.file.close()
        await saving
        const code = codeOf(failure)
        if (code === 'recording_empty' || code === 'recording_unsupported' || (failure && !s.bytes)) {
          // Nothing was written that could play: nothing is kept.
          await removeFile(s.dir, liveFileName(s.info))
          await removeFile(s.dir, infoFileName(s.info.id))
          throw failure
        }
        const end = summary ? summary.videoSeconds * 1000 : Infinity
        const result = await finish(s.dir, { ...s.info, captions: s.captions.list(end) })
        await describe(s.dir, result)
        const problem = failure ? { code: String(code ?? 'recording_failed'), message: (failure as Error).message } : result.problem
        return emit({ type: 'result', id: req.id, file: { ...result, summary, problem } })
      } finally {
        s.release()
      }
    }
    case 'recover': {
      const dir = await recordingsDir()
      const release = await holdLock(recordingLock(req.recordingId), true)
      if (!release) throw coded('recording_in_use', 'That recording is still being made, in another tab.')
      try {
        const info = JSON.parse(await (await (await dir.getFileHandle(infoFileName(req.recordingId))).getFile()).text()) as StoredRecording
        const result = await finish(dir, info)
        await describe(dir, result)
        return emit({ type: 'result', id: req.id, file: result })
      } finally {
        release()
      }
    }
  }
})
