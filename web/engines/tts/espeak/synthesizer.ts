import { lazyWorker, oneAtATime } from '../../../lib/lazy-worker.ts'
import { WorkerRpc } from '../../../lib/worker-rpc.ts'
import type { EspeakEvent, EspeakRequest } from './protocol.ts'
import { espeakIncluded, startEspeakWorker } from '../voice-workers.ts'
import type { SpeechSynthesizer } from '../tts.ts'

/** Whether this build includes the on-device eSpeak NG voice (`PARLEY_ESPEAK=off` leaves it out). */
export const espeakAvailable = espeakIncluded

/**
 * The on-device voice: eSpeak NG in its own worker, loaded on first use. Nothing is downloaded
 * beyond the app's own files, and no text leaves the device.
 */
export function createEspeakSynthesizer(options: { voice?: string; wordsPerMinute?: number } = {}): SpeechSynthesizer & { load(): Promise<void> } {
  const worker = lazyWorker<EspeakRequest, EspeakEvent>({
    spawn: () => new WorkerRpc<EspeakRequest, EspeakEvent>(startEspeakWorker(), 'on-device voice'),
    load: (rpc) => rpc.request({ type: 'load' }),
  })
  // One sentence at a time, queued here rather than in the worker, so that sentences of a
  // cancelled answer are skipped instead of delaying the next answer's first one.
  const queue = oneAtATime()
  return {
    placement: 'local-wasm',
    label: 'eSpeak NG · on device',
    load: async () => void (await worker.load()),
    synthesize: (text, { signal }) =>
      queue(async () => {
        signal?.throwIfAborted()
        const rpc = await worker.load()
        signal?.throwIfAborted()
        const res = await rpc.request({ type: 'synthesize', text, voice: options.voice ?? 'en-us', wordsPerMinute: options.wordsPerMinute ?? 165 })
        return { samples: res.samples, sampleRate: res.sampleRate, phonemes: res.phonemes }
      }),
    dispose: () => worker.dispose(),
  }
}
