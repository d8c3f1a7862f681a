/// <reference lib="webworker" />
// The VAD worker: frames come straight from the capture worklet over a MessagePort, run through
// Silero and the segmenter here; only speech events go to the main thread.
import { serveRequests } from '../../lib/worker-rpc.ts'
import type { CaptureFrame, VadEvent, VadRequest } from './protocol.ts'
import { SileroVad } from './silero.ts'
import { SpeechSegmenter, type SegmenterOptions } from './speech-segmenter.ts'

declare const self: DedicatedWorkerGlobalScope

let vad: SileroVad | undefined
let segmenter = new SpeechSegmenter()
let port: MessagePort | undefined
let autoDetect = true
let frames = 0
let modelMs = 0
let frameMs = 0
let chain = Promise.resolve()

const emit = (event: VadEvent, transfer: Transferable[] = []) => self.postMessage(event, transfer)

function publish(events: ReturnType<SpeechSegmenter['push']>) {
  for (const e of events) {
    if (e.type === 'speech-end') emit({ ...e, detectedAtMs: segmenter.nowMs }, [e.audio.buffer])
    else emit(e)
  }
}

async function onFrame(samples: Float32Array) {
  if (!vad) return
  const t = performance.now()
  let p: number
  try {
    p = await vad.process(samples)
  } catch (err) {
    // Say it once and stop: a broken model would otherwise fail 31 times a second.
    vad = undefined
    emit({ type: 'error', code: 'vad_failed', message: `Speech detection stopped: ${(err as Error).message}. Turn the microphone off and on to restart it.` })
    return
  }
  modelMs += performance.now() - t
  frames++
  publish(segmenter.push(autoDetect ? p : 0, samples))
  frameMs += performance.now() - t
}

function attach(next: MessagePort) {
  port?.close()
  port = next
  segmenter.reset()
  vad?.reset()
  // Frames are handled strictly in order, one model run at a time.
  port.onmessage = (e: MessageEvent<CaptureFrame>) => {
    if (e.data.type === 'frame') chain = chain.then(() => onFrame(e.data.samples))
  }
}


serveRequests<VadRequest>(self, async (req) => {
  switch (req.type) {
    case 'load': {
      const res = await fetch(req.modelUrl)
      if (!res.ok) throw Object.assign(new Error(`The speech detection model could not be loaded from ${req.modelUrl} (HTTP ${res.status}).`), { code: 'model_missing' })
      vad = await SileroVad.load(new Uint8Array(await res.arrayBuffer()), req.runtime ?? 'wasm')
      segmenter = new SpeechSegmenter(req.options)
      autoDetect = req.autoDetect
      // Warm-up: the first run compiles kernels; do it before saying ready.
      await vad.process(new Float32Array(512))
      vad.reset()
      return emit({ type: 'ready', id: req.id, backend: 'wasm' })
    }
    case 'attach':
      attach(req.port)
      return emit({ type: 'result', id: req.id })
    case 'configure':
      await chain
      segmenter.configure(req.options)
      if (req.autoDetect !== undefined && req.autoDetect !== autoDetect) {
        autoDetect = req.autoDetect
        publish(segmenter.end()) // a segment of the old mode ends with it
      }
      return emit({ type: 'result', id: req.id })
    case 'push-to-talk':
      await chain
      publish(req.pressed ? segmenter.forceStart() : segmenter.end())
      return emit({ type: 'result', id: req.id })
    case 'reset':
      await chain
      publish(segmenter.end())
      segmenter.reset()
      vad?.reset()
      return emit({ type: 'result', id: req.id })
    case 'stats':
      await chain
      return emit({ type: 'result', id: req.id, stats: { frames, modelMsPerFrame: frames ? modelMs / frames : 0, workerMsPerFrame: frames ? frameMs / frames : 0 } })
  }
})
