/**
 * The one place of ours that imports ONNX Runtime Web (transformers.js imports the same package,
 * its WebGPU build). Keeps to one thread (pages are not cross-origin isolated, and the audio models
 * are tiny) and serializes session creation, which ORT does not like to run concurrently. Its
 * WebAssembly is found through the runtime's own `new URL(…, import.meta.url)`, which Vite turns
 * into a served asset.
 *
 * The plain WASM build (14 MB), not the WebGPU one transformers.js loads (27 MB, asyncify): on
 * that one Silero took ~1.6× the time a frame in Chromium (the bench page's VAD loop) and ~8× in
 * Node, and a user whose recognition runs on the relay would download 12 MB more (npm run bench --
 * download). Sharing it would save 14 MB only for users who also load an on-device model.
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
