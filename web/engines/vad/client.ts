import { WorkerRpc } from '../../lib/worker-rpc.ts'
import { SILERO_MODEL_PATH, type TurnModelStatus, type VadEvent, type VadRequest } from './protocol.ts'
import type { SegmenterOptions } from './speech-segmenter.ts'
import type { EchoMode, ReferenceClock } from './echo-gate.ts'

export type VadClient = Awaited<ReturnType<typeof startVad>>

/**
 * Starts the VAD worker and loads Silero into it, and the turn model when one is given (resolves
 * once both are warmed up; a turn model that cannot be loaded is reported in `turn`, not thrown).
 */
export async function startVad(options: Partial<SegmenterOptions> = {}, autoDetect = true, runtime: 'wasm' | 'shared' = 'wasm', turnModelUrl: string | null = null) {
  const worker = new Worker(new URL('./vad.worker.ts', import.meta.url), { type: 'module', name: 'parley-vad' })
  const rpc = new WorkerRpc<VadRequest, VadEvent>(worker, 'speech detector')
  let turn: TurnModelStatus
  try {
    turn = (await rpc.request({ type: 'load', modelUrl: SILERO_MODEL_PATH, options, autoDetect, runtime, turnModelUrl })).turn
  } catch (err) {
    rpc.terminate()
    throw err
  }
  return {
    /** The turn model as loaded with the worker. */
    turn,
    /** Another turn model (or none): resolves with how loading it went. */
    setTurnModel: async (url: string | null): Promise<TurnModelStatus> => (await rpc.request({ type: 'turn-model', url })).turn ?? { status: 'off' },
    on: rpc.on.bind(rpc),
    attach: (port: MessagePort) => rpc.request({ type: 'attach', port }, [port]),
    configure: (o: Partial<SegmenterOptions>, autoDetect?: boolean) => rpc.request({ type: 'configure', options: o, autoDetect }),
    pushToTalk: (pressed: boolean) => void rpc.request({ type: 'push-to-talk', pressed }).catch(() => {}),
    reset: () => rpc.request({ type: 'reset' }),
    endAtPause: (pause: number) => void rpc.request({ type: 'end-at-pause', pause }).catch(() => {}),
    extend: (pause: number, ms: number) => void rpc.request({ type: 'extend', pause, ms }).catch(() => {}),
    /** The echo gate's reference: what the avatar plays (a copy is transferred), and when. */
    echoAudio: (startMs: number, samples: Float32Array, sampleRate: number, newReply: boolean) => {
      const copy = samples.slice()
      void rpc.request({ type: 'echo-audio', startMs, samples: copy, sampleRate, newReply }, [copy.buffer]).catch(() => {})
    },
    echoClock: (clock: ReferenceClock) => void rpc.request({ type: 'echo-clock', clock }).catch(() => {}),
    echoMode: (mode: EchoMode) => void rpc.request({ type: 'echo-mode', mode }).catch(() => {}),
    stats: async () => (await rpc.request({ type: 'stats' })).stats!,
    stop: () => rpc.terminate(),
  }
}
