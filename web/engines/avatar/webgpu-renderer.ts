/**
 * Draws a pose with WebGPU. Every layer is a texture on a finely divided quad (a 24×24 mesh);
 * the vertex shader turns and shifts the head, warps the mesh below the mouth so the chin drops
 * as the jaw opens — the motion is continuous, not a swap of pictures — and bends the mouth's
 * mesh so its corners lift or drop with the expression; one fragment shader blends up to three
 * mouth shapes by their weights and keeps the irises inside the whites. Brows and eyes move per
 * half (FaceParts: one draw per brow, per eye), as the Canvas2D renderer does, so both look alike.
 * A lost device is reported through `onLost`, and the worker falls back to Canvas2D.
 */
import type { LayerName, Placed } from './bundle.ts'
import type { AvatarRenderer, Snapshot } from './canvas2d-renderer.ts'
import type { LoadedAvatar } from './load-bundle.ts'
import { FaceParts, multiply, type Affine, type Halves } from './parts.ts'
import { restPose, type Pose } from './pose.ts'

const GRID = 24
const VERTICES = GRID * GRID * 6
/** One draw's uniforms: 10 vec4s (160 bytes), at 256-byte steps for dynamic offsets. */
const UNIFORM_BYTES = 160
const STRIDE = 256
/** 11 layers, plus a second draw per brow and per eye layer when an expression moves them apart. */
const MAX_DRAWS = 24
/** How far (avatar px) the chin drops at a fully open jaw, and how wide the warp reaches. */
const JAW_DROP = 14
const JAW_REACH = 120

const SHADER = /* wgsl */ `
struct Draw {
  rect: vec4f,      // the quad: x, y, w, h (avatar px)
  m: vec4f,         // 2×2 transform: a, b, c, d
  t: vec4f,         // translation x, y; alpha; jaw 0…1
  r0: vec4f,        // where each of the three pictures lies (x, y, w, h)
  r1: vec4f,
  r2: vec4f,
  w: vec4f,         // their weights; w.w > 0: clip to the mask picture
  k: vec4f,         // canvas w, h; mouth y; chin y
  j: vec4f,         // mouth x; the bend's half-width; the left and right corners' lift (px up)
  e: vec4f,         // the mask squashed as the whites are: its centre y, 1 / scale
};
@group(0) @binding(0) var<uniform> d: Draw;
@group(0) @binding(1) var s: sampler;
@group(0) @binding(2) var t0: texture_2d<f32>;
@group(0) @binding(3) var t1: texture_2d<f32>;
@group(0) @binding(4) var t2: texture_2d<f32>;
@group(0) @binding(5) var mask: texture_2d<f32>;
@group(0) @binding(6) var<uniform> maskRect: vec4f;

struct Out { @builtin(position) pos: vec4f, @location(0) p: vec2f };

@vertex fn vs(@builtin(vertex_index) i: u32) -> Out {
  let cell = i / 6u;
  let corner = array<vec2f, 6>(vec2f(0, 0), vec2f(1, 0), vec2f(0, 1), vec2f(0, 1), vec2f(1, 0), vec2f(1, 1))[i % 6u];
  let g = (vec2f(f32(cell % ${GRID}u), f32(cell / ${GRID}u)) + corner) / ${GRID}.0;
  let p = d.rect.xy + g * d.rect.zw;
  // Jaw: below the mouth line, the mesh moves down more the nearer the chin, fading sideways.
  let below = clamp((p.y - d.k.z) / max(1.0, d.k.w - d.k.z), 0.0, 1.0);
  let side = 1.0 - smoothstep(0.0, ${JAW_REACH}.0, abs(p.x - d.j.x));
  // Mouth corners: lifted by the square of the distance from the middle (FaceParts.mouthLift).
  let u = clamp((p.x - d.j.x) / max(1.0, d.j.y), -1.0, 1.0);
  let lift = select(d.j.w, d.j.z, u < 0.0) * u * u;
  let warped = p + vec2f(0.0, d.t.w * ${JAW_DROP}.0 * below * side - lift);
  let world = vec2f(d.m.x * warped.x + d.m.z * warped.y, d.m.y * warped.x + d.m.w * warped.y) + d.t.xy;
  var o: Out;
  o.pos = vec4f(world.x / d.k.x * 2.0 - 1.0, 1.0 - world.y / d.k.y * 2.0, 0.0, 1.0);
  o.p = p;
  return o;
}

fn pick(t: texture_2d<f32>, r: vec4f, p: vec2f) -> vec4f {
  let uv = (p - r.xy) / r.zw;
  let inside = step(0.0, uv.x) * step(0.0, uv.y) * step(uv.x, 1.0) * step(uv.y, 1.0);
  return textureSampleLevel(t, s, uv, 0.0) * inside;
}

@fragment fn fs(i: Out) -> @location(0) vec4f {
  var c = pick(t0, d.r0, i.p) * d.w.x + pick(t1, d.r1, i.p) * d.w.y + pick(t2, d.r2, i.p) * d.w.z;
  if (d.w.w > 0.0) { c = c * pick(mask, maskRect, vec2f(i.p.x, d.e.x + (i.p.y - d.e.x) * d.e.y)).a; }
  return c * d.t.z;
}
`

interface Tex {
  texture: GPUTexture
  rect: [number, number, number, number]
}

export class WebGPURenderer implements AvatarRenderer {
  readonly kind = 'webgpu'
  private textures = new Map<string, Tex>()
  private bindGroups = new Map<string, GPUBindGroup>()
  private readonly uniforms: GPUBuffer
  private readonly maskUniform: GPUBuffer
  private readonly staging = new Float32Array((STRIDE / 4) * MAX_DRAWS)
  private readonly pipeline: GPURenderPipeline
  private readonly layout: GPUBindGroupLayout
  private readonly sampler: GPUSampler
  private live = false
  private disposed = false
  /** Read-back presentation: the frame texture, its staging buffer, and whether a copy is in flight. */
  private readback: { texture: GPUTexture; buffer: GPUBuffer; bytesPerRow: number; ctx: OffscreenCanvasRenderingContext2D; busy: boolean } | undefined
  private readonly parts: FaceParts

  private constructor(
    private readonly device: GPUDevice,
    private readonly context: GPUCanvasContext | undefined,
    private readonly canvas: OffscreenCanvas,
    private readonly avatar: LoadedAvatar,
    private readonly format: GPUTextureFormat,
  ) {
    this.parts = new FaceParts(avatar.manifest, avatar.images.get(avatar.manifest.layers.brows.file)!.height)
    const module = device.createShaderModule({ code: SHADER })
    const texture = (binding: number): GPUBindGroupLayoutEntry => ({ binding, visibility: GPUShaderStage.FRAGMENT, texture: {} })
    this.layout = device.createBindGroupLayout({
      entries: [
        { binding: 0, visibility: GPUShaderStage.VERTEX | GPUShaderStage.FRAGMENT, buffer: { hasDynamicOffset: true } },
        { binding: 1, visibility: GPUShaderStage.FRAGMENT, sampler: {} },
        texture(2),
        texture(3),
        texture(4),
        texture(5),
        { binding: 6, visibility: GPUShaderStage.FRAGMENT, buffer: {} },
      ],
    })
    this.pipeline = device.createRenderPipeline({
      layout: device.createPipelineLayout({ bindGroupLayouts: [this.layout] }),
      vertex: { module, entryPoint: 'vs' },
      fragment: {
        module,
        entryPoint: 'fs',
        targets: [{ format, blend: { color: { srcFactor: 'one', dstFactor: 'one-minus-src-alpha' }, alpha: { srcFactor: 'one', dstFactor: 'one-minus-src-alpha' } } }],
      },
      primitive: { topology: 'triangle-list' },
    })
    this.sampler = device.createSampler({ magFilter: 'linear', minFilter: 'linear', mipmapFilter: 'linear' })
    this.uniforms = device.createBuffer({ size: STRIDE * MAX_DRAWS, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST })
    this.maskUniform = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST })
  }

  /**
   * Resolves with a renderer, or rejects when WebGPU cannot draw here (no adapter, no device, or
   * its canvas cannot be presented). `present: 'canvas'` draws straight into the WebGPU canvas;
   * `'readback'` renders to a texture and copies each frame into a 2D canvas — slower, for
   * browsers whose WebGPU can render but not present a canvas (headless Chromium on SwiftShader).
   */
  static async create(canvas: OffscreenCanvas, avatar: LoadedAvatar, onLost: (why: string) => void, present: 'canvas' | 'readback' = 'canvas'): Promise<WebGPURenderer> {
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu
    if (!gpu) throw new Error('WebGPU is not available in this browser')
    const adapter = await gpu.requestAdapter()
    if (!adapter) throw new Error('no WebGPU adapter')
    const device = await adapter.requestDevice()
    let context: GPUCanvasContext | undefined
    let format: GPUTextureFormat = 'rgba8unorm'
    if (present === 'canvas') {
      context = canvas.getContext('webgpu') ?? undefined
      if (!context) throw new Error('the canvas has no WebGPU context')
      format = gpu.getPreferredCanvasFormat()
      context.configure({ device, format, alphaMode: 'opaque' })
    }
    const r = new WebGPURenderer(device, context, canvas, avatar, format)
    void device.lost.then((info) => r.live && !r.disposed && onLost(info.message || info.reason || 'the GPU device was lost'))
    try {
      device.pushErrorScope('validation')
      if (present === 'readback') r.startReadback()
      r.upload()
      r.draw(restPose(avatar.manifest))
      await device.queue.onSubmittedWorkDone()
      const invalid = await device.popErrorScope()
      if (invalid) throw new Error(invalid.message)
    } catch (err) {
      r.dispose()
      throw new Error(present === 'canvas' ? `its canvas cannot be presented here (${(err as Error).message})` : (err as Error).message)
    }
    r.live = true
    return r
  }

  get presentation(): 'canvas' | 'readback' {
    return this.readback ? 'readback' : 'canvas'
  }

  private startReadback() {
    const ctx = this.canvas.getContext('2d', { alpha: false })
    if (!ctx) throw new Error('no 2D canvas to present read-back frames on')
    const { width, height } = this.canvas
    const bytesPerRow = Math.ceil((width * 4) / 256) * 256
    this.readback = {
      texture: this.device.createTexture({ size: [width, height], format: 'rgba8unorm', usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC }),
      buffer: this.device.createBuffer({ size: bytesPerRow * height, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ }),
      bytesPerRow,
      ctx,
      busy: false,
    }
  }

  /** Copies the rendered frame into the 2D canvas (skipped while the previous copy is in flight). */
  private present() {
    const rb = this.readback!
    if (rb.busy) return
    rb.busy = true
    const { width, height } = this.canvas
    const encoder = this.device.createCommandEncoder()
    encoder.copyTextureToBuffer({ texture: rb.texture }, { buffer: rb.buffer, bytesPerRow: rb.bytesPerRow }, [width, height])
    this.device.queue.submit([encoder.finish()])
    rb.buffer.mapAsync(GPUMapMode.READ).then(
      () => {
        if (this.readback !== rb) return
        const padded = new Uint8Array(rb.buffer.getMappedRange())
        const image = new ImageData(width, height)
        for (let y = 0; y < height; y++) image.data.set(padded.subarray(y * rb.bytesPerRow, y * rb.bytesPerRow + width * 4), y * width * 4)
        rb.buffer.unmap()
        rb.ctx.putImageData(image, 0, 0)
        rb.busy = false
      },
      () => (rb.busy = false),
    )
  }

  private upload() {
    const m = this.avatar.manifest
    const add = (key: string, p: Placed) => {
      const image = this.avatar.images.get(p.file)!
      const texture = this.device.createTexture({ size: [image.width, image.height], format: 'rgba8unorm', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST | GPUTextureUsage.RENDER_ATTACHMENT })
      this.device.queue.copyExternalImageToTexture({ source: image }, { texture, premultipliedAlpha: true }, [image.width, image.height])
      this.textures.set(key, { texture, rect: [p.x, p.y, image.width, image.height] })
    }
    for (const [name, p] of Object.entries(m.layers) as [LayerName, Placed][]) add(name, p)
    for (const [name, p] of Object.entries(m.mouths)) add(`mouth:${name}`, p)
    const whites = this.textures.get('eyeWhites')!
    this.device.queue.writeBuffer(this.maskUniform, 0, new Float32Array(whites.rect))
  }

  async resize(width: number, height: number) {
    this.canvas.width = width
    this.canvas.height = height
    if (this.readback) {
      this.readback.texture.destroy()
      this.readback.buffer.destroy()
      this.startReadback()
    }
  }

  /** Test hook and real path alike: destroying the device fires `lost`. */
  loseDevice() {
    this.device.destroy()
  }

  draw(pose: Pose, target?: GPUTexture): boolean {
    // Read back: while the last frame is still on its way (a slow, software GPU), this one is
    // dropped — else the queue grows without end, and every later frame (and snapshot) waits longer.
    if (!target && this.readback?.busy) return false
    const m = this.avatar.manifest
    const W = m.width
    const H = m.height
    const parts = this.parts
    let n = 0
    const draws: string[][] = []
    type Rect = [number, number, number, number]
    interface DrawOptions {
      weights?: number[]
      transform: Affine
      alpha?: number
      /** The quad drawn (avatar px); default the first picture's own. */
      rect?: Rect
      /** Irises: drawn only where the whites are; the mask squashed about `maskY` by `maskScale`, as the whites are. */
      clip?: { maskY: number; maskScale: number }
      shift?: [number, number]
      jaw?: number
      /** The mouth's corners' lift (px up, left and right). */
      corners?: [number, number]
    }
    const push = (keys: string[], o: DrawOptions) => {
      const texs = keys.map((k) => this.textures.get(k)!)
      const at = (STRIDE / 4) * n
      const st = this.staging
      const shift = o.shift ?? [0, 0]
      const r = o.rect ?? texs[0]!.rect
      const t = o.transform
      st.set([r[0] + shift[0], r[1] + shift[1], r[2], r[3]], at)
      st.set([t[0], t[1], t[2], t[3]], at + 4)
      st.set([t[4], t[5], o.alpha ?? 1, o.jaw ?? 0], at + 8)
      for (let i = 0; i < 3; i++) {
        const tr = texs[Math.min(i, texs.length - 1)]!.rect
        st.set([tr[0] + shift[0], tr[1] + shift[1], tr[2], tr[3]], at + 12 + i * 4)
      }
      const w = o.weights ?? [1]
      st.set([w[0] ?? 0, w[1] ?? 0, w[2] ?? 0, o.clip ? 1 : 0], at + 24)
      st.set([W, H, m.anchors.mouth[1], m.anchors.mouth[1] + 82], at + 28)
      st.set([m.anchors.mouth[0], parts.mouthReach, o.corners?.[0] ?? 0, o.corners?.[1] ?? 0], at + 32)
      st.set([o.clip?.maskY ?? 0, o.clip ? 1 / o.clip.maskScale : 1, 0, 0], at + 36)
      draws.push([...keys, o.clip ? 'clip' : ''])
      n++
    }
    /** A layer drawn whole, or each half (the viewer's left, right) with its own move before `base`. */
    const halves = (key: string, base: Affine, moves: Halves<Affine> | Affine | undefined) => {
      if (!moves || Array.isArray(moves)) return push([key], { transform: moves ? multiply(base, moves) : base })
      const [x, y, w, h] = this.textures.get(key)!.rect
      const cut = Math.max(0, Math.min(w, parts.split - x))
      if (cut > 0) push([key], { transform: multiply(base, moves.left), rect: [x, y, cut, h] })
      if (cut < w) push([key], { transform: multiply(base, moves.right), rect: [x + cut, y, w - cut, h] })
    }
    const identity: Affine = [1, 0, 0, 1, 0, 0]
    push(['background'], { transform: identity })
    const b = pose.breath
    push(['body'], { transform: [b, 0, 0, b, (W / 2) * (1 - b), H * (1 - b)] })
    const head = parts.head(pose)
    push(['hairBack'], { transform: head })
    push(['face'], { transform: head, jaw: pose.jaw })
    // Eyes: whites and lid lines squashed about each eye's centre; the irises are not (the lids
    // cover them), but their mask — the whites — is squashed alike.
    const eyeMoves = parts.eyes(pose)
    halves('eyeWhites', head, eyeMoves)
    const eyes = m.anchors.eyes
    if (!eyeMoves) push(['irises'], { transform: head, shift: pose.gaze, clip: { maskY: 0, maskScale: 1 } })
    else {
      // Split where the whites are split, the irises shifted by the gaze.
      const [x, y, w, h] = this.textures.get('irises')!.rect
      const cut = Math.max(0, Math.min(w, parts.split - x - pose.gaze[0]))
      push(['irises'], { transform: head, shift: pose.gaze, rect: [x, y, cut, h], clip: { maskY: eyes[0][1], maskScale: pose.eyeScale } })
      push(['irises'], { transform: head, shift: pose.gaze, rect: [x + cut, y, w - cut, h], clip: { maskY: eyes[1][1], maskScale: pose.eyeScale } })
    }
    halves('eyeLines', head, eyeMoves)
    if (pose.blink > 0.01) push(['eyesClosed'], { transform: head, alpha: Math.min(1, pose.blink * 1.15) })
    halves('brows', head, parts.brows(pose))
    // All mouth shapes in one draw over the mouth's region, weighted in the shader, bent at the corners.
    const box = m.mouthBox
    const keys = pose.mouths.map(([shape]) => `mouth:${shape}`)
    push(keys, { weights: pose.mouths.map(([, w]) => w), transform: head, rect: [box.x, box.y, box.width, box.height + JAW_DROP], jaw: pose.jaw, corners: pose.mouthCorners })
    push(['front'], { transform: head })

    this.device.queue.writeBuffer(this.uniforms, 0, this.staging, 0, (STRIDE / 4) * n)
    const encoder = this.device.createCommandEncoder()
    const pass = encoder.beginRenderPass({ colorAttachments: [{ view: (target ?? this.readback?.texture ?? this.context!.getCurrentTexture()).createView(), loadOp: 'clear', storeOp: 'store', clearValue: [0, 0, 0, 1] }] })
    pass.setPipeline(this.pipeline)
    draws.forEach((keys, i) => {
      pass.setBindGroup(0, this.bindGroup(keys), [i * STRIDE])
      pass.draw(VERTICES)
    })
    pass.end()
    this.device.queue.submit([encoder.finish()])
    if (!target && this.readback) this.present()
    return true
  }

  async snapshot(pose: Pose): Promise<Snapshot> {
    const { width, height } = this.canvas
    const texture = this.device.createTexture({ size: [width, height], format: this.format, usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC })
    this.draw(pose, texture)
    const bytesPerRow = Math.ceil((width * 4) / 256) * 256
    const buffer = this.device.createBuffer({ size: bytesPerRow * height, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ })
    const encoder = this.device.createCommandEncoder()
    encoder.copyTextureToBuffer({ texture }, { buffer, bytesPerRow }, [width, height])
    this.device.queue.submit([encoder.finish()])
    await buffer.mapAsync(GPUMapMode.READ)
    const padded = new Uint8Array(buffer.getMappedRange())
    const pixels = new Uint8ClampedArray(width * height * 4)
    const bgra = this.format === 'bgra8unorm'
    for (let y = 0; y < height; y++) {
      const row = padded.subarray(y * bytesPerRow, y * bytesPerRow + width * 4)
      pixels.set(row, y * width * 4)
      if (bgra) for (let i = y * width * 4; i < (y + 1) * width * 4; i += 4) [pixels[i], pixels[i + 2]] = [pixels[i + 2]!, pixels[i]!]
    }
    buffer.unmap()
    buffer.destroy()
    texture.destroy()
    this.draw(pose)
    return { width, height, pixels }
  }

  private bindGroup(keys: string[]): GPUBindGroup {
    const id = keys.join('|')
    let group = this.bindGroups.get(id)
    if (!group) {
      const tex = keys.filter(Boolean).filter((k) => k !== 'clip').map((k) => this.textures.get(k)!.texture)
      const t = (i: number) => tex[Math.min(i, tex.length - 1)]!.createView()
      group = this.device.createBindGroup({
        layout: this.layout,
        entries: [
          { binding: 0, resource: { buffer: this.uniforms, size: UNIFORM_BYTES } },
          { binding: 1, resource: this.sampler },
          { binding: 2, resource: t(0) },
          { binding: 3, resource: t(1) },
          { binding: 4, resource: t(2) },
          { binding: 5, resource: this.textures.get('eyeWhites')!.texture.createView() },
          { binding: 6, resource: { buffer: this.maskUniform } },
        ],
      })
      this.bindGroups.set(id, group)
    }
    return group
  }

  dispose() {
    this.disposed = true
    this.readback?.texture.destroy()
    this.readback?.buffer.destroy()
    for (const t of this.textures.values()) t.texture.destroy()
    this.textures.clear()
    this.bindGroups.clear()
    this.device.destroy()
  }
}
