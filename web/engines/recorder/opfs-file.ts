/// <reference lib="webworker" />
// Files in the origin's private file system, written from a worker through synchronous access
// handles: a write is in the OS's file as soon as it returns, so a crash of the tab (or of the
// whole renderer) loses only what the encoder had not yet handed over.
import type { StreamTargetChunk } from 'mediabunny'
import { RECORDINGS_DIR } from './stored.ts'

export async function recordingsDir(): Promise<FileSystemDirectoryHandle> {
  if (!navigator.storage?.getDirectory) throw coded('recording_no_storage', 'This browser gives the page no private file system to record into.')
  const root = await navigator.storage.getDirectory()
  return root.getDirectoryHandle(RECORDINGS_DIR, { create: true })
}

const coded = (code: string, message: string) => Object.assign(new Error(message), { code })

/** A storage failure in words: a full disk or quota, a revoked permission, a file taken away. */
export function storageError(err: unknown): Error {
  const name = err instanceof DOMException ? err.name : ''
  if (name === 'QuotaExceededError') return coded('recording_disk_full', 'The disk is full, or this site used all the space the browser allows it: the recording stopped.')
  if (name === 'NotAllowedError' || name === 'SecurityError') return coded('recording_storage_denied', 'The browser no longer lets this page store files: the recording stopped.')
  if (name === 'NotFoundError' || name === 'InvalidStateError') return coded('recording_storage_lost', 'The recording\'s file was removed while it was being written: the recording stopped.')
  return err instanceof Error ? err : new Error(String(err))
}

/** A file held open for writing at any position; the size is what has been written. */
export class SyncFile {
  private constructor(
    private readonly handle: FileSystemSyncAccessHandle,
    readonly name: string,
  ) {}

  static async open(dir: FileSystemDirectoryHandle, name: string, { truncate = true } = {}): Promise<SyncFile> {
    try {
      const file = await dir.getFileHandle(name, { create: true })
      const handle = await file.createSyncAccessHandle()
      if (truncate) handle.truncate(0)
      return new SyncFile(handle, name)
    } catch (err) {
      throw storageError(err)
    }
  }

  write(data: Uint8Array, at: number) {
    try {
      // Chromium (here, 14x) does not throw when the quota is used up: it returns a negative error
      // code as an unsigned count (2³² − 8 for "no space"). Anything but the whole chunk is a full disk.
      const n = this.handle.write(data, { at })
      if (n !== data.byteLength) throw new DOMException(`wrote ${n} of ${data.byteLength} bytes`, 'QuotaExceededError')
    } catch (err) {
      throw storageError(err)
    }
  }

  get size(): number {
    return this.handle.getSize()
  }

  truncate(size: number) {
    this.handle.truncate(size)
  }

  flush() {
    try {
      this.handle.flush()
    } catch (err) {
      throw storageError(err)
    }
  }

  close() {
    try {
      this.handle.flush()
    } catch {
      // Closing what failed: what was written stays.
    }
    this.handle.close()
  }
}

/**
 * A mediabunny StreamTarget's stream over a SyncFile: each chunk at its position, flushed about
 * once a second (`flushEveryMs`) so that the file on disk is never far behind the encoder.
 */
export function streamInto(file: SyncFile, onWritten: (bytes: number) => void, onFailed: (err: Error) => void = () => {}, flushEveryMs = 1000): WritableStream<StreamTargetChunk> {
  let flushedAt = performance.now()
  return new WritableStream<StreamTargetChunk>({
    // A failed write is said at once: mediabunny keeps it until its next flush, a fragment later.
    write(chunk) {
      try {
        file.write(chunk.data, chunk.position)
        onWritten(file.size)
        if (performance.now() - flushedAt >= flushEveryMs) {
          file.flush()
          flushedAt = performance.now()
        }
      } catch (err) {
        onFailed(err as Error)
        throw err
      }
    },
    close: () => file.flush(),
  })
}

/**
 * Small files (a recording's description) written whole: beside the old one, then moved over it
 * (OPFS's move replaces), so that a full disk or a crash mid-write leaves the old one whole. One
 * at a time per name: an access handle is exclusive.
 */
export async function writeWhole(dir: FileSystemDirectoryHandle, name: string, text: string) {
  const next = `${name}.new`
  const file = await SyncFile.open(dir, next)
  try {
    file.write(new TextEncoder().encode(text), 0)
  } catch (err) {
    file.close()
    await removeFile(dir, next).catch(() => {})
    throw err
  }
  file.close()
  await (await dir.getFileHandle(next) as unknown as { move(name: string): Promise<void> }).move(name)
}

export async function removeFile(dir: FileSystemDirectoryHandle, name: string) {
  await dir.removeEntry(name).catch((err: unknown) => {
    if (!(err instanceof DOMException && err.name === 'NotFoundError')) throw err
  })
}
