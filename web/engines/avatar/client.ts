/**
 * The main thread's side of the avatar worker: two stacked canvases handed to the worker (WebGPU
 * draws on one, Canvas2D on the other, so a fallback never needs a new canvas), sized to the
 * stage in device pixels, and the messages that feed the face: mood, playback clock, speech.
 */
import type { AppError } from '../../lib/errors.ts'
import { WorkerRpc } from '../../lib/worker-rpc.ts'
import type { PhonemeTiming } from '../tts/phonemes.ts'
import type { Expression } from './expressions.ts'
import type { Mood } from './pose.ts'
import type { AvatarEvent, AvatarReplies, AvatarRequest, AvatarStats, FrameSource, PlaybackClock, RemoteAvatarState, RendererKind } from './protocol.ts'

export interface AvatarStatus {
  renderer: RendererKind
  name: string
  /** Why the renderer is not WebGPU, when it is not. */
  why?: string
  /** What the face can show: `neutral`, then the bundle's declared expressions. */
  expressions: Expression[]
}

export interface AvatarClient {
  readonly ready: Promise<AvatarStatus>
  setAvatar(url: string): Promise<AvatarStatus>
  setMood(mood: Mood): void
  /** Eases into an expression (intensity 0…1) that fades by itself; rejects when the bundle does not declare it. */
  setExpression(expression: Expression, intensity: number): Promise<void>
  /** Idle life held still (no breath, sway, glances or blinks): for tests and stills. */
  setStill(on: boolean): Promise<void>
  clock(clock: PlaybackClock): void
  speech(startMs: number, content: { phonemes?: PhonemeTiming[]; samples?: Float32Array; sampleRate?: number }): void
  flush(): void
  /** The reply has no more sentences. */
  speechEnd(): void
  /** Frames from a remote model through the relay, or null for the local face only. */
  setRemote(remote: { url: string; protocols: string[]; maxDelayMs?: number } | null): Promise<void>
  /** The current frame, drawn for `audioMs` into the reply as the clock stood at wall time `at` (epoch ms). */
  snapshot(): Promise<{ width: number; height: number; pixels: Uint8ClampedArray; audioMs: number; at: number; source: FrameSource }>
  stats(): Promise<AvatarStats>
  /** `onFrame` is called per drawn frame only while this is on (off at start: a message per frame costs). */
  reportFrames(on: boolean): void
  /** Sends each drawn frame to a recorder on `port` (null: stop); resolves to the face's fps. */
  record(port: MessagePort | null): Promise<number>
  loseDevice(): Promise<void>
  dispose(): void
}

export interface AvatarClientOptions {
  avatarUrl: string
  prefer?: 'auto' | RendererKind
  /** Drawing size in CSS pixels (the canvas uses device pixels); default: the container's size. */
  size?: number
  onFallback?(status: AvatarStatus): void
  onCrash?(err: AppError): void
  /** The remote avatar connected, failed (and why: the local face draws meanwhile) or was turned off. */
  onRemote?(state: RemoteAvatarState, why?: string): void
  /** How long the reply's voice should wait for the remote frames (ms; 0 for the local face). */
  onAudioDelay?(ms: number): void
  /** A reply's first remote frame was drawn (epoch ms). */
  onFirstFrame?(at: number): void
  /** Every frame drawn (epoch ms; local or remote). */
  onFrame?(frame: { at: number; audioMs: number; source: 'local' | 'remote' }): void
}

export function startAvatar(container: HTMLElement, options: AvatarClientOptions): AvatarClient {
  const worker = new Worker(new URL('./avatar.worker.ts', import.meta.url), { type: 'module', name: 'parley-avatar' })
  const rpc = new WorkerRpc<AvatarRequest, AvatarEvent, AvatarReplies>(worker, 'avatar renderer')
  const make = (kind: RendererKind) => {
    const c = document.createElement('canvas')
    c.className = 'avatar-canvas'
    c.dataset.renderer = kind
    c.style.visibility = 'hidden'
    container.append(c)
    return c
  }
  const gpu = make('webgpu')
  const flat = make('canvas2d')
  const show = (kind: RendererKind) => {
    gpu.style.visibility = kind === 'webgpu' ? 'visible' : 'hidden'
    flat.style.visibility = kind === 'canvas2d' ? 'visible' : 'hidden'
  }
  // Even: H.264 (the recording's codec) encodes only even sizes, and the picture is recorded as drawn.
  const pixels = () => Math.max(64, 2 * Math.round(((options.size ?? container.clientWidth ?? 512) * Math.min(3, window.devicePixelRatio || 1)) / 2))
  let size = pixels()
  const quiet = (p: Promise<unknown>) => void p.catch(() => {})
  /** The bundle's expressions, as the last `ready` said (a fallback keeps the bundle). */
  let expressions: Expression[] = ['neutral']
  const status = (r: Extract<AvatarEvent, { type: 'ready' }>): AvatarStatus => {
    // Which canvas to show, the worker says ('showing') as it draws.
    container.dataset.renderer = r.renderer
    expressions = r.expressions
    return { renderer: r.renderer, name: r.name, why: r.why, expressions }
  }

  const gpuOff = gpu.transferControlToOffscreen()
  const flatOff = flat.transferControlToOffscreen()
  const ready = rpc
    .request({ type: 'load', avatarUrl: options.avatarUrl, gpuCanvas: gpuOff, flatCanvas: flatOff, width: size, height: size, prefer: options.prefer ?? 'auto' }, [gpuOff, flatOff])
    .then(status)
  rpc.on('fallback', (e) => {
    container.dataset.renderer = e.to
    options.onFallback?.({ renderer: e.to, name: '', why: e.why, expressions })
  })
  rpc.on('crash', (err) => options.onCrash?.(err))
  rpc.on('showing', (e) => show(e.canvas))
  rpc.on('remote-state', (e) => options.onRemote?.(e.state, e.why))
  rpc.on('remote-delay', (e) => options.onAudioDelay?.(e.ms))
  rpc.on('first-frame', (e) => options.onFirstFrame?.(e.at))
  rpc.on('frame', (e) => options.onFrame?.(e))

  const resize = new ResizeObserver(() => {
    const next = pixels()
    if (next !== size && options.size === undefined) {
      size = next
      quiet(rpc.request({ type: 'resize', width: size, height: size }))
    }
  })
  resize.observe(container)

  return {
    ready,
    setAvatar: (url) => rpc.request({ type: 'avatar', avatarUrl: url }).then(status),
    setMood: (mood) => quiet(rpc.request({ type: 'mood', mood })),
    setExpression: async (expression, intensity) => void (await rpc.request({ type: 'expression', expression, intensity })),
    setStill: async (on) => void (await rpc.request({ type: 'still', on })),
    reportFrames: (on) => quiet(rpc.request({ type: 'report-frames', on })),
    clock: (clock) => quiet(rpc.request({ type: 'clock', clock })),
    speech(startMs, content) {
      const audio = content.samples && content.sampleRate ? { samples: content.samples.slice(), sampleRate: content.sampleRate } : undefined
      quiet(rpc.request({ type: 'speech', startMs, phonemes: content.phonemes, audio, at: performance.timeOrigin + performance.now() }, audio ? [audio.samples.buffer] : []))
    },
    flush: () => quiet(rpc.request({ type: 'flush' })),
    speechEnd: () => quiet(rpc.request({ type: 'speech-end' })),
    setRemote: async (remote) => void (await rpc.request({ type: 'remote', remote })),
    snapshot: async () => (await rpc.request({ type: 'snapshot' })).snapshot!,
    stats: async () => (await rpc.request({ type: 'stats' })).stats!,
    record: async (port) => (await rpc.request({ type: 'record', port }, port ? [port] : [])).fps ?? 25,
    loseDevice: async () => void (await rpc.request({ type: 'lose-device' })),
    dispose() {
      resize.disconnect()
      rpc.terminate()
      gpu.remove()
      flat.remove()
    },
  }
}
