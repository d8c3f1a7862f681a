/**
 * Draws a pose with Canvas2D: the fallback where WebGPU is missing or its device is lost. Layers
 * are scaled once to the canvas's pixel size (crisp on HiDPI, cheap per frame); the eyes are
 * composed in a small canvas so the irises stay inside the whites; mouth shapes crossfade.
 */
import type { LayerName, Placed } from './bundle.ts'
import type { LoadedAvatar } from './load-bundle.ts'
import type { Pose } from './pose.ts'

export interface Snapshot {
  width: number
  height: number
  /** RGBA, row by row. */
  pixels: Uint8ClampedArray
}

export interface AvatarRenderer {
  readonly kind: 'webgpu' | 'canvas2d'
  draw(pose: Pose): void
  /** Draws the pose and reads the frame back (tests, previews). */
  snapshot(pose: Pose): Promise<Snapshot>
  resize(width: number, height: number): Promise<void>
  dispose(): void
}

interface Sprite {
  image: ImageBitmap
  x: number
  y: number
}

export class Canvas2DRenderer implements AvatarRenderer {
  readonly kind = 'canvas2d'
  private readonly ctx: OffscreenCanvasRenderingContext2D
  private sprites = new Map<string, Sprite>()
  private eyes: OffscreenCanvas | undefined
  private eyesCtx: OffscreenCanvasRenderingContext2D | undefined
  private scale = 1

  private constructor(private readonly canvas: OffscreenCanvas, private readonly avatar: LoadedAvatar) {
    const ctx = canvas.getContext('2d', { alpha: false })
    if (!ctx) throw Object.assign(new Error('This browser cannot draw 2D graphics in a worker.'), { code: 'renderer_unavailable' })
    this.ctx = ctx
  }

  static async create(canvas: OffscreenCanvas, avatar: LoadedAvatar): Promise<Canvas2DRenderer> {
    const r = new Canvas2DRenderer(canvas, avatar)
    await r.resize(canvas.width, canvas.height)
    return r
  }

  async resize(width: number, height: number) {
    this.canvas.width = width
    this.canvas.height = height
    const m = this.avatar.manifest
    this.scale = width / m.width
    const s = this.scale
    const scaled = async (p: Placed): Promise<Sprite> => {
      const src = this.avatar.images.get(p.file)!
      const image = await createImageBitmap(src, { resizeWidth: Math.max(1, Math.round(src.width * s)), resizeHeight: Math.max(1, Math.round(src.height * s)), resizeQuality: 'high', premultiplyAlpha: 'premultiply' })
      return { image, x: p.x * s, y: p.y * s }
    }
    const next = new Map<string, Sprite>()
    const all: [string, Placed][] = [...(Object.entries(m.layers) as [LayerName, Placed][]), ...Object.entries(m.mouths).map(([k, p]) => [`mouth:${k}`, p] as [string, Placed])]
    await Promise.all(all.map(async ([k, p]) => next.set(k, await scaled(p))))
    for (const old of this.sprites.values()) old.image.close()
    this.sprites = next
    const whites = next.get('eyeWhites')!
    this.eyes = new OffscreenCanvas(whites.image.width, whites.image.height)
    this.eyesCtx = this.eyes.getContext('2d')!
  }

  draw(pose: Pose) {
    const { ctx, scale: s } = this
    const m = this.avatar.manifest
    const sprite = (name: string) => this.sprites.get(name)!
    const put = (name: string, dx = 0, dy = 0) => {
      const sp = sprite(name)
      ctx.drawImage(sp.image, sp.x + dx, sp.y + dy)
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0)
    ctx.globalAlpha = 1
    put('background')

    // Body: breathing scales it about its bottom centre.
    const bx = (m.width / 2) * s
    const by = m.height * s
    ctx.setTransform(pose.breath, 0, 0, pose.breath, bx - bx * pose.breath, by - by * pose.breath)
    put('body')

    // Head: turns about the neck, shifts with the breath and nods.
    const [nx, ny] = [m.anchors.neck[0] * s, m.anchors.neck[1] * s]
    const c = Math.cos(pose.headAngle)
    const sn = Math.sin(pose.headAngle)
    const tx = nx + pose.headShift[0] * s
    const ty = ny + pose.headShift[1] * s
    ctx.setTransform(c, sn, -sn, c, tx - (c * nx - sn * ny), ty - (sn * nx + c * ny))
    put('hairBack')
    put('face')

    // Eyes: irises drawn only where the whites are.
    const whites = sprite('eyeWhites')
    const irises = sprite('irises')
    const e = this.eyesCtx!
    e.globalCompositeOperation = 'source-over'
    e.clearRect(0, 0, this.eyes!.width, this.eyes!.height)
    e.drawImage(whites.image, 0, 0)
    e.globalCompositeOperation = 'source-atop'
    e.drawImage(irises.image, irises.x - whites.x + pose.gaze[0] * s, irises.y - whites.y + pose.gaze[1] * s)
    ctx.drawImage(this.eyes!, whites.x, whites.y)
    put('eyeLines')
    if (pose.blink > 0.01) {
      ctx.globalAlpha = Math.min(1, pose.blink * 1.15)
      put('eyesClosed')
      ctx.globalAlpha = 1
    }
    put('brows', 0, pose.brow * s)

    // Mouth: the strongest shape, then the others crossfaded over it by their share.
    let acc = 0
    for (const [shape, w] of pose.mouths) {
      acc += w
      ctx.globalAlpha = acc === w ? 1 : w / acc
      put(`mouth:${shape}`)
    }
    ctx.globalAlpha = 1
    put('front')
  }

  async snapshot(pose: Pose): Promise<Snapshot> {
    this.draw(pose)
    const { width, height } = this.canvas
    return { width, height, pixels: this.ctx.getImageData(0, 0, width, height).data }
  }

  dispose() {
    for (const sp of this.sprites.values()) sp.image.close()
    this.sprites.clear()
  }
}
