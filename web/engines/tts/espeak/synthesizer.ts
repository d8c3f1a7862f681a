import { lazyWorker, queuedRequests } from '../../../lib/lazy-worker.ts'
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
  // One sentence at a time: a cancelled answer's sentences are skipped, not said late.
  const request = queuedRequests(worker)
  return {
    placement: 'local-wasm',
    label: 'eSpeak NG · on device',
    load: async () => void (await worker.load()),
    synthesize: (text, { signal, rate = 1 }) =>
      request(signal, async (rpc) => {
        const res = await rpc.request({ type: 'synthesize', text, voice: options.voice ?? 'en-us', wordsPerMinute: Math.round((options.wordsPerMinute ?? 165) * rate) })
        return { samples: res.samples, sampleRate: res.sampleRate, phonemes: res.phonemes }
      }),
    dispose: () => worker.dispose(),
  }
}
