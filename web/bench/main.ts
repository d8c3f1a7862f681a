// The page `npm run bench` drives in Chromium (built only with `vite build --mode bench`): it runs
// the real engines — VAD worker, ASR worker — on audio handed in by the bench, and reports timings.
import { createLocalRecognizer } from '../engines/asr/local-recognizer.ts'
import { startVad } from '../engines/vad/client.ts'
import type { VadEvent } from '../engines/vad/protocol.ts'

const FRAME = 512

/**
 * Feeds 16 kHz audio to the VAD worker in 512-sample frames through a MessagePort, as the
 * capture worklet does, as fast as the worker takes them, and collects what it reports.
 */
async function vad(samples: Float32Array, redemptionMs: number) {
  const client = await startVad({ redemptionMs })
  const channel = new MessageChannel()
  await client.attach(channel.port2)
  const ends: Extract<VadEvent, { type: 'speech-end' }>[] = []
  client.on('speech-end', (e) => ends.push(e))
  const started = performance.now()
  let sent = 0
  for (let i = 0; i + FRAME <= samples.length; i += FRAME, sent++) {
    const frame = samples.slice(i, i + FRAME)
    channel.port1.postMessage({ type: 'frame', samples: frame }, [frame.buffer])
  }
  // Frames travel on their own port, apart from requests: wait until the worker has seen them all.
  let stats = await client.stats()
  while (stats.frames < sent) {
    await new Promise((r) => setTimeout(r, 10))
    stats = await client.stats()
  }
  const wallMs = performance.now() - started
  client.stop()
  return { ...stats, wallMs, segments: ends.map((e) => ({ startMs: e.startMs, endMs: e.endMs, detectedAtMs: e.detectedAtMs })) }
}

/** Loads the model, then times `runs` transcriptions of `audio`: seen from here and inside the worker. */
async function asr(modelId: string, device: 'wasm' | 'webgpu', audio: Float32Array, runs: number) {
  const recognizer = createLocalRecognizer({ modelId, device, allowRemote: false })
  const loadStart = performance.now()
  await recognizer.load()
  const loadMs = performance.now() - loadStart
  const results: { totalMs: number; workerMs: number; text: string }[] = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    const out = await recognizer.transcribe(audio.slice(), {})
    results.push({ totalMs: performance.now() - t, workerMs: out.ms, text: out.text })
  }
  recognizer.dispose()
  return { loadMs, results }
}

Object.assign(window, { parleyBench: { vad, asr } })
document.body.dataset.ready = 'true'
