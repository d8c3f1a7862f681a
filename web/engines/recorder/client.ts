/** The main thread's side of the recorder worker: times and the voice's PCM in, the file out. */
import { WorkerRpc } from '../../lib/worker-rpc.ts'
import type { AudioSource } from './audio-timeline.ts'
import type { RecorderEvent, RecorderRequest, RecordingSummary } from './protocol.ts'

export type { RecordingSummary } from './protocol.ts'

export interface RecorderClient {
  /** Starts a file at `startAt` (epoch ms); the avatar worker posts its frames on the other end of `frames`. */
  start(startAt: number, fps: number, frames: MessagePort): Promise<void>
  audio(at: number, samples: Float32Array, sampleRate: number, source: AudioSource): void
  cut(at: number): void
  stop(at: number): Promise<{ blob: Blob; summary: RecordingSummary }>
  dispose(): void
}

export function startRecorder(handlers: { onProgress(bytes: number): void; onCrash(err: unknown): void }): RecorderClient {
  const worker = new Worker(new URL('./recorder.worker.ts', import.meta.url), { type: 'module', name: 'parley-recorder' })
  const rpc = new WorkerRpc<RecorderRequest, RecorderEvent>(worker, 'recorder')
  const quiet = (p: Promise<unknown>) => void p.catch(() => {})
  rpc.on('progress', (e) => handlers.onProgress(e.bytes))
  rpc.on('crash', (err) => handlers.onCrash(err))
  return {
    start: async (startAt, fps, frames) => void (await rpc.request({ type: 'start', startAt, fps, frames }, [frames])),
    // A copy: the samples are the stage's (the face and the recogniser get the same ones).
    audio(at, samples, sampleRate, source) {
      const copy = samples.slice()
      quiet(rpc.request({ type: 'audio', at, samples: copy, sampleRate, source }, [copy.buffer]))
    },
    cut: (at) => quiet(rpc.request({ type: 'cut', at })),
    async stop(at) {
      const { file } = await rpc.request({ type: 'stop', at })
      return { blob: new Blob([file!.bytes], { type: file!.summary.mimeType.split(';')[0] }), summary: file!.summary }
    },
    dispose: () => rpc.terminate(),
  }
}
