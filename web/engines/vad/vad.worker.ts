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
  const p = await vad.process(samples)
  modelMs += performance.now() - t
  frames++
  publish(segmenter.push(autoDetect ? p : 0, samples))
}

function attach(next: MessagePort) {
  port?.close()
  port = next
  segmenter.reset()
  vad?.reset()
  // Frames are handled strictly in order, one model run at a time.
  port.onmessage = (e: MessageEvent<CaptureFrame>) => {
    if (e.data.type === 'frame') chain = chain.then(() => onFrame(e.data.samples)).catch((err: unknown) => emit({ type: 'error', code: 'vad_failed', message: `Speech detection failed: ${(err as Error).message}` }))
  }
}

function reconfigure(options: Partial<SegmenterOptions>) {
  segmenter = new SpeechSegmenter({ ...segmenter.options, ...options })
}

serveRequests<VadRequest>(self, async (req) => {
  switch (req.type) {
    case 'load': {
      const res = await fetch(req.modelUrl)
      if (!res.ok) throw Object.assign(new Error(`The speech detection model could not be loaded from ${req.modelUrl} (HTTP ${res.status}).`), { code: 'model_missing' })
      vad = await SileroVad.load(new Uint8Array(await res.arrayBuffer()))
      reconfigure(req.options)
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
      reconfigure(req.options)
      if (req.autoDetect !== undefined) autoDetect = req.autoDetect
      return emit({ type: 'result', id: req.id })
    case 'push-to-talk':
      await chain
      publish(req.pressed ? segmenter.forceStart() : segmenter.end())
      return req.id ? emit({ type: 'result', id: req.id }) : undefined
    case 'reset':
      await chain
      publish(segmenter.end())
      segmenter.reset()
      vad?.reset()
      return emit({ type: 'result', id: req.id })
    case 'stats':
      await chain
      return emit({ type: 'result', id: req.id, stats: { frames, modelMsPerFrame: frames ? modelMs / frames : 0 } })
  }
})
