/// <reference lib="webworker" />
// The face, drawn off the main thread: loads the avatar bundle, picks WebGPU (or Canvas2D when
// WebGPU is missing or fails), and draws frames on the worker's own animation clock, each for the
// moment of the reply's audio it will be seen at — the playback clock, not a timer, keeps the
// mouth on the voice. A lost GPU device switches to Canvas2D mid-stream.
import { DownSampler } from '../../lib/audio/resampler.ts'
import { serveRequests } from '../../lib/worker-rpc.ts'
import { Canvas2DRenderer, type AvatarRenderer } from './canvas2d-renderer.ts'
import { LayeredEngine } from './layered-engine.ts'
import { loadAvatar } from './load-bundle.ts'
import type { Mood } from './pose.ts'
import type { AvatarEvent, AvatarRequest, PlaybackClock, RendererKind } from './protocol.ts'
import { RemoteEngine } from './remote-engine.ts'
import { WebGPURenderer } from './webgpu-renderer.ts'

declare const self: DedicatedWorkerGlobalScope

/** A frame drawn now is seen at the next display refresh: draw the mouth for then. */
const LEAD_MS = 16
const emit = (e: AvatarEvent, transfer: Transferable[] = []) => self.postMessage(e, transfer)
const wallNow = () => performance.timeOrigin + performance.now()

let engine: LayeredEngine | undefined
let canvases: { gpu: OffscreenCanvas; flat: OffscreenCanvas } | undefined
let prefer: 'auto' | RendererKind = 'auto'
let mood: Mood = 'idle'
let clock: PlaybackClock = { at: 0, audioMs: 0, playing: false }
let lastFrame = -Infinity
let looping = false
let remote: RemoteEngine | undefined
let remoteTarget: { url: string; protocols: string[] } | null = null
let lastRemoteTry = 0
let remoteFrames = 0
/** Which canvas shows the picture: remote frames go on the 2D one. */
let showing: 'webgpu' | 'canvas2d' | undefined
/** A remote that failed is tried again at a new reply, at most this often. */
const REMOTE_RETRY_MS = 10_000

const audioNow = () => (clock.playing ? clock.audioMs + (wallNow() - clock.at) : clock.audioMs)

function show(canvas: 'webgpu' | 'canvas2d') {
  if (showing === canvas) return
  showing = canvas
  emit({ type: 'showing', canvas })
}

/** The local renderer's canvas (a WebGPU renderer that reads back draws on the 2D one). */
const localCanvas = () => (engine?.renderer instanceof WebGPURenderer && engine.renderer.presentation === 'canvas' ? 'webgpu' : 'canvas2d')

function frame(ts: number) {
  schedule()
  if (!engine?.renderer || !engine.manifest) return
  if (ts - lastFrame < 1000 / engine.manifest.fps - 2) return
  lastFrame = ts
  const audioMs = audioNow() + (clock.playing ? LEAD_MS : 0)
  if (remote?.ready) {
    const bitmap = remote.frameAt(audioMs)
    if (bitmap) {
      drawRemote(bitmap)
      emit({ type: 'frame', at: performance.timeOrigin + performance.now(), audioMs, source: 'remote' })
      return show('canvas2d')
    }
    // Between replies the last remote frame holds; before any, the local face.
    if (showing === 'canvas2d' && remoteFrames > 0 && !clock.playing) return
  }
  engine.composeFrame(ts, audioMs, mood)
  emit({ type: 'frame', at: performance.timeOrigin + performance.now(), audioMs, source: 'local' })
  show(localCanvas())
}

/** A remote frame, scaled to cover the square stage. */
function drawRemote(bitmap: ImageBitmap) {
  const c = canvases!.flat
  const ctx = c.getContext('2d', { alpha: false }) as OffscreenCanvasRenderingContext2D
  const scale = Math.max(c.width / bitmap.width, c.height / bitmap.height)
  const w = bitmap.width * scale
  const h = bitmap.height * scale
  ctx.drawImage(bitmap, (c.width - w) / 2, (c.height - h) / 2, w, h)
  remoteFrames++
}

/** The local face at rest, as the JPEG a remote model animates. */
async function referenceImage(): Promise<string> {
  const e = engine!
  e.idleFrame(0, 'idle')
  const shot = await e.renderer!.snapshot(e.lastPose!)
  const c = new OffscreenCanvas(shot.width, shot.height)
  c.getContext('2d')!.putImageData(new ImageData(shot.pixels as Uint8ClampedArray<ArrayBuffer>, shot.width, shot.height), 0, 0)
  const blob = await c.convertToBlob({ type: 'image/jpeg', quality: 0.9 })
  const bytes = new Uint8Array(await blob.arrayBuffer())
  let bin = ''
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(bin)
}

/** Connects to the remote model (again); a failure leaves the local face drawing. */
let remoteGeneration = 0
async function startRemote() {
  const generation = ++remoteGeneration
  remote?.dispose()
  remote = undefined
  if (!remoteTarget || !engine) return emit({ type: 'remote-state', state: 'off' })
  lastRemoteTry = performance.now()
  const target = remoteTarget
  const reference = await referenceImage()
  // A newer call (another model, or off) won while the picture was made.
  if (generation !== remoteGeneration) return
  const r = new RemoteEngine(target.url, target.protocols, reference, {
    state: (state, why) => generation === remoteGeneration && emit({ type: 'remote-state', state, why }),
    firstFrame: (at) => emit({ type: 'first-frame', at }),
  }, () => audioNow())
  remote = r
  await r.connect().catch(() => {})
}

function schedule() {
  if (typeof self.requestAnimationFrame === 'function') self.requestAnimationFrame(frame)
  else setTimeout(() => frame(performance.now()), 1000 / 60)
}

async function makeRenderer(e: LayeredEngine, kind: 'auto' | RendererKind): Promise<{ renderer: AvatarRenderer; why?: string }> {
  const avatar = e.loaded!
  let why: string | undefined
  const lost = (reason: string) => void fallBack(reason)
  if (kind !== 'canvas2d') {
    try {
      return { renderer: await WebGPURenderer.create(canvases!.gpu, avatar, lost) }
    } catch (err) {
      why = `WebGPU unavailable: ${(err as Error).message}`
    }
    // Asked for WebGPU itself: render with it and copy the frames out, where presenting fails.
    if (kind === 'webgpu') {
      try {
        return { renderer: await WebGPURenderer.create(canvases!.flat, avatar, lost, 'readback'), why: 'WebGPU frames read back: this browser cannot present a WebGPU canvas' }
      } catch (err) {
        why = `WebGPU unavailable: ${(err as Error).message}`
      }
    }
  }
  return { renderer: await Canvas2DRenderer.create(canvases!.flat, avatar), why }
}

/** The GPU device was lost: draw the same pose with Canvas2D first, then tell the stage to show it. */
async function fallBack(reason: string) {
  if (!engine || engine.renderer?.kind !== 'webgpu') return
  const lost = engine.renderer
  engine.renderer = undefined
  engine.renderer = await Canvas2DRenderer.create(canvases!.flat, engine.loaded!)
  engine.redraw()
  try {
    lost.dispose()
  } catch {
    // already gone with its device
  }
  emit({ type: 'fallback', from: 'webgpu', to: 'canvas2d', why: `the GPU device was lost (${reason})` })
}

async function load(avatarUrl: string, kind: 'auto' | RendererKind) {
  const next = new LayeredEngine()
  await next.load()
  await next.loadAvatar(await loadAvatar(avatarUrl))
  const { renderer, why } = await makeRenderer(next, kind)
  next.renderer = renderer
  await next.warmup()
  const old = engine
  engine = next
  old?.dispose()
  if (!looping) {
    looping = true
    schedule()
  }
  return { renderer: renderer.kind, name: next.manifest!.name, why }
}

serveRequests<AvatarRequest>(self, async (req) => {
  switch (req.type) {
    case 'load': {
      canvases = { gpu: req.gpuCanvas, flat: req.flatCanvas }
      for (const c of [canvases.gpu, canvases.flat]) {
        c.width = req.width
        c.height = req.height
      }
      prefer = req.prefer
      const r = await load(req.avatarUrl, prefer)
      return emit({ type: 'ready', id: req.id, ...r })
    }
    case 'avatar': {
      // Keep to the renderer in use (after a device loss, stay on Canvas2D).
      const r = await load(req.avatarUrl, engine?.renderer?.kind ?? prefer)
      return emit({ type: 'ready', id: req.id, ...r })
    }
    case 'resize':
      await engine?.renderer?.resize(req.width, req.height)
      for (const c of canvases ? [canvases.gpu, canvases.flat] : []) if (c.width !== req.width) [c.width, c.height] = [req.width, req.height]
      engine?.redraw()
      return emit({ type: 'result', id: req.id })
    case 'mood':
      mood = req.mood
      return emit({ type: 'result', id: req.id })
    case 'clock':
      clock = req.clock
      return emit({ type: 'result', id: req.id })
    case 'speech': {
      if (!engine) return emit({ type: 'result', id: req.id })
      // The sound is resampled only when something uses it: the remote model, or lip-sync without timings.
      const needed = req.audio && (remote?.ready || !req.phonemes?.length)
      const audio16k = needed ? (req.audio!.sampleRate === 16000 ? req.audio!.samples : new DownSampler(req.audio!.sampleRate, 16000).process(req.audio!.samples)) : undefined
      engine.infer(engine.features({ startMs: req.startMs, phonemes: req.phonemes, audio16k }))
      if (audio16k) remote?.speech(req.startMs, audio16k)
      return emit({ type: 'result', id: req.id })
    }
    case 'speech-end':
      remote?.finish()
      return emit({ type: 'result', id: req.id })
    case 'flush':
      engine?.flush()
      remote?.flush()
      // A remote that failed gets another chance with the next reply.
      if (remoteTarget && remote?.state === 'failed' && performance.now() - lastRemoteTry > REMOTE_RETRY_MS) void startRemote()
      return emit({ type: 'result', id: req.id })
    case 'remote': {
      const same = JSON.stringify(req.remote) === JSON.stringify(remoteTarget) && remote && remote.state !== 'failed'
      remoteTarget = req.remote
      if (!same) await startRemote()
      return emit({ type: 'result', id: req.id })
    }
    case 'snapshot': {
      if (!engine?.renderer) throw Object.assign(new Error('The avatar is not loaded.'), { code: 'avatar_not_loaded' })
      const at = wallNow()
      const audioMs = audioNow()
      const bitmap = remote?.ready ? remote.frameAt(audioMs) : undefined
      if (bitmap) {
        drawRemote(bitmap)
        const { width, height } = canvases!.flat
        const pixels = (canvases!.flat.getContext('2d') as OffscreenCanvasRenderingContext2D).getImageData(0, 0, width, height).data
        return emit({ type: 'result', id: req.id, snapshot: { width, height, pixels, audioMs, at, source: 'remote' } }, [pixels.buffer])
      }
      engine.composeFrame(performance.now(), audioMs, mood)
      const shot = await engine.renderer.snapshot(engine.lastPose!)
      return emit({ type: 'result', id: req.id, snapshot: { ...shot, audioMs, at, source: 'local' } }, [shot.pixels.buffer])
    }
    case 'stats':
      return emit({ type: 'result', id: req.id, stats: { renderer: engine?.renderer?.kind ?? 'canvas2d', remoteFrames, remoteFirstFrameMs: remote?.firstFrameMs, ...(engine?.stats() ?? { frames: 0, frameMs: 0, audioMsPer10ms: 0, audioHops: 0 }) } })
    case 'lose-device':
      if (engine?.renderer instanceof WebGPURenderer) engine.renderer.loseDevice()
      return emit({ type: 'result', id: req.id })
  }
})
