/// <reference lib="webworker" />
import type { LocalFace } from './local-face.ts'
import type { Mood } from './pose.ts'
import type { AvatarEvent, PlaybackClock, RendererKind } from './protocol.ts'
import type { RemoteFace } from './remote-face.ts'

/** A frame drawn now is seen at the next display refresh: draw the mouth for then. */
const LEAD_MS = 16

const wallNow = () => performance.timeOrigin + performance.now()

/**
 * The worker's animation clock: at the bundle's fps, each frame is drawn for the moment of the
 * reply's audio it will be seen at — the playback clock, not a timer, keeps the mouth on the
 * voice. A remote model's frame wins where there is one; the local face draws otherwise.
 */
export class FrameLoop {
  clock: PlaybackClock = { at: 0, audioMs: 0, playing: false }
  mood: Mood = 'idle'
  private lastFrame = -Infinity
  private running = false
  /** Which canvas shows the picture: remote frames go on the 2D one. */
  private showing: RendererKind | undefined

  constructor(
    private readonly local: LocalFace,
    private readonly remote: RemoteFace,
    private readonly emit: (e: AvatarEvent) => void,
  ) {}

  /** Where the reply's audio is now (ms), by the last clock the main thread sent. */
  audioNow = (): number => (this.clock.playing ? this.clock.audioMs + (wallNow() - this.clock.at) : this.clock.audioMs)

  start() {
    if (this.running) return
    this.running = true
    this.schedule()
  }

  private schedule() {
    if (typeof self.requestAnimationFrame === 'function') self.requestAnimationFrame(this.frame)
    else setTimeout(() => this.frame(performance.now()), 1000 / 60)
  }

  private frame = (ts: number) => {
    this.schedule()
    const e = this.local.engine
    if (!e?.renderer || !e.manifest) return
    if (ts - this.lastFrame < 1000 / e.manifest.fps - 2) return
    this.lastFrame = ts
    const audioMs = this.audioNow() + (this.clock.playing ? LEAD_MS : 0)
    if (this.remote.ready) {
      const drawn = this.remote.draw(audioMs)
      if (drawn === 'remote') {
        this.emit({ type: 'frame', at: wallNow(), audioMs, source: 'remote' })
        return this.show('canvas2d')
      }
      // Late frames: the picture stays as it is (the state says 'syncing'), no frame from before replaces it.
      if (drawn === 'syncing') return
      // Between replies, and while the voice waits for its frames, the last remote frame holds; before any, the local face.
      if (this.showing === 'canvas2d' && this.remote.frames > 0) return
    }
    this.local.compose(ts, audioMs, this.mood)
    this.emit({ type: 'frame', at: wallNow(), audioMs, source: 'local' })
    this.show(this.local.canvas)
  }

  private show(canvas: RendererKind) {
    if (this.showing === canvas) return
    this.showing = canvas
    this.emit({ type: 'showing', canvas })
  }
}
