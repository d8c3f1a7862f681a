import { Playback } from '../engines/playback/playback.ts'
import type { SpeechSynthesizer } from '../engines/tts/tts.ts'
import type { Emitter } from '../lib/emitter.ts'
import { LevelSignal } from '../lib/level-signal.ts'
import { HeldPlayback } from './held-playback.ts'
import { SpokenReply } from './spoken-reply.ts'
import type { StreamMap } from './streams.ts'

export type Synthesizer = SpeechSynthesizer & { load?(): Promise<void> }

/**
 * The voice-out stage: `avatar.text` → sentences → the synthesizer → playback, which it owns and
 * which is the session's master clock. Publishes `avatar.audio` (each sentence as scheduled),
 * `avatar.clock`, `turn.audible` and `turn.done`. Honours the turn's abort: synthesis stops and
 * playback drops what it holds.
 */
export class Speaker {
  readonly level = new LevelSignal()
  synth: Synthesizer | null = null
  private playback: Playback | null = null
  /** `ahead`: its text comes from `prepare`'s feed, not the bus (it was made before it was the turn). */
  private reply: { turnId: string; spoken: SpokenReply | null; signal: AbortSignal; direct: boolean; ahead?: boolean } | null = null
  /** An answer's voice made ahead of its turn, held until the turn starts. */
  private ahead: { turnId: string; spoken: SpokenReply; held: HeldPlayback } | null = null
  /** The agent speaks for itself (a Realtime model): no synthesizer, but audio to play all the same. */
  agentVoice = false
  /** Where the listener was in the last stopped reply (ms of its audio), asked after the stop. */
  private stoppedAt: { turnId: string; ms: number } | null = null
  private volume = 1
  /** How long a reply's voice waits for the face (a remote face's frames). */
  private audioDelayMs = 0
  private loopback = false
  private readonly off: (() => void)[]

  constructor(
    private readonly bus: Emitter<StreamMap>,
    private readonly fail: (err: unknown) => void,
  ) {
    this.off = [
      bus.on('turn.started', (t) => (this.ahead?.turnId === t.turnId ? this.adopt(t.signal) : this.begin(t.turnId, t.signal))),
      bus.on('avatar.text', (d) => {
        const reply = this.current(d.turnId)
        if (reply && !reply.ahead) reply.spoken?.push(d.delta)
      }),
      bus.on('avatar.voice', (v) => this.direct(v.turnId, v.chunk)),
      bus.on('turn.written', (w) => this.written(w.turnId, w.ok)),
      bus.on('turn.paused', (t) => this.current(t.turnId) && void this.playback?.pause()),
      bus.on('turn.resumed', (t) => this.current(t.turnId) && void this.playback?.resume()),
      // The avatar's voice ducks while the user speaks.
      bus.on('speech.started', () => this.playback?.duck(true)),
      bus.on('speech.ended', () => this.playback?.duck(false)),
      bus.on('speech.misfire', () => this.playback?.duck(false)),
      bus.on('speech.off', () => this.playback?.duck(false)),
      bus.on('avatar.delay', ({ delayMs }) => {
        this.audioDelayMs = delayMs
        this.playback?.setAudioDelay(delayMs)
      }),
    ]
  }

  /** What the listener has heard of the reply so far, or null when nothing of it was spoken. */
  heard(turnId: string): string | null {
    const reply = this.current(turnId)
    return (reply?.spoken || reply?.direct) && this.playback ? this.playback.heardText() : null
  }

  /** How far into the reply's audio the listener got (ms), also once it was stopped; null when nothing of it played. */
  heardMs(turnId: string): number | null {
    if (this.stoppedAt?.turnId === turnId) return this.stoppedAt.ms
    const reply = this.current(turnId)
    return (reply?.spoken || reply?.direct) && this.playback ? this.playback.heardAudioMs() : null
  }

  /**
   * Call from a user gesture (send, the mic button): browsers start audio only after one. An
   * on-device voice starts loading then too, so the first answer does not wait for it.
   */
  unlock() {
    if (this.agentVoice) return void this.player().unlock()
    if (!this.synth) return
    void this.player().unlock()
    this.synth.load?.().catch((err: unknown) => this.fail(err))
  }

  /** How fast answers are spoken (1 normal), from the next sentence on. */
  rate = 1

  setVolume(volume: number) {
    this.volume = volume
    this.playback?.setVolume(volume)
  }

  /** On speakers the voice goes through the echo loopback (Chromium's echo canceller then removes it). */
  setEchoLoopback(on: boolean) {
    this.loopback = on
    void this.playback?.setEchoLoopback(on)
  }

  /** The loopback's latency and what it carried, for the session log; null when off. */
  get echoLoopback() {
    return this.playback?.echoLoopback ?? null
  }

  dispose() {
    for (const off of this.off) off()
    void this.playback?.close()
  }

  private current(turnId: string) {
    return this.reply?.turnId === turnId ? this.reply : undefined
  }

  /**
   * An answer's voice, made ahead of its turn: its sentences are synthesised as its text is fed,
   * and held; when its `turn.started` comes, they play. `mark` takes its latency marks (held with
   * the rest of the answer). Returns the feed, or null without a voice to make.
   */
  prepare(turnId: string, signal: AbortSignal, mark: (stage: 'firstSentence' | 'ttsFirstAudio') => void, onSentence: () => void): ((delta: string) => void) | null {
    if (!this.synth || this.agentVoice) return null
    const held = new HeldPlayback()
    const voice = () => this.synth
    const counted = () => {
      onSentence()
      return voice()
    }
    const onError = (err: unknown) => {
      this.fail(err)
      if (this.reply?.turnId === turnId) this.done(turnId)
    }
    const spoken = new SpokenReply(counted, held, signal, onError, mark, () => this.rate)
    const ahead = { turnId, spoken, held }
    this.ahead = ahead
    signal.addEventListener('abort', () => this.ahead === ahead && (this.ahead = null), { once: true })
    return (delta) => spoken.push(delta)
  }

  /** The answer made ahead is the turn now: what it made plays, and the rest follows. */
  private adopt(signal: AbortSignal) {
    const { turnId, spoken, held } = this.ahead!
    this.ahead = null
    const playback = this.player()
    this.own({ turnId, spoken, signal, direct: false, ahead: true })
    held.release(playback)
  }

  private begin(turnId: string, signal: AbortSignal) {
    const synth = this.synth
    const mark = (stage: 'firstSentence' | 'ttsFirstAudio') => this.bus.emit('turn.mark', { turnId, stage, at: performance.now() })
    const onError = (err: unknown) => {
      this.fail(err)
      this.done(turnId)
    }
    const spoken = synth ? new SpokenReply(() => this.synth, this.player(), signal, onError, mark, () => this.rate) : null
    this.own({ turnId, spoken, signal, direct: false })
  }

  /** This reply is the one playing; its turn's abort stops it. */
  private own(reply: NonNullable<Speaker['reply']>) {
    const { turnId, signal } = reply
    const spoken = reply.spoken
    this.reply = reply
    signal.addEventListener(
      'abort',
      () => {
        if (this.reply !== reply) return
        this.reply = null
        if (!spoken && !reply.direct) return
        // Before the queue goes: a model that spoke for itself is told where to cut its answer.
        if (this.playback) this.stoppedAt = { turnId, ms: this.playback.heardAudioMs() }
        this.playback?.cancel()
        const at = performance.now()
        this.bus.emit('stage.stopped', { stage: 'tts', turnId, at })
        this.bus.emit('stage.stopped', { stage: 'playback', turnId, at })
      },
      { once: true },
    )
  }

  /** A piece of the answer's voice that came with it: played right after the last one. */
  private direct(turnId: string, chunk: StreamMap['avatar.voice']['chunk']) {
    const reply = this.current(turnId)
    if (!reply || reply.spoken || reply.signal.aborted) return
    const playback = this.player()
    if (!reply.direct) {
      reply.direct = true
      playback.reset()
      this.bus.emit('turn.mark', { turnId, stage: 'ttsFirstAudio', at: performance.now() })
    }
    playback.enqueue(chunk)
  }

  private written(turnId: string, ok: boolean) {
    const reply = this.current(turnId)
    if (!reply) return
    if (reply.direct) return ok || !reply.signal.aborted ? this.playback!.finish() : this.done(turnId)
    // A model that failed mid-answer: what it wrote is still said (its audio may be queued);
    // playback reports the end. Without a voice, the written answer is the whole reply.
    if (reply.spoken && (ok || !reply.signal.aborted)) reply.spoken.end()
    else this.done(turnId)
  }

  private done(turnId: string) {
    if (this.reply?.turnId === turnId) this.reply = null
    this.bus.emit('turn.done', { turnId })
  }

  private player(): Playback {
    if (this.playback) return this.playback
    const turnId = () => this.reply?.turnId ?? null
    this.playback = new Playback({
      audible: (at) => {
        const id = turnId()
        if (!id) return
        this.bus.emit('turn.mark', { turnId: id, stage: 'playbackStart', at })
        this.bus.emit('turn.audible', { turnId: id, at })
      },
      ended: () => {
        const id = turnId()
        if (!id) return
        this.bus.emit('turn.mark', { turnId: id, stage: 'playbackEnd', at: performance.now() })
        this.done(id)
      },
      level: (l) => this.level.set(l),
      scheduled: (chunk, startMs) => {
        const id = turnId()
        if (id) this.bus.emit('avatar.audio', { turnId: id, chunk, startMs })
      },
      lastSentence: () => {
        const id = turnId()
        if (id) this.bus.emit('avatar.audio.end', { turnId: id })
      },
      clock: (clock) => this.bus.emit('avatar.clock', { turnId: turnId(), clock }),
    })
    this.playback.setVolume(this.volume)
    this.playback.setAudioDelay(this.audioDelayMs)
    if (this.loopback) void this.playback.setEchoLoopback(true)
    return this.playback
  }
}
