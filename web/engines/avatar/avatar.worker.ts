/// <reference lib="webworker" />
// The face, drawn off the main thread: the local face (LocalFace: the bundle on WebGPU or
// Canvas2D), a remote model's frames (RemoteFace), and the animation clock that draws whichever
// has the frame (FrameLoop). This file only answers the protocol's messages.
import { DownSampler } from '../../lib/audio/resampler.ts'
import { serveRequests } from '../../lib/worker-rpc.ts'
import type { SpeechFollower } from './engine.ts'
import { FrameLoop } from './frame-loop.ts'
import { FrameTap } from './frame-tap.ts'
import { LocalFace } from './local-face.ts'
import type { AvatarEvent, AvatarRequest } from './protocol.ts'
import { RemoteFace } from './remote-face.ts'

declare const self: DedicatedWorkerGlobalScope

const emit = (e: AvatarEvent, transfer: Transferable[] = []) => self.postMessage(e, transfer)

/** Everything the worker draws with, made by the `load` message. */
interface Face {
  local: LocalFace
  remote: RemoteFace
  loop: FrameLoop
  followers: SpeechFollower[]
}
let face: Face | undefined
/** The recorder's port, while a recording runs. */
const tap = new FrameTap()
/** Whether the page wants a `frame` event per drawn frame (it does only while something listens). */
let reportFrames = false

function makeFace(req: Extract<AvatarRequest, { type: 'load' }>): Face {
  const canvases = { gpu: req.gpuCanvas, flat: req.flatCanvas }
  for (const c of [canvases.gpu, canvases.flat]) [c.width, c.height] = [req.width, req.height]
  const local = new LocalFace(canvases, req.prefer, (why) => emit({ type: 'fallback', from: 'webgpu', to: 'canvas2d', why }))
  let loop: FrameLoop | undefined
  const remote = new RemoteFace(canvases.flat, () => local.referenceImage(), () => loop!.audioNow(), {
    state: (state, why) => emit({ type: 'remote-state', state, why }),
    firstFrame: (at) => emit({ type: 'first-frame', at }),
    delay: (ms) => emit({ type: 'remote-delay', ms }),
  })
  loop = new FrameLoop(local, remote, (e) => {
    if (e.type !== 'frame' || reportFrames) emit(e)
    // The canvas with the picture: remote frames are drawn on the 2D one.
    if (e.type === 'frame' && tap.active) tap.post(e.source === 'remote' || local.canvas === 'canvas2d' ? canvases.flat : canvases.gpu, e.at)
  })
  // The remote model first: its audio goes out at once, before the local face's lip-sync analysis.
  return { local, remote, loop, followers: [remote, local] }
}

const loaded = () => {
  if (!face?.local.ready) throw Object.assign(new Error('The avatar is not loaded.'), { code: 'avatar_not_loaded' })
  return face
}

serveRequests<AvatarRequest>(self, async (req) => {
  switch (req.type) {
    case 'load': {
      face = makeFace(req)
      const r = await face.local.load(req.avatarUrl)
      face.loop.start()
      return emit({ type: 'ready', id: req.id, ...r })
    }
    case 'avatar': {
      const r = await loaded().local.load(req.avatarUrl)
      return emit({ type: 'ready', id: req.id, ...r })
    }
    case 'resize':
      await face?.local.resize(req.width, req.height)
      return emit({ type: 'result', id: req.id })
    case 'mood':
      if (face) face.loop.mood = req.mood
      return emit({ type: 'result', id: req.id })
    case 'expression': {
      const f = loaded()
      if (!f.local.setExpression(req.expression, req.intensity))
        throw Object.assign(new Error(`${f.local.engine?.manifest?.name ?? 'This avatar'} has no "${req.expression}" expression (it shows ${f.local.expressions.join(', ')}).`), { code: 'avatar_expression_unknown' })
      return emit({ type: 'result', id: req.id })
    }
    case 'still':
      face?.local.setStill(req.on)
      return emit({ type: 'result', id: req.id })
    case 'clock':
      if (face) face.loop.clock = req.clock
      return emit({ type: 'result', id: req.id })
    case 'speech': {
      if (!face?.local.ready) return emit({ type: 'result', id: req.id })
      // The sound is resampled only when something uses it: the remote model, or lip-sync without timings.
      const needed = req.audio && (face.remote.ready || !req.phonemes?.length)
      const audio16k = needed ? (req.audio!.sampleRate === 16000 ? req.audio!.samples : new DownSampler(req.audio!.sampleRate, 16000).process(req.audio!.samples)) : undefined
      for (const f of face.followers) f.speech({ startMs: req.startMs, phonemes: req.phonemes, audio16k, audio: req.audio, at: req.at })
      return emit({ type: 'result', id: req.id })
    }
    case 'speech-end':
      for (const f of face?.followers ?? []) f.finish()
      return emit({ type: 'result', id: req.id })
    case 'flush':
      for (const f of face?.followers ?? []) f.flush()
      return emit({ type: 'result', id: req.id })
    case 'remote':
      if (face?.local.ready) await face.remote.setTarget(req.remote)
      else emit({ type: 'remote-state', state: 'off' })
      return emit({ type: 'result', id: req.id })
    case 'snapshot': {
      const f = loaded()
      const at = performance.timeOrigin + performance.now()
      const audioMs = f.loop.audioNow()
      const remote = f.remote.ready ? (f.remote.draw(audioMs) ?? (f.remote.frames > 0 ? 'held' : null)) : null
      if (remote) {
        const { width, height } = f.local.canvases.flat
        const pixels = (f.local.canvases.flat.getContext('2d') as OffscreenCanvasRenderingContext2D).getImageData(0, 0, width, height).data
        return emit({ type: 'result', id: req.id, snapshot: { width, height, pixels, audioMs, at, source: remote } }, [pixels.buffer])
      }
      const shot = await f.local.snapshot(performance.now(), audioMs, f.loop.mood)
      return emit({ type: 'result', id: req.id, snapshot: { ...shot, audioMs, at, source: 'local' } }, [shot.pixels.buffer])
    }
    case 'stats':
      return emit({
        type: 'result',
        id: req.id,
        stats: { renderer: face?.local.engine?.renderer?.kind ?? 'canvas2d', remoteFrames: face?.remote.frames ?? 0, ...face?.remote.measures, ...(face?.local.stats() ?? { frames: 0, frameMs: 0, audioMsPer10ms: 0, audioHops: 0 }) },
      })
    case 'report-frames':
      reportFrames = req.on
      return emit({ type: 'result', id: req.id })
    case 'record':
      tap.attach(req.port)
      return emit({ type: 'result', id: req.id, fps: face?.local.engine?.manifest?.fps })
    case 'lose-device':
      face?.local.loseDevice()
      return emit({ type: 'result', id: req.id })
  }
})
