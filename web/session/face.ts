import { startAvatar, type AvatarClient, type AvatarStatus } from '../engines/avatar/client.ts'
import { EXPRESSIONS, isExpression, type Expression } from '../engines/avatar/expressions.ts'
import type { Mood } from '../engines/avatar/pose.ts'
import type { RemoteAvatarState } from '../engines/avatar/protocol.ts'
import type { Emitter } from '../lib/emitter.ts'
import { plainStageError } from '../lib/errors.ts'
import type { StreamMap } from './streams.ts'

export interface FaceState {
  status?: AvatarStatus
  error?: string
  remote: { state: RemoteAvatarState; why?: string }
}

export interface FaceTarget {
  avatarUrl: string
  /** A remote model's socket through the relay, or null for the local face only. */
  remote: { id: string; url: string; protocols: string[]; maxDelayMs?: number } | null
}

/**
 * The avatar stage: the face drawn in a worker (local renderer, or a remote model's frames through
 * the relay). Follows `avatar.audio` (phoneme timings where the voice gives them, else its sound —
 * a remote model animates from it, and the local face when there are no timings) and
 * `avatar.clock`, and drops what it was about to say when its turn is interrupted. Mounted on a
 * DOM element by the UI; the session drives it.
 */
export class Face {
  state: FaceState = { remote: { state: 'off' } }
  private client: AvatarClient | null = null

  /** The local face's bundle (an export draws the same one). */
  get avatarUrl(): string | null {
    return this.target?.avatarUrl ?? null
  }
  private target: FaceTarget | null = null
  private shown: { avatarUrl?: string; remote?: string | null } = {}
  private mood: Mood = 'idle'
  private turnId: string | null = null
  /** Something listens to `avatar.video`: the worker reports each drawn frame (else it stays quiet). */
  private framesWanted = false
  private readonly off: (() => void)[]

  constructor(
    private readonly bus: Emitter<StreamMap>,
    private readonly changed: () => void,
  ) {
    this.off = [
      bus.on('turn.started', (t) => {
        this.turnId = t.turnId
        // A new reply: the face forgets the last one (a remote session goes on; nothing in flight is cancelled).
        this.client?.flush()
        t.signal.addEventListener('abort', () => this.stopped(t.turnId), { once: true })
      }),
      bus.on('avatar.audio', ({ chunk, startMs }) =>
        this.client?.speech(startMs, { phonemes: chunk.phonemes?.length ? chunk.phonemes : undefined, samples: chunk.samples, sampleRate: chunk.sampleRate }),
      ),
      bus.on('avatar.audio.end', () => this.client?.speechEnd()),
      bus.on('avatar.clock', ({ clock }) => this.client?.clock(clock)),
      bus.watch('avatar.video', (on) => {
        this.framesWanted = on
        this.client?.reportFrames(on)
      }),
    ]
  }

  /** Draws the face inside `container` (its canvases belong to the worker from then on); returns the unmount. */
  mount(container: HTMLElement, target: FaceTarget): () => void {
    this.target = target
    this.shown = { avatarUrl: target.avatarUrl }
    const c = startAvatar(container, {
      avatarUrl: target.avatarUrl,
      onFallback: (s) => this.set({ status: { ...s, name: this.state.status?.name ?? '' } }),
      onCrash: (err) => this.set({ error: plainFaceError(err), status: undefined }),
      onRemote: (state, why) => this.set({ remote: { state, why } }),
      // The voice waits for a remote face's frames (the speaker applies it); the worker knows it already.
      onAudioDelay: (delayMs) => this.bus.emit('avatar.delay', { delayMs }),
      onFrame: (f) => this.bus.emit('avatar.video', { turnId: this.turnId, at: f.at, audioMs: f.audioMs, source: f.source }),
      onFirstFrame: (at) => this.turnId && this.bus.emit('turn.mark', { turnId: this.turnId, stage: 'firstFrame', at: at - performance.timeOrigin }),
    })
    this.client = c
    if (this.framesWanted) c.reportFrames(true)
    c.ready.then(
      (status) => {
        if (this.client !== c) return
        this.set({ status, error: undefined })
        c.setMood(this.mood)
        this.apply()
      },
      (err: unknown) => this.client === c && this.set({ error: plainFaceError(err) }),
    )
    return () => {
      if (this.client !== c) return
      this.client = null
      this.state = { remote: { state: 'off' } }
      this.bus.emit('avatar.delay', { delayMs: 0 })
      c.dispose()
    }
  }

  /** Which bundle to draw and which remote model to stream from. */
  configure(target: FaceTarget) {
    this.target = target
    if (this.state.status) this.apply()
  }

  setMood(mood: Mood) {
    if (mood === this.mood) return
    this.mood = mood
    this.client?.setMood(mood)
  }

  /** What the face can show — `neutral`, then its bundle's declared expressions — for the `set_expression` tool. */
  get expressions(): readonly Expression[] {
    return this.state.status?.expressions ?? ['neutral']
  }

  /**
   * The face eases into an expression (intensity 0…1), holds it a few seconds and fades back by
   * itself. Refused, with a plain reason, for one its bundle does not declare; `neutral` always goes.
   */
  setExpression(expression: Expression, intensity: number): { ok: true } | { ok: false; why: string } {
    if (!isExpression(expression)) return { ok: false, why: `"${String(expression)}" is not an expression (the face knows ${EXPRESSIONS.join(', ')})` }
    if (typeof intensity !== 'number' || !Number.isFinite(intensity)) return { ok: false, why: 'intensity must be a number from 0 to 1' }
    const status = this.state.status
    if (expression !== 'neutral') {
      if (!status || !this.client) return { ok: false, why: 'the face is not on screen yet' }
      if (!status.expressions.includes(expression)) return { ok: false, why: `${status.name || 'this avatar'} cannot look ${expression}; it shows ${status.expressions.join(', ')}` }
    }
    this.client?.setExpression(expression, Math.min(1, Math.max(0, intensity))).catch(() => {})
    return { ok: true }
  }

  /** The face's worker, for tools that look at frames (tests, the lab). */
  get avatar(): AvatarClient | null {
    return this.client
  }

  dispose() {
    for (const off of this.off) off()
  }

  private apply() {
    const c = this.client
    const t = this.target
    if (!c || !t) return
    if (this.shown.avatarUrl !== t.avatarUrl) {
      this.shown.avatarUrl = t.avatarUrl
      c.setAvatar(t.avatarUrl).then(
        (status) => this.set({ status, error: undefined }),
        (err: unknown) => this.set({ error: plainFaceError(err) }),
      )
    }
    const remote = t.remote ? `${t.remote.url}|${t.remote.protocols.join(',')}|${t.remote.maxDelayMs}` : null
    if (this.shown.remote !== remote) {
      this.shown.remote = remote
      void c.setRemote(t.remote ? { url: t.remote.url, protocols: t.remote.protocols, maxDelayMs: t.remote.maxDelayMs } : null).catch(() => {})
    }
  }

  private stopped(turnId: string) {
    if (!this.client) return
    this.client.flush()
    this.bus.emit('stage.stopped', { stage: 'avatar', turnId, at: performance.now() })
  }

  private set(patch: Partial<FaceState>) {
    this.state = { ...this.state, ...patch }
    this.changed()
  }
}

/** What the stage says when the face fails: a bundle's problem as the loader words it (it names the file and the fix), anything else in plain words. */
function plainFaceError(err: unknown): string {
  return plainStageError(err, 'avatar_', 'The face could not be drawn on this device. The conversation goes on without it; reload the page to try again.', 'face')
}
