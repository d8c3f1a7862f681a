import { WorkerRpc } from '../../lib/worker-rpc.ts'
import { SILERO_MODEL_PATH, type VadEvent, type VadRequest } from './protocol.ts'
import type { SegmenterOptions } from './speech-segmenter.ts'

export type VadClient = Awaited<ReturnType<typeof startVad>>

/** Starts the VAD worker and loads Silero into it (resolves once it is warmed up). */
export async function startVad(options: Partial<SegmenterOptions> = {}, autoDetect = true) {
  const worker = new Worker(new URL('./vad.worker.ts', import.meta.url), { type: 'module', name: 'parley-vad' })
  const rpc = new WorkerRpc<VadRequest, VadEvent>(worker, 'speech detector')
  try {
    await rpc.request({ type: 'load', modelUrl: SILERO_MODEL_PATH, options, autoDetect })
  } catch (err) {
    rpc.terminate()
    throw err
  }
  return {
    on: rpc.on.bind(rpc),
    attach: (port: MessagePort) => rpc.request({ type: 'attach', port }, [port]),
    configure: (o: Partial<SegmenterOptions>, autoDetect?: boolean) => rpc.request({ type: 'configure', options: o, autoDetect }),
    pushToTalk: (pressed: boolean) => void rpc.request({ type: 'push-to-talk', pressed }).catch(() => {}),
    reset: () => rpc.request({ type: 'reset' }),
    stats: async () => (await rpc.request({ type: 'stats' })).stats!,
    stop: () => rpc.terminate(),
  }
}
