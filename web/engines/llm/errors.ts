import { modelLoadError } from '../runtime/transformers.ts'

const coded = (code: string, message: string) => Object.assign(new Error(message), { code })

/** What ONNX Runtime and the browser say when memory runs out (WASM heap, GPU buffers). */
const OUT_OF_MEMORY = /out of memory|allocat|RangeError|Array buffer|exceeds.*(limit|maximum)|maxBufferSize|maxStorageBufferBindingSize/i

/** A load failure, named with its way out: out of memory first, then the library's usual ones (missing, damaged). */
export function loadError(modelId: string, err: unknown, allowRemote: boolean): Error {
  const message = err instanceof Error ? err.message : String(err)
  if (OUT_OF_MEMORY.test(message)) return coded('model_too_large', `The language model "${modelId}" needs more memory than this device gives it (${message.slice(0, 120)}). Choose the smaller model in Settings → Answers are made by, or close other tabs and try again.`)
  return modelLoadError('language model', modelId, err, allowRemote)
}

export function generationError(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err)
  if (OUT_OF_MEMORY.test(message)) return coded('llm_out_of_memory', 'The on-device model ran out of memory while answering. A new conversation, or the smaller model in Settings, may fit.')
  return coded('llm_failed', `The on-device model failed while answering: ${message.slice(0, 200)}`)
}
