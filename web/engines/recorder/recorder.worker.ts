/// <reference lib="webworker" />
// The recorder: encodes and muxes off the main thread and off the avatar worker, whose frame loop
// must keep its fps — encoding an H.264 frame costs as much as drawing one. The avatar worker posts
// each drawn frame here on a MessagePort (a VideoFrame is transferable: no pixels are copied and
// none cross the main thread); the main thread sends only the voice's PCM and the times.
import { serveRequests } from '../../lib/worker-rpc.ts'
import { LiveRecording } from './live-recording.ts'
import type { DrawnFrame, RecorderEvent, RecorderRequest } from './protocol.ts'

declare const self: DedicatedWorkerGlobalScope

const emit = (e: RecorderEvent, transfer: Transferable[] = []) => self.postMessage(e, transfer)

let recording: LiveRecording | null = null
let frames: MessagePort | null = null
let progress: ReturnType<typeof setInterval> | undefined

function end() {
  frames?.close()
  frames = null
  clearInterval(progress)
  recording = null
}

serveRequests<RecorderRequest>(self, async (req) => {
  switch (req.type) {
    case 'start': {
      if (recording) throw Object.assign(new Error('A recording is already running.'), { code: 'recording_running' })
      const r = new LiveRecording(req.startAt, req.fps)
      recording = r
      frames = req.frames
      frames.onmessage = (e: MessageEvent<DrawnFrame>) => (recording === r ? r.frame(e.data.frame, e.data.at) : e.data.frame.close())
      progress = setInterval(() => emit({ type: 'progress', bytes: r.bytes }), 1000)
      return emit({ type: 'result', id: req.id })
    }
    case 'audio':
      recording?.audio(req.samples, req.sampleRate, req.at, req.source)
      return emit({ type: 'result', id: req.id })
    case 'cut':
      recording?.cut(req.at)
      return emit({ type: 'result', id: req.id })
    case 'stop': {
      const r = recording
      if (!r) throw Object.assign(new Error('No recording is running.'), { code: 'recording_not_running' })
      end()
      try {
        const file = await r.stop(req.at)
        return emit({ type: 'result', id: req.id, file }, [file.bytes])
      } catch (err) {
        await r.cancel()
        throw err
      }
    }
  }
})
