import { AppError } from '../../lib/errors.ts'
import { lazyWorker } from '../../lib/lazy-worker.ts'
import { WorkerRpc } from '../../lib/worker-rpc.ts'
import type { SpeechRecognizer } from './asr.ts'
import type { AsrDevice, AsrEvent, AsrRequest, LoadProgress } from './protocol.ts'

export interface LocalRecognizerOptions {
  modelId: string
  device: AsrDevice
  /** What the model's authors recommend per device: q8 on WASM, fp32 (fp16 with shader-f16) on WebGPU. */
  dtype?: string
  allowRemote: boolean
  onProgress?(info: LoadProgress): void
  /** The worker died; it is restarted on the next use. */
  onCrash?(err: AppError): void
  /** Loaded: where it really runs (WebGPU can fall back to WASM) and how long loading took. */
  onReady?(info: { device: AsrDevice; dtype: string; loadMs: number }): void
}

export function defaultDtype(device: AsrDevice, shaderF16: boolean): string {
  if (device === 'wasm') return 'q8'
  return shaderF16 ? 'fp16' : 'fp32'
}

/**
 * Speech recognition in a worker on this device. Loads the model (with progress) on `load()`;
 * a crashed worker is replaced and reloaded the next time it is needed.
 */
export function createLocalRecognizer(options: LocalRecognizerOptions): SpeechRecognizer & { load(): Promise<void> } {
  const dtype = options.dtype ?? defaultDtype(options.device, false)
  const worker = lazyWorker<AsrRequest, AsrEvent>({
    spawn() {
      const rpc = new WorkerRpc<AsrRequest, AsrEvent>(new Worker(new URL('./asr.worker.ts', import.meta.url), { type: 'module', name: 'parley-asr' }), 'speech recognizer')
      rpc.on('progress', (e) => options.onProgress?.(e.info))
      return rpc
    },
    async load(rpc) {
      const ready = await rpc.request({ type: 'load', modelId: options.modelId, device: options.device, dtype, allowRemote: options.allowRemote })
      options.onReady?.({ device: ready.device, dtype: ready.dtype, loadMs: ready.loadMs })
    },
    onCrash: options.onCrash,
  })

  let turn: Promise<void> = Promise.resolve()
  const givenUp = () => new DOMException('The recognition was given up.', 'AbortError')

  return {
    placement: options.device === 'webgpu' ? 'local-webgpu' : 'local-wasm',
    label: `${options.modelId.split('/').pop()} · ${options.device === 'webgpu' ? 'WebGPU' : 'WASM'}`,
    load: async () => void (await worker.load()),
    transcribe(audio, { signal, onPartial }) {
      // One at a time, in order: the worker cannot stop a recognition once begun, so one that was
      // given up while it waited (words at a pause the user talked on past) never starts, and
      // does not hold up the next.
      const run = turn.then(async () => {
        if (signal?.aborted) throw givenUp()
        const current = await worker.load()
        if (signal?.aborted) throw givenUp() // given up while the model loaded
        const off = current.on('partial', (e) => onPartial?.(e.text))
        try {
          const res = await current.request({ type: 'transcribe', audio }, [audio.buffer])
          return { text: res.text, ms: res.ms }
        } finally {
          off()
        }
      })
      turn = run.then(
        () => undefined,
        () => undefined,
      )
      return run
    },
    dispose: () => worker.dispose(),
  }
}
