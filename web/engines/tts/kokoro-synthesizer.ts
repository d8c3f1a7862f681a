import type { AppError } from '../../lib/errors.ts'
import { WorkerRpc } from '../../lib/worker-rpc.ts'
import type { LoadProgress } from '../asr/protocol.ts'
import { startKokoroWorker } from './espeak-worker.ts'
import type { KokoroDevice, KokoroEvent, KokoroRequest } from './kokoro-protocol.ts'
import type { SpeechSynthesizer } from './tts.ts'

export interface KokoroOptions {
  modelId: string
  voice: string
  device: KokoroDevice
  allowRemote: boolean
  speed?: number
  onProgress?(info: LoadProgress): void
  /** Loaded: where it really runs (WebGPU falls back to WASM) and how long loading took. */
  onReady?(info: { device: KokoroDevice; dtype: string; loadMs: number }): void
  onCrash?(err: AppError): void
}

/**
 * Kokoro-82M in its own worker: a natural voice with nothing leaving the device, once its model
 * (about 90 MB at 8-bit) is on this server or downloaded from the hub. Loaded on first use, with
 * progress; sentences are queued here so that a cancelled answer's are skipped.
 */
export function createKokoroSynthesizer(options: KokoroOptions): SpeechSynthesizer & { load(): Promise<void> } {
  let rpc: WorkerRpc<KokoroRequest, KokoroEvent> | undefined
  let ready: Promise<void> | undefined
  let queue: Promise<void> = Promise.resolve()

  function load(): Promise<void> {
    if (!ready) {
      const current = new WorkerRpc<KokoroRequest, KokoroEvent>(startKokoroWorker(), 'Kokoro voice')
      current.on('progress', (e) => options.onProgress?.(e.info))
      current.on('crash', (err) => {
        rpc = undefined
        ready = undefined
        options.onCrash?.(err)
      })
      rpc = current
      ready = current
        .request({ type: 'load', modelId: options.modelId, device: options.device, allowRemote: options.allowRemote, voice: options.voice })
        .then((e) => {
          const r = e as Extract<KokoroEvent, { type: 'ready' }>
          options.onReady?.({ device: r.device, dtype: r.dtype, loadMs: r.loadMs })
        })
        .catch((err: unknown) => {
          ready = undefined
          current.terminate()
          if (rpc === current) rpc = undefined
          throw err
        })
    }
    return ready
  }

  return {
    placement: options.device === 'webgpu' ? 'local-webgpu' : 'local-wasm',
    label: `Kokoro · ${options.device === 'webgpu' ? 'WebGPU' : 'WASM'} · on device`,
    load,
    synthesize(text, { signal }) {
      const job = queue.then(async () => {
        signal?.throwIfAborted()
        await load()
        signal?.throwIfAborted()
        const res = (await rpc!.request({ type: 'synthesize', text, voice: options.voice, speed: options.speed ?? 1 })) as Extract<KokoroEvent, { type: 'result' }>
        return { samples: res.samples, sampleRate: res.sampleRate, phonemes: res.phonemes }
      })
      queue = job.then(
        () => undefined,
        () => undefined,
      )
      return job
    },
    dispose() {
      rpc?.terminate()
      rpc = undefined
      ready = undefined
    },
  }
}
