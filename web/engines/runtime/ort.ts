/**
 * The one place of ours that imports ONNX Runtime Web (transformers.js imports the same package,
 * its WebGPU build). Keeps to one thread (pages are not cross-origin isolated, and the audio models
 * are tiny) and serializes session creation, which ORT does not like to run concurrently. Its
 * WebAssembly is found through the runtime's own `new URL(…, import.meta.url)`, which Vite turns
 * into a served asset.
 *
 * Two builds of the one runtime: the plain WASM one (14 MB) and the WebGPU one transformers.js
 * loads (27 MB, asyncify). The VAD runs on whichever the user downloads anyway: the WebGPU build
 * when an on-device model (recognition, Kokoro) will load it too — one runtime, fetched once — and
 * the plain one otherwise, so a user whose recognition runs on the relay is spared 12 MB (measured
 * by `npm run bench -- download`; Silero takes ~1.6× a frame on the WebGPU build, ~1.9 ms of a
 * 32 ms frame).
 */
import type * as OrtModule from 'onnxruntime-web/wasm'

export type Ort = typeof OrtModule
export type OrtSession = OrtModule.InferenceSession
export type OrtTensor = OrtModule.Tensor
export type OrtBuild = 'wasm' | 'shared'

const builds = new Map<OrtBuild, Promise<Ort>>()

/** The runtime, in the build asked for (each loaded once, on first use). */
export function loadOrt(build: OrtBuild = 'wasm'): Promise<Ort> {
  let loading = builds.get(build)
  if (!loading) {
    loading = (build === 'shared' ? (import('onnxruntime-web/webgpu') as Promise<Ort>) : import('onnxruntime-web/wasm')).then((ort) => {
      ort.env.wasm.numThreads = 1
      return ort
    })
    builds.set(build, loading)
  }
  return loading
}

let queue: Promise<unknown> = Promise.resolve()

/** Creates a WASM session from model bytes, on the given build of the runtime. */
export async function createWasmSession(model: Uint8Array, build: OrtBuild = 'wasm'): Promise<{ ort: Ort; session: OrtSession }> {
  const ort = await loadOrt(build)
  const next = queue.then(() =>
    ort.InferenceSession.create(model, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
      enableCpuMemArena: true,
      executionMode: 'sequential',
    }),
  )
  queue = next.catch(() => {})
  return { ort, session: await next }
}
