/// <reference lib="webworker" />
// The export: past answers rendered to a video file in the private file system, off the main
// thread and off the live face's worker (it draws as fast as the encoder goes, which would starve
// a frame loop). The file is `<id>.export.<ext>` while it is made and is renamed when whole, so a
// cancelled or reloaded export leaves nothing that looks finished (the page removes the rest).
import { serveRequests } from '../../lib/worker-rpc.ts'
import type { ExportEvent, ExportRequest } from './export-protocol.ts'
import { renderExport } from './export-render.ts'
import { recordingsDir, removeFile, streamInto, SyncFile, writeWhole } from './opfs-file.ts'
import { exportFileName, finishedFileName, infoFileName, recordingLock, type StoredRecording } from './stored.ts'

declare const self: DedicatedWorkerGlobalScope

const emit = (e: ExportEvent) => self.postMessage(e)

serveRequests<ExportRequest>(self, async (req) => {
  const { plan } = req
  const dir = await recordingsDir()
  // Held while the file is made: the page tells a running export from one a reload cut off.
  await navigator.locks.request(recordingLock(plan.id), async () => {
    const file = await SyncFile.open(dir, exportFileName(plan))
    const begun = performance.now()
    let done: Awaited<ReturnType<typeof renderExport>>
    try {
      done = await renderExport(plan, streamInto(file, () => {}), (d, total) => emit({ type: 'progress', done: d, total }))
      file.close()
    } catch (err) {
      file.close()
      await removeFile(dir, exportFileName(plan))
      throw err
    }
    await (await dir.getFileHandle(exportFileName(plan)) as unknown as { move(name: string): Promise<void> }).move(finishedFileName(plan))
    const recording: StoredRecording = { id: plan.id, name: plan.name, container: plan.container, startedAt: Date.now(), fps: done.frames / done.seconds, status: 'done', captions: done.captions, seconds: done.seconds }
    await writeWhole(dir, infoFileName(plan.id), JSON.stringify(recording))
    emit({ type: 'result', id: req.id, recording, stats: { seconds: done.seconds, frames: done.frames, ms: performance.now() - begun } })
  })
})
