/**
 * One browser's avatar session, `WS /api/v1/avatar/:model`: the browser speaks the native-shaped
 * protocol; this checks every message, then hands it to the model's backend — OmniRT's native
 * protocol, a model server's compat protocol, or the built-in mock — and hides the difference.
 * Runtime-free: sockets come in as `Peer`s, and backends are reached through `connect`.
 */
import type { AvatarSessionInfo } from '../contract.ts'
import type { Connect, Peer } from '../sockets.ts'
import { defaultAvatarLimits, frameCount, type AvatarLimits, type Backend, type BackendOutput } from './backend.ts'
import type { AvatarModel } from './config.ts'
import { MockBackend } from './mock-backend.ts'
import { CompatBackend } from './compat-backend.ts'
import { NativeBackend } from './native-backend.ts'
import { checkAudio, errorMessage, parseClientMessage, serverMessage, WireError } from './wire.ts'

export interface SessionDeps {
  connect: Connect
  /** Credentials the relay adds for OmniRT. */
  omnirtKey?: string
  limits?: Partial<AvatarLimits>
  log?(entry: Record<string, unknown>): void
}

export class AvatarSession {
  private state: 'new' | 'creating' | 'ready' | 'closed' = 'new'
  private backend: Backend | undefined
  private info: AvatarSessionInfo | undefined
  private readonly limits: AvatarLimits
  private idle: ReturnType<typeof setTimeout> | undefined
  private readonly lifetime: ReturnType<typeof setTimeout>
  droppedFrames = 0

  constructor(private readonly model: AvatarModel, private readonly deps: SessionDeps, private readonly client: Peer) {
    this.limits = { ...defaultAvatarLimits, ...deps.limits }
    this.lifetime = setTimeout(() => this.fail('session_time_limit', `An avatar session may last ${Math.round(this.limits.maxSessionMs / 60000)} minutes; start a new one.`), this.limits.maxSessionMs)
    this.touch()
  }

  /** A message from the browser. */
  onClientMessage(data: string | Uint8Array) {
    if (this.state === 'closed') return
    this.touch()
    try {
      if (typeof data !== 'string') {
        if (this.state !== 'ready') throw new WireError('session_required', 'Send session.create and wait for session.created before audio.')
        checkAudio(data, this.info!.audio.chunk_samples)
        this.backend!.audio(data)
        return
      }
      const m = parseClientMessage(data)
      switch (m.type) {
        case 'ping':
          return this.client.send(serverMessage({ type: 'pong' }))
        case 'session.create':
          if (this.state !== 'new') throw new WireError('session_exists', 'This connection already has a session.')
          this.state = 'creating'
          this.backend = this.makeBackend()
          this.backend.create(m).then(
            (info) => {
              if (this.state !== 'creating') return
              this.info = info
              this.state = 'ready'
              this.client.send(serverMessage({ type: 'session.created', ...info }))
            },
            (err: unknown) => {
              if (err instanceof WireError) return this.fail(err.code, err.message)
              // The detail (an address, a network error) goes to the log, not to the browser.
              this.deps.log?.({ level: 'warn', msg: 'avatar backend unreachable', model: this.model.id, error: (err as Error).message })
              this.fail('backend_unavailable', `The avatar server for "${this.model.id}" could not be reached. The relay's log says why.`)
            },
          )
          return
        case 'session.cancel':
          if (this.state !== 'ready') throw new WireError('session_required', 'There is no session to cancel.')
          return void this.backend!.cancel().catch((err: unknown) => {
            this.deps.log?.({ level: 'warn', msg: 'avatar backend lost at cancel', model: this.model.id, error: (err as Error).message })
            this.fail('backend_unavailable', 'The avatar server did not come back after a cancel.')
          })
        case 'session.close':
          this.client.send(serverMessage({ type: 'session.closed', session_id: this.info?.session_id ?? null }))
          return this.end(1000, 'closed')
      }
    } catch (err) {
      if (err instanceof WireError) this.client.send(errorMessage(err.code, err.message))
      else this.fail('internal_error', 'The relay could not handle that message.')
    }
  }

  /** The browser went away: end the backend's session too. */
  onClientClose() {
    this.end(1000, 'client closed')
  }

  private makeBackend(): Backend {
    const out: BackendOutput = {
      text: (text) => this.state !== 'closed' && this.client.send(text),
      video: (data) => {
        if (this.state === 'closed') return
        // A browser that does not keep up loses frames, not the relay's memory; it is told how many,
        // so its frame numbering and its count of answered chunks stay right.
        if (this.client.bufferedAmount > this.limits.maxClientBufferBytes) {
          const frames = frameCount(data)
          this.droppedFrames += frames
          return this.client.send(serverMessage({ type: 'video.dropped', frames }))
        }
        this.client.send(data)
      },
      fail: (code, message) => this.fail(code, message),
    }
    const { connect, omnirtKey } = this.deps
    if (this.model.backend === 'mock') return new MockBackend(out)
    if (this.model.backend === 'omnirt') return new NativeBackend(this.model, connect, omnirtKey ? { authorization: `Bearer ${omnirtKey}` } : {}, out, this.limits)
    return new CompatBackend(this.model, connect, {}, out, this.limits)
  }

  private touch() {
    clearTimeout(this.idle)
    this.idle = setTimeout(() => this.fail('idle_timeout', `No message for ${Math.round(this.limits.idleMs / 1000)} s: the session was closed.`), this.limits.idleMs)
  }

  /** Ends the session with a clear error for the browser. */
  private fail(code: string, message: string) {
    if (this.state === 'closed') return
    this.deps.log?.({ level: 'warn', msg: 'avatar session failed', model: this.model.id, code })
    this.client.send(errorMessage(code, message))
    this.end(1011, code)
  }

  private end(code: number, reason: string) {
    if (this.state === 'closed') return
    this.state = 'closed'
    clearTimeout(this.idle)
    clearTimeout(this.lifetime)
    this.backend?.close()
    this.client.close(code, reason)
  }
}
