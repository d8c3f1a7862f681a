/// <reference lib="webworker" />
// The VAD worker: 8 ms hops come straight from the capture worklet over a MessagePort and are heard
// here (hearing.ts: the quick onset, Silero, the echo gate, the segmenter); only speech events go
// to the main thread.
import { serveRequests } from '../../lib/worker-rpc.ts'
import type { CaptureFrame, TurnModelStatus, VadEvent, VadRequest } from './protocol.ts'
import type { SmartTurn } from '../turn/smart-turn.ts'
import { COMPLETE_PROBABILITY, UNFINISHED_SILENCE_MS } from '../turn/protocol.ts'
import { SileroVad } from './silero.ts'
import { SpeechSegmenter, type SegmenterOptions } from './speech-segmenter.ts'
import { Hearing } from './hearing.ts'
import { DownSampler } from '../../lib/audio/resampler.ts'
import { MicClock } from '../../lib/audio/mic-clock.ts'

declare const self: DedicatedWorkerGlobalScope

let vad: SileroVad | undefined
let port: MessagePort | undefined
let frames = 0
let modelMs = 0
let frameMs = 0
let chain = Promise.resolve()
/** Silero on one frame, timed for `stats`. */
async function speechProbability(frame: Float32Array): Promise<number> {
  const t = performance.now()
  const p = await vad!.process(frame)
  modelMs += performance.now() - t
  frames++
  return p
}
const hearing = new Hearing(speechProbability)
/** The avatar's own voice, heard back on speakers, must not start speech (echo-gate.ts). */
const echo = hearing.echo
/** When each microphone frame was heard (epoch ms), from when it arrived. */
let micClock = new MicClock()
const epochNow = () => performance.timeOrigin + performance.now()
/** The turn model (Smart Turn v3), judged at each short pause; loaded only when asked for (its code is a chunk of its own). */
let turn: { url: string; model: SmartTurn | null; status: TurnModelStatus } = { url: '', model: null, status: { status: 'off' } }
let build: 'wasm' | 'shared' = 'wasm'

async function loadTurn(url: string | null | undefined): Promise<TurnModelStatus> {
  if (!url) {
    turn = { url: '', model: null, status: { status: 'off' } }
    return turn.status
  }
  if (url === turn.url) return turn.status
  try {
    const { loadSmartTurn } = await import('../turn/smart-turn.ts')
    turn = { url, model: await loadSmartTurn(url, build), status: { status: 'ready' } }
  } catch (err) {
    turn = { url, model: null, status: { status: 'missing', reason: (err as Error).message } }
  }
  return turn.status
}

/**
 * A short pause: the turn model says whether the turn sounds complete. Unfinished, and the segment
 * waits longer at once (no round trip). Frames wait meanwhile (one run, ~0.1 s): nothing is lost,
 * the events after the pause come that much later.
 */
async function judgePause(audio: Float32Array, pause: number): Promise<{ probability: number | null; modelMs: number | null }> {
  const t = performance.now()
  try {
    const probability = await turn.model!.completeProbability(audio)
    if (probability < COMPLETE_PROBABILITY) hearing.segmenter.extend(pause, UNFINISHED_SILENCE_MS)
    return { probability, modelMs: performance.now() - t }
  } catch {
    return { probability: null, modelMs: null }
  }
}

const emit = (event: VadEvent, transfer: Transferable[] = []) => self.postMessage(event, transfer)

async function publish(events: ReturnType<SpeechSegmenter['push']>) {
  for (const e of events) {
    if (e.type === 'speech-pause') {
      // The audio goes out first, so that its words are recognised while the model judges it.
      const judged = turn.model !== null
      const audio = judged ? e.audio.slice() : e.audio
      emit({ ...e, audio, detectedAtMs: hearing.segmenter.nowMs, judged }, [audio.buffer])
      if (judged) emit({ type: 'turn-verdict', pause: e.pause, ...(await judgePause(e.audio, e.pause)) })
    }
    else if (e.type === 'speech-end') emit({ ...e, detectedAtMs: hearing.segmenter.nowMs }, [e.audio.buffer])
    else emit(e)
  }
}

async function onAudio(samples: Float32Array, startMs: number) {
  if (!vad) return
  const t = performance.now()
  let events: ReturnType<SpeechSegmenter['push']>
  try {
    events = await hearing.push(samples, startMs)
  } catch (err) {
    // Say it once and stop: a broken model would otherwise fail 31 times a second.
    vad = undefined
    emit({ type: 'error', code: 'vad_failed', message: `Speech detection stopped: ${(err as Error).message}. Turn the microphone off and on to restart it.` })
    return
  }
  await publish(events)
  frameMs += performance.now() - t
}

function attach(next: MessagePort) {
  port?.close()
  port = next
  hearing.reset()
  vad?.reset()
  micClock = new MicClock()
  // Audio is handled strictly in order, one model run at a time; each piece is timed as it arrives.
  port.onmessage = (e: MessageEvent<CaptureFrame>) => {
    if (e.data.type !== 'frame') return
    const startMs = micClock.place(epochNow(), e.data.samples.length, 16000)
    chain = chain.then(() => onAudio(e.data.samples, startMs))
  }
}


serveRequests<VadRequest>(self, async (req) => {
  switch (req.type) {
    case 'load': {
      const res = await fetch(req.modelUrl)
      if (!res.ok) throw Object.assign(new Error(`The speech detection model could not be loaded from ${req.modelUrl} (HTTP ${res.status}).`), { code: 'model_missing' })
      build = req.runtime ?? 'wasm'
      vad = await SileroVad.load(new Uint8Array(await res.arrayBuffer()), build)
      hearing.segmenter = new SpeechSegmenter(req.options)
      hearing.autoDetect = req.autoDetect
      // Warm-up: the first run compiles kernels; do it before saying ready.
      await vad.process(new Float32Array(512))
      vad.reset()
      // The turn model too: the first pause must find it ready.
      return emit({ type: 'ready', id: req.id, backend: 'wasm', turn: await loadTurn(req.turnModelUrl) })
    }
    case 'turn-model': {
      await chain
      return emit({ type: 'result', id: req.id, turn: await loadTurn(req.url) })
    }
    case 'attach':
      attach(req.port)
      return emit({ type: 'result', id: req.id })
    case 'configure':
      await chain
      hearing.segmenter.configure(req.options)
      if (req.autoDetect !== undefined && req.autoDetect !== hearing.autoDetect) {
        hearing.autoDetect = req.autoDetect
        await publish(hearing.segmenter.end()) // a segment of the old mode ends with it
      }
      return emit({ type: 'result', id: req.id })
    case 'push-to-talk':
      await chain
      await publish(req.pressed ? hearing.segmenter.forceStart() : hearing.segmenter.end())
      return emit({ type: 'result', id: req.id })
    case 'reset':
      await chain
      await publish(hearing.segmenter.end())
      hearing.reset()
      vad?.reset()
      return emit({ type: 'result', id: req.id })
    case 'end-at-pause':
      await chain
      await publish(hearing.segmenter.endAtPause(req.pause))
      return emit({ type: 'result', id: req.id })
    case 'extend':
      await chain
      hearing.segmenter.extend(req.pause, req.ms)
      return emit({ type: 'result', id: req.id })
    case 'echo-audio': {
      if (req.newReply) echo.resetReply()
      const samples = req.sampleRate === 16000 ? req.samples : new DownSampler(req.sampleRate, 16000).process(req.samples).slice()
      echo.addReference(req.startMs, samples)
      return emit({ type: 'result', id: req.id })
    }
    case 'echo-clock':
      echo.setClock(req.clock)
      return emit({ type: 'result', id: req.id })
    case 'echo-mode':
      echo.setMode(req.mode)
      return emit({ type: 'result', id: req.id })
    case 'stats':
      await chain
      return emit({ type: 'result', id: req.id, stats: { frames, modelMsPerFrame: frames ? modelMs / frames : 0, workerMsPerFrame: frames ? frameMs / frames : 0 } })
  }
})
