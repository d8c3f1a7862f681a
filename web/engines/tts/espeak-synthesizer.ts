import { WorkerRpc } from '../../lib/worker-rpc.ts'
import type { EspeakEvent, EspeakRequest } from './espeak-protocol.ts'
import { espeakIncluded, startEspeakWorker } from './espeak-worker.ts'
import type { SpeechSynthesizer } from './tts.ts'

/** Whether this build includes the on-device eSpeak NG voice (`PARLEY_ESPEAK=off` leaves it out). */
export const espeakAvailable = espeakIncluded

/**
 * The on-device voice: eSpeak NG in its own worker, loaded on first use. Nothing is downloaded
 * beyond the app's own files, and no text leaves the device.
 */
export function createEspeakSynthesizer(options: { voice?: string; wordsPerMinute?: number } = {}): SpeechSynthesizer & { load(): Promise<void> } {
  let rpc: WorkerRpc<EspeakRequest, EspeakEvent> | undefined
  let ready: Promise<void> | undefined
  let queue: Promise<void> = Promise.resolve()
  const load = () => {
    if (!ready) {
      const worker = startEspeakWorker()
      const current = new WorkerRpc<EspeakRequest, EspeakEvent>(worker, 'on-device voice')
      current.on('crash', () => {
        rpc = undefined
        ready = undefined
      })
      rpc = current
      ready = current.request({ type: 'load' }).then(
        () => undefined,
        (err: unknown) => {
          ready = undefined
          throw err
        },
      )
    }
    return ready
  }
  return {
    placement: 'local-wasm',
    label: 'eSpeak NG · on device',
    load,
    synthesize(text, { signal }) {
      // One sentence at a time, queued here rather than in the worker, so that sentences of a
      // cancelled answer are skipped instead of delaying the next answer's first one.
      const job = queue.then(async () => {
        signal?.throwIfAborted()
        await load()
        signal?.throwIfAborted()
        const res = (await rpc!.request({ type: 'synthesize', text, voice: options.voice ?? 'en-us', wordsPerMinute: options.wordsPerMinute ?? 165 })) as Extract<EspeakEvent, { type: 'result' }>
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
