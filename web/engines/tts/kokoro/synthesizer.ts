import type { AppError } from '../../../lib/errors.ts'
import { lazyWorker, queuedRequests } from '../../../lib/lazy-worker.ts'
import { WorkerRpc } from '../../../lib/worker-rpc.ts'
import type { LoadProgress } from '../../asr/protocol.ts'
import { startKokoroWorker } from '../voice-workers.ts'
import type { KokoroDevice, KokoroEvent, KokoroRequest } from './protocol.ts'
import type { SpeechSynthesizer } from '../tts.ts'

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
  const worker = lazyWorker<KokoroRequest, KokoroEvent>({
    spawn() {
      const rpc = new WorkerRpc<KokoroRequest, KokoroEvent>(startKokoroWorker(), 'Kokoro voice')
      rpc.on('progress', (e) => options.onProgress?.(e.info))
      return rpc
    },
    async load(rpc) {
      const r = await rpc.request({ type: 'load', modelId: options.modelId, device: options.device, allowRemote: options.allowRemote, voice: options.voice })
      options.onReady?.({ device: r.device, dtype: r.dtype, loadMs: r.loadMs })
    },
    onCrash: options.onCrash,
  })
  // One sentence at a time: a cancelled answer's sentences are skipped, not said late.
  const request = queuedRequests(worker)
  return {
    placement: options.device === 'webgpu' ? 'local-webgpu' : 'local-wasm',
    label: `Kokoro · ${options.device === 'webgpu' ? 'WebGPU' : 'WASM'} · on device`,
    load: async () => void (await worker.load()),
    synthesize: (text, { signal, rate = 1 }) =>
      request(signal, async (rpc) => {
        const res = await rpc.request({ type: 'synthesize', text, voice: options.voice, speed: (options.speed ?? 1) * rate })
        return { samples: res.samples, sampleRate: res.sampleRate, phonemes: res.phonemes }
      }),
    dispose: () => worker.dispose(),
  }
}
