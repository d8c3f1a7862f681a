/**
 * transformers.js set up the same way in every model worker (speech recognition, the Kokoro
 * voice): self-hosted models first, its ONNX Runtime served by the app rather than a CDN, one
 * thread; and its load failures turned into errors that name the model and the fix.
 */
import { env } from '@huggingface/transformers'
import { MODELS_PATH, modelUrl } from './model-paths.ts'

/**
 * transformers.js's fetch, with its "local" files (`/models/…`) taken from the relay: that is
 * another origin when the app is built for a static host. The hub's URLs pass through as they are.
 */
const fetchModels: typeof fetch = (input, init) =>
  fetch(typeof input === 'string' && input.startsWith(MODELS_PATH) ? modelUrl(input.slice(MODELS_PATH.length)) : input, init)

export function configureTransformers(allowRemote: boolean) {
  env.allowLocalModels = true
  // A path, not a URL: given a URL, transformers.js still loads from it but skips it when it
  // checks which files exist and their sizes (asking the hub instead, when allowed). So the path
  // stays, and fetchModels sends it to the relay.
  env.localModelPath = MODELS_PATH
  env.fetch = fetchModels
  env.allowRemoteModels = allowRemote
  const onnx = env.backends.onnx as { wasm?: { wasmPaths?: unknown; numThreads?: number } }
  if (onnx.wasm) {
    // transformers.js points ORT at a CDN when it is imported. Without a path, ORT loads the file
    // Vite emitted from ORT's own import: one file, served once, for every model worker.
    onnx.wasm.wasmPaths = undefined
    // One thread: pages are not cross-origin isolated.
    onnx.wasm.numThreads = 1
  }
}

/** An adapter can be missing in a worker even where the page saw one (or be lost since). */
export async function webgpuAdapter(): Promise<boolean> {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu
  return Boolean(await gpu?.requestAdapter().catch(() => null))
}

const coded = (code: string, message: string) => Object.assign(new Error(message), { code })

/** Turns the library's load failures into errors that name the model (`what`: "speech model") and the fix. */
export function modelLoadError(what: string, modelId: string, err: unknown, allowRemote: boolean): Error {
  const message = err instanceof Error ? err.message : String(err)
  const file = /([\w.-]+\.(?:onnx|json|bin))/.exec(message)?.[1]
  const fetch = `npm run models:fetch -- ${modelId}`
  // A missing tokenizer_config.json / config.json is read as undefined when the other files' fetches
  // win the race (seen under load): the library then fails on its first field, not on the file.
  if (/could not locate|not found|404|ModelFileNotFound|Unauthorized access|reading '(?:tokenizer_class|model_type)'/i.test(message)) {
    const or = allowRemote ? '' : ', or allow downloads from Hugging Face in Settings'
    return coded('model_missing', `The ${what} "${modelId}" is not available${file ? ` (missing ${file})` : ''}. The server's operator can add it with \`${fetch}\`${or}.`)
  }
  if (/protobuf|parse|invalid|corrupt|unexpected end|truncat|Can't create a session|failed to load model/i.test(message)) {
    const why = /protobuf parsing failed|unexpected end[^.]*|truncat\w*/i.exec(message)?.[0] ?? 'it could not be read'
    return coded('model_corrupt', `The ${what} "${modelId}" looks damaged (${why}), probably an incomplete download. The server's operator can download it again with \`${fetch}\`.`)
  }
  return coded('model_failed', `The ${what} "${modelId}" could not be loaded: ${message.slice(0, 200)}`)
}
