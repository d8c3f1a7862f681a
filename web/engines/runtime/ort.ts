/**
 * The one place that imports ONNX Runtime Web. Keeps to one thread (pages are not cross-origin
 * isolated, and the audio models are tiny) and serializes session creation, which ORT does not
 * like to run concurrently. Its WebAssembly is found through the runtime's own
 * `new URL(…, import.meta.url)`, which Vite turns into a served asset.
 */
import * as ort from 'onnxruntime-web/wasm'

export { ort }
export type OrtSession = ort.InferenceSession
export type OrtTensor = ort.Tensor

let configured = false
let queue: Promise<unknown> = Promise.resolve()

function configure() {
  if (configured) return
  configured = true
  ort.env.wasm.numThreads = 1
}

/** Creates a WASM session from model bytes. */
export function createWasmSession(model: Uint8Array): Promise<OrtSession> {
  configure()
  const next = queue.then(() =>
    ort.InferenceSession.create(model, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
      enableCpuMemArena: true,
      executionMode: 'sequential',
    }),
  )
  queue = next.catch(() => {})
  return next
}
