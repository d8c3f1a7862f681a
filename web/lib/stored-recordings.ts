/**
 * The recordings this browser keeps (the origin's private file system, `recordings/`; the layout
 * is in engines/recorder/stored.ts): listed with their sizes, opened as Files (a download or a
 * player reads them from disk, not from memory), and deleted. A recording whose worker's Web Lock
 * is free but which never finished was cut off — a crash, a closed tab — and can be recovered.
 */
import { finishedFileName, infoFileName, liveFileName, RECORDINGS_DIR, recordingLock, toWebVtt, type StoredRecording } from '../engines/recorder/stored.ts'

export interface KeptRecording extends StoredRecording {
  bytes: number
  /** Cut off before it finished: offer to recover it. */
  interrupted: boolean
}

async function dir(): Promise<FileSystemDirectoryHandle | null> {
  if (!navigator.storage?.getDirectory) return null
  try {
    return await (await navigator.storage.getDirectory()).getDirectoryHandle(RECORDINGS_DIR, { create: true })
  } catch {
    return null
  }
}

async function fileIn(d: FileSystemDirectoryHandle, name: string): Promise<File | null> {
  try {
    return await (await d.getFileHandle(name)).getFile()
  } catch {
    return null
  }
}

/** The recordings kept, newest first. */
export async function listRecordings(): Promise<KeptRecording[]> {
  const d = await dir()
  if (!d) return []
  const held = new Set(((await navigator.locks?.query())?.held ?? []).map((l) => l.name))
  const out: KeptRecording[] = []
  const names: string[] = []
  for await (const [name] of (d as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) names.push(name)
  for (const name of names) {
    // An export a reload or Cancel cut off: half a file nobody can use (a running one holds its lock).
    const exporting = /^(.+)\.export\.\w+$/.exec(name)
    if (exporting && !held.has(recordingLock(exporting[1]!))) await d.removeEntry(name).catch(() => {})
    if (!name.endsWith('.json')) continue
    const info = await fileIn(d, name).then((f) => f?.text()).then((t) => (t ? (JSON.parse(t) as StoredRecording) : null)).catch(() => null)
    if (!info?.id) continue
    const running = held.has(recordingLock(info.id))
    const file = await fileIn(d, info.status === 'done' ? finishedFileName(info) : liveFileName(info))
    if (!file && !running) continue
    out.push({ ...info, bytes: file?.size ?? 0, interrupted: info.status === 'recording' && !running })
  }
  return out.sort((a, b) => b.startedAt - a.startedAt)
}

/** A finished recording's file. */
export async function recordingFile(r: StoredRecording): Promise<File | null> {
  const d = await dir()
  return d && fileIn(d, finishedFileName(r))
}

/** Its captions as a WebVTT file beside it. */
export function captionsFile(r: StoredRecording): File {
  return new File([toWebVtt(r.captions)], r.name.replace(/\.\w+$/, '.vtt'), { type: 'text/vtt' })
}

/** Deletes a recording's files (one being made cannot be: its worker holds them). */
export async function deleteRecording(r: StoredRecording): Promise<void> {
  const d = await dir()
  if (!d) return
  for (const name of [finishedFileName(r), liveFileName(r), infoFileName(r.id)]) {
    await d.removeEntry(name).catch((err: unknown) => {
      if (!(err instanceof DOMException && err.name === 'NotFoundError')) throw err
    })
  }
}
