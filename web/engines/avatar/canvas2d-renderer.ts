/**
 * Draws a pose with Canvas2D: the fallback where WebGPU is missing or its device is lost. Layers
 * are scaled once to the canvas's pixel size (crisp on HiDPI, cheap per frame); the eyes are
 * composed in a small canvas so the irises stay inside the whites; mouth shapes crossfade — when
 * an expression bends the mouth, each in eight upright slices sheared along the bend, in another
 * small canvas. Brows and eyes move per half (FaceParts), as the WebGPU renderer does.
 */
import type { LayerName, Placed } from './bundle.ts'
import type { LoadedAvatar } from './load-bundle.ts'
import { FaceParts, multiply, scaled, type Affine, type Halves } from './parts.ts'
import type { Pose } from './pose.ts'

export interface Snapshot {
  width: number
  height: number
  /** RGBA, row by row. */
  pixels: Uint8ClampedArray
}

export interface AvatarRenderer {
  readonly kind: 'webgpu' | 'canvas2d'
  /** False when the frame was dropped (the GPU still busy with the last one). */
  draw(pose: Pose): boolean
  /** Draws the pose and reads the frame back (tests, previews). */
  snapshot(pose: Pose): Promise<Snapshot>
  resize(width: number, height: number): Promise<void>
  dispose(): void
}

/** How many straight pieces the bent mouth is drawn in (Canvas2D; WebGPU bends its 24×24 mesh). */
const BEND_SLICES = 8

interface Sprite {
  image: ImageBitmap
  x: number
  y: number
}

export class Canvas2DRenderer implements AvatarRenderer {
  readonly kind = 'canvas2d'
  private readonly ctx: OffscreenCanvasRenderingContext2D
  private sprites = new Map<string, Sprite>()
  /** The eyes' and the mouth's own small canvases, and where their top-left corners go (canvas px). */
  private eyes: { canvas: OffscreenCanvas; ctx: OffscreenCanvasRenderingContext2D; x: number; y: number } | undefined
  /**
   * The mouth bent, upright (its slices meet on whole pixels here, so no seams show once it is
   * turned with the head), where it goes, and how far its corners may move up or down (canvas px).
   */
  private bent: { canvas: OffscreenCanvas; ctx: OffscreenCanvasRenderingContext2D; x: number; y: number; pad: number } | undefined
  private scale = 1
  private readonly parts: FaceParts

  private constructor(private readonly canvas: OffscreenCanvas, private readonly avatar: LoadedAvatar) {
    const ctx = canvas.getContext('2d', { alpha: false })
    if (!ctx) throw Object.assign(new Error('This browser cannot draw 2D graphics in a worker.'), { code: 'renderer_unavailable' })
    this.ctx = ctx
    this.parts = new FaceParts(avatar.manifest, avatar.images.get(avatar.manifest.layers.brows.file)!.height)
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
    const toCanvas = async (p: Placed): Promise<Sprite> => {
      const src = this.avatar.images.get(p.file)!
      const image = await createImageBitmap(src, { resizeWidth: Math.max(1, Math.round(src.width * s)), resizeHeight: Math.max(1, Math.round(src.height * s)), resizeQuality: 'high', premultiplyAlpha: 'premultiply' })
      return { image, x: p.x * s, y: p.y * s }
    }
    const next = new Map<string, Sprite>()
    const all: [string, Placed][] = [...(Object.entries(m.layers) as [LayerName, Placed][]), ...Object.entries(m.mouths).map(([k, p]) => [`mouth:${k}`, p] as [string, Placed])]
    await Promise.all(all.map(async ([k, p]) => next.set(k, await toCanvas(p))))
    for (const old of this.sprites.values()) old.image.close()
    this.sprites = next
    // The eyes' canvas has room above and below for eyes opened wide.
    const whites = next.get('eyeWhites')!
    const eyePad = Math.ceil(whites.image.height * 0.2) + 1
    const eyes = new OffscreenCanvas(whites.image.width, whites.image.height + 2 * eyePad)
    this.eyes = { canvas: eyes, ctx: eyes.getContext('2d')!, x: whites.x, y: whites.y - eyePad }
    // The bent mouth's canvas covers every shape, and as far up and down as the corners may move.
    const shapes = Object.keys(m.mouths).map((k) => next.get(`mouth:${k}`)!)
    const x0 = Math.floor(Math.min(...shapes.map((sp) => sp.x)))
    const y0 = Math.floor(Math.min(...shapes.map((sp) => sp.y)))
    const reach = Math.max(0, ...Object.values(m.expressions ?? {}).map((e) => Math.abs(e.mouthCorners ?? 0) + Math.abs(e.mouthSkew ?? 0)))
    const pad = Math.ceil(reach * s) + 2
    const bent = new OffscreenCanvas(Math.ceil(Math.max(...shapes.map((sp) => sp.x + sp.image.width))) - x0, Math.ceil(Math.max(...shapes.map((sp) => sp.y + sp.image.height))) - y0 + 2 * pad)
    this.bent = { canvas: bent, ctx: bent.getContext('2d')!, x: x0, y: y0 - pad, pad }
  }

  draw(pose: Pose): boolean {
    const { ctx, scale: s } = this
    const m = this.avatar.manifest
    const sprite = (name: string) => this.sprites.get(name)!
    const put = (name: string) => {
      const sp = sprite(name)
      ctx.drawImage(sp.image, sp.x, sp.y)
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
    const parts = this.parts
    const head = scaled(parts.head(pose), s)
    ctx.setTransform(...head)
    put('hairBack')
    put('face')

    // Eyes: the whites squashed about each eye's centre by the lids, the irises drawn only where
    // the whites are (so the lids cover them), then the lid lines squashed alike.
    const eyeMoves = parts.eyes(pose)
    const whites = sprite('eyeWhites')
    const irises = sprite('irises')
    const eyes = this.eyes!
    const e = eyes.ctx
    const toEyes: Affine = [1, 0, 0, 1, -eyes.x, -eyes.y]
    e.setTransform(1, 0, 0, 1, 0, 0)
    e.globalCompositeOperation = 'source-over'
    e.clearRect(0, 0, eyes.canvas.width, eyes.canvas.height)
    this.halves(e, whites, toEyes, eyeMoves)
    e.setTransform(...toEyes)
    e.globalCompositeOperation = 'source-atop'
    e.drawImage(irises.image, irises.x + pose.gaze[0] * s, irises.y + pose.gaze[1] * s)
    ctx.setTransform(...head)
    ctx.drawImage(eyes.canvas, eyes.x, eyes.y)
    this.halves(ctx, sprite('eyeLines'), head, eyeMoves)
    ctx.setTransform(...head)
    if (pose.blink > 0.01) {
      ctx.globalAlpha = Math.min(1, pose.blink * 1.15)
      put('eyesClosed')
      ctx.globalAlpha = 1
    }
    this.halves(ctx, sprite('brows'), head, parts.brows(pose))

    // Mouth: the strongest shape, then the others crossfaded over it by their share.
    ctx.setTransform(...head)
    if (!parts.bends(pose)) {
      let acc = 0
      for (const [shape, w] of pose.mouths) {
        acc += w
        ctx.globalAlpha = acc === w ? 1 : w / acc
        put(`mouth:${shape}`)
      }
      ctx.globalAlpha = 1
    }
    else {
      // Each shape drawn in slices, sheared so each meets its neighbours exactly (the curve's
      // chords, within a tenth of a pixel), into an upright canvas — then turned with the head.
      const { ctx: b, canvas: bent, x: bx, y: by, pad } = this.bent!
      b.setTransform(1, 0, 0, 1, 0, 0)
      b.clearRect(0, 0, bent.width, bent.height)
      const lift = (x: number) => Math.max(-pad, Math.min(pad, parts.mouthLift(pose, (bx + x) / s) * s))
      let acc = 0
      for (const [shape, w] of pose.mouths) {
        acc += w
        b.globalAlpha = acc === w ? 1 : w / acc
        const sp = sprite(`mouth:${shape}`)
        const [left, top] = [sp.x - bx, sp.y - by]
        for (let i = 0; i < BEND_SLICES; i++) {
          const x0 = Math.max(Math.floor(left), Math.round((i * bent.width) / BEND_SLICES))
          const x1 = Math.min(Math.ceil(left + sp.image.width), Math.round(((i + 1) * bent.width) / BEND_SLICES))
          if (x1 <= x0) continue
          const [y0, y1] = [-lift(x0), -lift(x1)]
          const slope = (y1 - y0) / (x1 - x0)
          b.setTransform(1, slope, 0, 1, 0, y0 - slope * x0)
          b.drawImage(sp.image, x0 - left, 0, x1 - x0, sp.image.height, x0, top, x1 - x0, sp.image.height)
        }
      }
      b.globalAlpha = 1
      b.setTransform(1, 0, 0, 1, 0, 0)
      ctx.drawImage(bent, bx, by)
    }
    put('front')
    return true
  }

  /**
   * Draws a layer under `base`: whole (moved as one, if `moves` is one transform), or each half
   * moved by its own (avatar px) — the viewer's left half for the left brow or eye, the right for the right.
   */
  private halves(ctx: OffscreenCanvasRenderingContext2D, sp: Sprite, base: Affine, moves: Halves<Affine> | Affine | undefined) {
    const s = this.scale
    if (!moves || Array.isArray(moves)) {
      ctx.setTransform(...(moves ? multiply(base, scaled(moves, s)) : base))
      ctx.drawImage(sp.image, sp.x, sp.y)
      return
    }
    const { width, height } = sp.image
    const cut = Math.max(0, Math.min(width, Math.round(this.parts.split * s - sp.x)))
    for (const [move, from, w] of [[moves.left, 0, cut], [moves.right, cut, width - cut]] as const) {
      if (w <= 0) continue
      ctx.setTransform(...multiply(base, scaled(move, s)))
      ctx.drawImage(sp.image, from, 0, w, height, sp.x + from, sp.y, w, height)
    }
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
