/**
 * A recording as it is kept in the browser's private file system (OPFS), in `recordings/`:
 * - `<id>.live.<ext>`  the file as it is made (fragmented MP4 or append-only WebM), written as it
 *                      goes — what a crash leaves behind;
 * - `<id>.<ext>`       the finished file, remuxed from the live one with its captions;
 * - `<id>.export.<ext>` a video of past answers while it is rendered;
 * - `<id>.json`        this description, rewritten as captions come.
 * Shared by the recorder worker (which writes them) and the page (which lists, offers and deletes them).
 */

export type RecordingContainer = 'mp4' | 'webm'

/** One caption: who spoke, what, when (ms into the recording). */
export interface Caption {
  speaker: 'you' | 'avatar'
  text: string
  startMs: number
  endMs: number
}

export interface StoredRecording {
  id: string
  /** The name it downloads as: parley-<avatar>-<date>-<time>.<ext>. */
  name: string
  container: RecordingContainer
  /** Epoch ms of the file's time 0. */
  startedAt: number
  /** The picture's frame rate (a recovered file keeps it). */
  fps: number
  /** `recording`: being made, or cut off by a crash (the Web Lock tells which); `done`: finished. */
  status: 'recording' | 'done'
  captions: Caption[]
  /** Seconds, for a finished file. */
  seconds?: number
  /** The file was kept as it was written, without its caption track (the disk was too full to finish it); the captions are beside it. */
  asWritten?: boolean
}

export const RECORDINGS_DIR = 'recordings'
/** Held by the worker making a recording: a recording whose lock is free was cut off. */
export const recordingLock = (id: string) => `parley-recording-${id}`

export const liveFileName = (r: Pick<StoredRecording, 'id' | 'container'>) => `${r.id}.live.${r.container}`
/** An export being rendered (renamed to the finished name when whole). */
export const exportFileName = (r: Pick<StoredRecording, 'id' | 'container'>) => `${r.id}.export.${r.container}`
export const finishedFileName = (r: Pick<StoredRecording, 'id' | 'container'>) => `${r.id}.${r.container}`
export const infoFileName = (id: string) => `${id}.json`

export const mimeTypeOf = (container: RecordingContainer) => (container === 'mp4' ? 'video/mp4' : 'video/webm')

/** The captions as a WebVTT file: the same cues as the file's subtitle track, for players that read only a file beside it. */
export function toWebVtt(captions: readonly Caption[]): string {
  const cues = [...captions]
    .filter((c) => c.text.trim() && c.endMs > c.startMs)
    .sort((a, b) => a.startMs - b.startMs)
    .map((c) => `${vttTime(c.startMs)} --> ${vttTime(c.endMs)}\n<v ${c.speaker === 'you' ? 'You' : 'Avatar'}>${escapeVtt(c.text.trim())}`)
  return ['WEBVTT', ...cues].join('\n\n') + '\n'
}

function vttTime(ms: number): string {
  const t = Math.max(0, Math.round(ms))
  const two = (n: number) => String(n).padStart(2, '0')
  const h = Math.floor(t / 3_600_000)
  const m = Math.floor((t % 3_600_000) / 60_000)
  const s = Math.floor((t % 60_000) / 1000)
  return `${two(h)}:${two(m)}:${two(s)}.${String(t % 1000).padStart(3, '0')}`
}

/** A cue's text may not hold "-->", and `&` and `<` start markup. */
function escapeVtt(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/-->/g, '→').replace(/\n+/g, ' ')
}
