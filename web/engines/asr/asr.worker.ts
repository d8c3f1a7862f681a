/// <reference lib="webworker" />
// Speech recognition on the device: transformers.js's automatic-speech-recognition pipeline
// (Whisper, Moonshine …) on WebGPU or WASM. One model, loaded once, one request at a time.
import { pipeline, TextStreamer, type AutomaticSpeechRecognitionPipeline } from '@huggingface/transformers'
import { serveRequests } from '../../lib/worker-rpc.ts'
import { configureTransformers, modelLoadError, webgpuAdapter } from '../runtime/transformers.ts'
import type { AsrEvent, AsrRequest } from './protocol.ts'

declare const self: DedicatedWorkerGlobalScope

let asr: AutomaticSpeechRecognitionPipeline | undefined
let loaded: string | undefined

const emit = (e: AsrEvent) => self.postMessage(e)
const coded = (code: string, message: string) => Object.assign(new Error(message), { code })

serveRequests<AsrRequest>(self, async (req) => {
  if (req.type === 'load') {
    const started = performance.now()
    let { device, dtype } = req
    // An adapter can be missing here even where the page saw one (or be lost since): use WASM.
    if (device === 'webgpu' && !(await webgpuAdapter())) {
      device = 'wasm'
      dtype = 'q8'
    }
    const key = `${req.modelId}|${device}|${dtype}|${req.allowRemote}`
    if (asr && loaded === key) return emit({ type: 'ready', id: req.id, device, dtype, loadMs: 0 })
    configureTransformers(req.allowRemote)
    await asr?.dispose()
    asr = undefined
    try {
      asr = (await pipeline('automatic-speech-recognition', req.modelId, {
        device,
        dtype: dtype as 'fp32',
        progress_callback: (info: unknown) => emit({ type: 'progress', id: req.id, info: info as never }),
      })) as AutomaticSpeechRecognitionPipeline
      // Warm-up: the first run compiles shaders and kernels; do it before saying ready.
      await asr(new Float32Array(8000))
    } catch (err) {
      asr = undefined
      throw modelLoadError('speech model', req.modelId, err, req.allowRemote)
    }
    loaded = key
    return emit({ type: 'ready', id: req.id, device, dtype, loadMs: performance.now() - started })
  }

  if (!asr) throw coded('asr_not_loaded', 'The speech model is not loaded yet.')
  const started = performance.now()
  let partial = ''
  const streamer = new TextStreamer(asr.tokenizer, {
    skip_prompt: true,
    skip_special_tokens: true,
    callback_function: (piece: string) => {
      partial += piece
      emit({ type: 'partial', id: req.id, text: partial.trim() })
    },
  })
  const out = await asr(req.audio, { language: req.language, streamer } as never)
  const text = (Array.isArray(out) ? out.map((o) => o.text).join(' ') : out.text).trim()
  return emit({ type: 'result', id: req.id, text, ms: performance.now() - started })
})
