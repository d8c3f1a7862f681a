import type { RecordingSummary } from '../engines/recorder/client.ts'
import { mimeTypeOf, type StoredRecording } from '../engines/recorder/stored.ts'
import { captionsFile, recordingFile } from '../lib/stored-recordings.ts'

/** A finished video, ready for the page: its file in the private file system, as URLs to play and download, and its captions beside it. */
export interface RecordedFile {
  url: string
  name: string
  bytes: number
  /** The captions as a WebVTT file beside it (null: nothing was said). */
  captionsUrl: string | null
  captionsName: string
  recording: StoredRecording
  summary?: RecordingSummary
  /** The file itself, for the Web Share API. */
  file: File
}

/** Opens a finished recording (read from disk when played or saved, not held in memory). */
export async function openRecordedFile(r: StoredRecording, summary?: RecordingSummary): Promise<RecordedFile> {
  const file = await recordingFile(r)
  if (!file) throw Object.assign(new Error('The finished file is missing from this browser\'s storage.'), { code: 'recording_storage_lost' })
  const captions = r.captions.length ? captionsFile(r) : null
  return {
    url: URL.createObjectURL(file),
    name: r.name,
    bytes: file.size,
    captionsUrl: captions && URL.createObjectURL(captions),
    captionsName: captions?.name ?? '',
    recording: r,
    summary,
    file: new File([file], r.name, { type: file.type || mimeTypeOf(r.container) }),
  }
}

export function closeRecordedFile(f: RecordedFile) {
  URL.revokeObjectURL(f.url)
  if (f.captionsUrl) URL.revokeObjectURL(f.captionsUrl)
}
