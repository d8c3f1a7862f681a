/// <reference lib="webworker" />
import { declaredExpressions } from './bundle.ts'
import { Canvas2DRenderer, type AvatarRenderer } from './canvas2d-renderer.ts'
import type { SpeechChunk, SpeechFollower } from './engine.ts'
import type { Expression } from './expressions.ts'
import { LayeredEngine } from './layered-engine.ts'
import { loadAvatar } from './load-bundle.ts'
import type { Mood } from './pose.ts'
import type { RendererKind } from './protocol.ts'
import { WebGPURenderer } from './webgpu-renderer.ts'

export interface Canvases {
  gpu: OffscreenCanvas
  flat: OffscreenCanvas
}

/**
 * The face drawn on this device: the avatar bundle on the layered engine, with WebGPU (or
 * Canvas2D when WebGPU is missing or fails), and the switch to Canvas2D when the GPU device is
 * lost mid-stream (the same pose is drawn first, so there is no blank frame).
 */
export class LocalFace implements SpeechFollower {
  engine: LayeredEngine | undefined
  /**
   * The expression asked for and when (the frames' clock): it keeps time while a remote model's
   * frames are shown, so the local face shows it — or has let it fade — whenever it draws again,
   * and a new bundle that declares it takes it over.
   */
  private expression: { expression: Expression; intensity: number; at: number } | undefined
  private still = false

  constructor(
    readonly canvases: Canvases,
    private readonly prefer: 'auto' | RendererKind,
    /** The renderer changed on its own (device lost). */
    private readonly onFallback: (why: string) => void,
  ) {}

  get ready() {
    return Boolean(this.engine?.renderer && this.engine.manifest)
  }

  /** Which canvas the local picture is on (a WebGPU renderer that reads back draws on the 2D one). */
  get canvas(): RendererKind {
    const r = this.engine?.renderer
    return r instanceof WebGPURenderer && r.presentation === 'canvas' ? 'webgpu' : 'canvas2d'
  }

  /** Loads a bundle; a second load keeps to the renderer in use (after a device loss, Canvas2D). */
  async load(avatarUrl: string) {
    const kind = this.engine?.renderer?.kind ?? this.prefer
    const next = new LayeredEngine()
    await next.load()
    await next.loadAvatar(await loadAvatar(avatarUrl))
    const { renderer, why } = await this.makeRenderer(next, kind)
    next.renderer = renderer
    next.still = this.still
    if (this.expression) next.setExpression(this.expression.expression, this.expression.intensity, this.expression.at)
    await next.warmup()
    const old = this.engine
    this.engine = next
    old?.dispose()
    return { renderer: renderer.kind, name: next.manifest!.name, why, expressions: this.expressions }
  }

  /** What this face can show: `neutral` and its bundle's declared expressions. */
  get expressions(): Expression[] {
    const m = this.engine?.manifest
    return m ? declaredExpressions(m) : ['neutral']
  }

  /** Eases into an expression now; false (nothing changes) when the bundle does not declare it. */
  setExpression(expression: Expression, intensity: number): boolean {
    const at = performance.now()
    if (!this.engine?.setExpression(expression, intensity, at)) return false
    this.expression = { expression, intensity, at }
    return true
  }

  /** Idle life held still (tests and stills): frames differ only by what is asked. */
  setStill(on: boolean) {
    this.still = on
    if (this.engine) this.engine.still = on
  }

  speech(chunk: SpeechChunk) {
    this.engine?.infer(this.engine.features(chunk))
  }

  finish() {}

  flush() {
    this.engine?.flush()
  }

  compose(now: number, audioMs: number, mood: Mood) {
    this.engine?.composeFrame(now, audioMs, mood)
  }

  async resize(width: number, height: number) {
    await this.engine?.renderer?.resize(width, height)
    for (const c of [this.canvases.gpu, this.canvases.flat]) if (c.width !== width) [c.width, c.height] = [width, height]
    this.engine?.redraw()
  }

  async snapshot(now: number, audioMs: number, mood: Mood) {
    const e = this.engine!
    e.composeFrame(now, audioMs, mood)
    return e.renderer!.snapshot(e.lastPose!)
  }

  /** The face at rest (neutral, whatever it shows now), as the JPEG a remote model animates. */
  async referenceImage(): Promise<string> {
    const e = this.engine!
    e.restFrame()
    const shot = await e.renderer!.snapshot(e.lastPose!)
    const c = new OffscreenCanvas(shot.width, shot.height)
    c.getContext('2d')!.putImageData(new ImageData(shot.pixels as Uint8ClampedArray<ArrayBuffer>, shot.width, shot.height), 0, 0)
    const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/jpeg', quality: 0.9 })).arrayBuffer())
    let bin = ''
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
    return btoa(bin)
  }

  /** Destroys the GPU device, as a driver reset would. */
  loseDevice() {
    const r = this.engine?.renderer
    if (r instanceof WebGPURenderer) r.loseDevice()
  }

  stats() {
    return this.engine?.stats() ?? { frames: 0, frameMs: 0, audioMsPer10ms: 0, audioHops: 0 }
  }

  private async makeRenderer(e: LayeredEngine, kind: 'auto' | RendererKind): Promise<{ renderer: AvatarRenderer; why?: string }> {
    const avatar = e.loaded!
    let why: string | undefined
    const lost = (reason: string) => void this.fallBack(reason)
    if (kind !== 'canvas2d') {
      try {
        return { renderer: await WebGPURenderer.create(this.canvases.gpu, avatar, lost) }
      } catch (err) {
        why = `WebGPU unavailable: ${plainReason(err)}`
      }
      // Asked for WebGPU itself: render with it and copy the frames out, where presenting fails.
      if (kind === 'webgpu') {
        try {
          return { renderer: await WebGPURenderer.create(this.canvases.flat, avatar, lost, 'readback'), why: 'WebGPU frames read back: this browser cannot present a WebGPU canvas' }
        } catch (err) {
          why = `WebGPU unavailable: ${plainReason(err)}`
        }
      }
    }
    return { renderer: await Canvas2DRenderer.create(this.canvases.flat, avatar), why }
  }

  /** The GPU device was lost: draw the same pose with Canvas2D first, then say so. */
  private async fallBack(reason: string) {
    const e = this.engine
    if (!e || e.renderer?.kind !== 'webgpu') return
    const lost = e.renderer
    e.renderer = undefined
    e.renderer = await Canvas2DRenderer.create(this.canvases.flat, e.loaded!)
    e.redraw()
    try {
      lost.dispose()
    } catch {
      // already gone with its device
    }
    console.warn('[face] the GPU device was lost:', reason)
    this.onFallback('the GPU device was lost (the graphics driver reset, or the browser reclaimed it); drawn on the CPU now')
  }
}

/** Our own explanations pass; a driver's or browser's internal text goes to the console, not the stage. */
const PLAIN = /^(WebGPU is not available in this browser|no WebGPU adapter|the canvas has no WebGPU context|its canvas cannot be presented here)/

function plainReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  const plain = PLAIN.exec(message)?.[1]
  if (plain !== message) console.warn('[face] WebGPU could not be used:', message)
  return plain ?? 'the graphics driver refused it'
}
