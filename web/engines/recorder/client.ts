/** The main thread's side of the recorder worker: times, the voice's PCM and captions in, a stored file out. */
import { WorkerRpc } from '../../lib/worker-rpc.ts'
import type { RecorderEvent, RecorderRequest, RecorderResult, RecordingPlan } from './protocol.ts'

export type { RecorderResult, RecordingPlan, RecordingSummary } from './protocol.ts'

export interface RecorderClient {
  /** Starts the file; the avatar worker posts its frames on the other end of `frames`. */
  start(plan: RecordingPlan, fps: number, frames: MessagePort): Promise<void>
  /** The microphone's frames, on a tap of the capture worklet. */
  hear(port: MessagePort): void
  /** The user began (true) or stopped speaking, at `at` (epoch ms). */
  gate(open: boolean, at: number): void
  audio(at: number, samples: Float32Array, sampleRate: number, text: string): void
  caption(text: string, from: number, to: number): void
  cut(at: number): void
  stop(at: number): Promise<RecorderResult>
  /** Finishes a recording that a crash cut off. */
  recover(recordingId: string): Promise<RecorderResult>
  dispose(): void
}

export function startRecorder(handlers: { onProgress(bytes: number): void; onFailed(code: string, message: string): void; onCrash(err: unknown): void }): RecorderClient {
  const worker = new Worker(new URL('./recorder.worker.ts', import.meta.url), { type: 'module', name: 'parley-recorder' })
  const rpc = new WorkerRpc<RecorderRequest, RecorderEvent>(worker, 'recorder')
  const quiet = (p: Promise<unknown>) => void p.catch(() => {})
  rpc.on('progress', (e) => handlers.onProgress(e.bytes))
  rpc.on('failed', (e) => handlers.onFailed(e.code, e.message))
  rpc.on('crash', (err) => handlers.onCrash(err))
  return {
    start: async (plan, fps, frames) => void (await rpc.request({ type: 'start', plan, fps, frames }, [frames])),
    hear: (port) => quiet(rpc.request({ type: 'mic', port }, [port])),
    gate: (open, at) => quiet(rpc.request({ type: 'gate', open, at })),
    // A copy: the samples are the stage's (the face and the recogniser get the same ones).
    audio(at, samples, sampleRate, text) {
      const copy = samples.slice()
      quiet(rpc.request({ type: 'audio', at, samples: copy, sampleRate, text }, [copy.buffer]))
    },
    caption: (text, from, to) => quiet(rpc.request({ type: 'caption', text, from, to })),
    cut: (at) => quiet(rpc.request({ type: 'cut', at })),
    stop: async (at) => (await rpc.request({ type: 'stop', at })).file!,
    recover: async (recordingId) => (await rpc.request({ type: 'recover', recordingId })).file!,
    dispose: () => rpc.terminate(),
  }
}
