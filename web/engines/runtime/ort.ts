/**
 * The one place that imports ONNX Runtime Web. Maps where its WebAssembly lives, keeps to one
 * thread (pages are not cross-origin isolated, and the audio models are tiny), and serializes
 * session creation, which ORT does not like to run concurrently.
 */
import * as ort from 'onnxruntime-web/wasm'

export { ort }
export type OrtSession = ort.InferenceSession
export type OrtTensor = ort.Tensor

/** Served by the app (see vite.config.ts: vendor assets), so nothing comes from a CDN. */
export const ORT_WASM_PATH = '/ort/ort-wasm-simd-threaded.wasm'

let configured = false
let queue: Promise<unknown> = Promise.resolve()

function configure() {
  if (configured) return
  configured = true
  ort.env.wasm.numThreads = 1
  const origin = (globalThis as { location?: Location }).location?.origin
  // In Node (unit tests) ORT finds its own files; in a page or worker, point it at ours.
  if (origin) ort.env.wasm.wasmPaths = { wasm: new URL(ORT_WASM_PATH, origin).href }
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
