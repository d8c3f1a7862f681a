/// <reference lib="webworker" />
// Speech recognition on the device: transformers.js's automatic-speech-recognition pipeline
// (Whisper, Moonshine …) on WebGPU or WASM. One model, loaded once, one request at a time.
import { env, pipeline, TextStreamer, type AutomaticSpeechRecognitionPipeline } from '@huggingface/transformers'
import { serveRequests } from '../../lib/worker-rpc.ts'
import { MODELS_PATH, TRANSFORMERS_ORT_PATH, type AsrEvent, type AsrRequest } from './protocol.ts'

declare const self: DedicatedWorkerGlobalScope

let asr: AutomaticSpeechRecognitionPipeline | undefined
let loaded: string | undefined

const emit = (e: AsrEvent) => self.postMessage(e)
const coded = (code: string, message: string) => Object.assign(new Error(message), { code })

function configure(allowRemote: boolean) {
  env.allowLocalModels = true
  // A path, not a URL: with a URL, transformers.js skips its local-file checks.
  env.localModelPath = MODELS_PATH
  env.allowRemoteModels = allowRemote
  const onnx = env.backends.onnx as { wasm?: { wasmPaths?: unknown; numThreads?: number } }
  if (onnx.wasm) {
    // Its default is a CDN: serve the runtime ourselves. One thread: pages are not cross-origin isolated.
    onnx.wasm.wasmPaths = {
      mjs: new URL(`${TRANSFORMERS_ORT_PATH}ort-wasm-simd-threaded.asyncify.mjs`, self.location.origin).href,
      wasm: new URL(`${TRANSFORMERS_ORT_PATH}ort-wasm-simd-threaded.asyncify.wasm`, self.location.origin).href,
    }
    onnx.wasm.numThreads = 1
  }
}

/** Turns the library's load failures into errors that name the model and the fix. */
function loadError(modelId: string, err: unknown, allowRemote: boolean): Error {
  const message = err instanceof Error ? err.message : String(err)
  const file = /([\w.-]+\.(?:onnx|json))/.exec(message)?.[1]
  const fetch = `npm run models:fetch -- ${modelId}`
  if (/could not locate|not found|404|ModelFileNotFound|Unauthorized access/i.test(message)) {
    const or = allowRemote ? '' : ', or allow downloads from Hugging Face in Settings'
    return coded('model_missing', `The speech model "${modelId}" is not available${file ? ` (missing ${file})` : ''}. The server's operator can add it with \`${fetch}\`${or}.`)
  }
  if (/protobuf|parse|invalid|corrupt|unexpected end|truncat|Can't create a session|failed to load model/i.test(message)) {
    const why = /protobuf parsing failed|unexpected end[^.]*|truncat\w*/i.exec(message)?.[0] ?? 'it could not be read'
    return coded('model_corrupt', `The speech model "${modelId}" looks damaged (${why}), probably an incomplete download. The server's operator can download it again with \`${fetch}\`.`)
  }
  return coded('model_failed', `The speech model "${modelId}" could not be loaded: ${message.slice(0, 200)}`)
}

async function webgpuAdapter(): Promise<boolean> {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu
  return Boolean(await gpu?.requestAdapter().catch(() => null))
}

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
    configure(req.allowRemote)
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
      throw loadError(req.modelId, err, req.allowRemote)
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
