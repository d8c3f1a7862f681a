import type { SpeechRecognizer } from '../engines/asr/asr.ts'
import { assertMicrophoneNotBlocked, listMicrophones, openMicrophone, type Microphone } from '../engines/capture/microphone.ts'
import { startVad, type VadClient } from '../engines/vad/client.ts'
import type { TurnModelStatus } from '../engines/vad/protocol.ts'
import type { Emitter } from '../lib/emitter.ts'
import { AppError, isAbort } from '../lib/errors.ts'
import { LevelSignal } from '../lib/level-signal.ts'
import type { StreamMap } from './streams.ts'

export type VoiceStatus = 'off' | 'starting' | 'listening' | 'hearing' | 'transcribing'

export interface VoiceOptions {
  deviceId: string | null
  pushToTalk: boolean
  /** Silence after speech before the turn ends (the VAD's redemption). */
  endOfSpeechMs: number
  /** Speakers (the avatar's voice comes back into the microphone), headphones, or find out. */
  audioOutput: 'auto' | 'speakers' | 'headphones'
}

/** Whether the end of a turn is judged by the turn model, and if not, why. */
export type TurnModelState = { status: 'loading' | 'ready' } | { status: 'off' | 'missing'; reason: string }

export interface VoiceState {
  status: VoiceStatus
  muted: boolean
  partial: string
  microphones: { deviceId: string; label: string }[]
  /** Sentences heard that no recognizer could turn into words yet: kept, and recognised once one can. */
  held: number
  turnModel: TurnModelState
}

type Recognizer = SpeechRecognizer & { load?(): Promise<void> }

/** What the turn model said of a pause: P(complete), and its time; null without a model (or when it failed). */
type Verdict = { probability: number | null; modelMs: number | null }
const NO_VERDICT: Verdict = { probability: null, modelMs: null }

/** Words recognised ahead, at a pause: or the failure, and by which recognizer (it is not asked twice for the same words). */
type Recognised = { text: string } | { error: unknown; by: Recognizer }

/** Sentences kept for a recognizer that is missing or failed: the latest few, not a recording of the hour. */
const MAX_HELD = 3

/** More VAD crashes than this within a minute: stop restarting and say so. */
const MAX_CRASHES_PER_MINUTE = 3

/**
 * The microphone → VAD worker → recognizer chain, as the session's voice-in stage. The audio path
 * never touches the main thread: only speech events and level readings arrive here. It publishes
 * `speech.*`, `human.audio` and `human.text`; segments are recognised one after another, in the
 * order spoken.
 */
export class VoiceInput {
  readonly level = new LevelSignal()
  state: VoiceState = { status: 'off', muted: false, partial: '', microphones: [], held: 0, turnModel: { status: 'off', reason: 'Not asked yet.' } }
  /** Where the turn model is served (it runs in the VAD worker, judging each short pause), or why none is used. */
  private turnModelSource: { url: string } | { reason: string } = { reason: 'Not asked yet.' }
  /** The pause the user is in, recognised ahead: its words become the segment's if nothing is said after it. */
  private ahead: { pause: number; words: Promise<Recognised> | null; abort: AbortController } | null = null
  /** The turn model's verdict awaited for a pause (it follows the pause's audio from the VAD worker). */
  private verdict: { pause: number; resolve: (v: Verdict) => void } | null = null
  /** Pauses recognised ahead; of them, words that became a turn's, and words the user went on past. */
  readonly pauses = { recognised: 0, reused: 0, discarded: 0 }
  private live: { mic: Microphone; vad: VadClient } | null = null
  /** Bumped by every start and stop: an older start that finishes late undoes itself. */
  private generation = 0
  private queue: Promise<void> = Promise.resolve()
  private pending = 0
  /** Aborted when listening stops: queued recognitions are dropped. */
  private listening = new AbortController()
  private crashes: number[] = []
  private current: Recognizer | null = null
  /** Heard but not recognised (no recognizer yet, or it failed): never dropped without a word. */
  private held: StreamMap['human.audio'][] = []
  /** An on-device model will load ONNX Runtime's WebGPU build anyway: the VAD runs on it too (one runtime, fetched once). */
  sharedRuntime = false
  /** Whether answers may be started at a pause: the words so far are recognised there then (else only for the turn model). */
  answersAhead: () => boolean = () => false

  constructor(
    private readonly bus: Emitter<StreamMap>,
    private options: VoiceOptions,
    /** State changed (for the session's snapshot). */
    private readonly changed: () => void,
    /** A problem the user should see. */
    private readonly fail: (err: unknown) => void,
  ) {
    // What the avatar says, and when it is heard: the VAD's echo gate keeps it from passing for the user.
    let reply: string | null = null
    bus.on('avatar.audio', (a) => {
      this.live?.vad.echoAudio(a.startMs, a.chunk.samples, a.chunk.sampleRate, a.turnId !== reply)
      reply = a.turnId
    })
    bus.on('avatar.clock', (c) => this.live?.vad.echoClock(c.clock))
  }

  get recognizer(): Recognizer | null {
    return this.current
  }

  /** Another recognizer (a model now allowed, the relay chosen): it loads if listening, and takes the sentences kept for it. */
  set recognizer(next: Recognizer | null) {
    if (next === this.current) return
    this.current = next
    if (!next || !this.live) return
    next.hear?.(this.live.mic.tapPort())
    const gen = this.generation
    next.load?.().catch((err: unknown) => this.generation === gen && this.fail(err))
    const held = this.held
    this.held = []
    this.set({ held: 0 })
    for (const segment of held) this.enqueue(segment)
  }

  private set(patch: Partial<VoiceState>) {
    this.state = { ...this.state, ...patch }
    this.changed()
  }

  get running() {
    return this.live !== null
  }

  /** A copy of the microphone's frames on a port of its own (the recorder takes one), or null while it is off. */
  tapMicrophone(): MessagePort | null {
    return this.live?.mic.tapPort() ?? null
  }

  async start() {
    if (this.live) return
    const gen = ++this.generation
    this.set({ status: 'starting' })
    let vad: VadClient | undefined
    let mic: Microphone | undefined
    try {
      // A microphone blocked before is said at once, not after the VAD has loaded.
      await assertMicrophoneNotBlocked()
      if (this.generation !== gen) return
      // The VAD first (and the turn model with it): the microphone's first words must find it listening.
      vad = await this.launchVad()
      if (this.generation !== gen) return vad.stop()
      mic = await openMicrophone({ deviceId: this.options.deviceId ?? undefined, onLevel: (l) => this.level.set(l.rms) })
      if (this.generation !== gen) {
        vad.stop()
        return void (await mic.stop())
      }
      await vad.attach(mic.framePort())
      vad.echoMode(this.options.audioOutput)
      this.live = { mic, vad }
      this.recognizer?.hear?.(mic.tapPort())
      this.set({ status: 'listening', muted: false })
      this.bus.emit('mic.opened', { at: performance.now() })
      // The speech model loads once the microphone is open (a denied one needs no model, and says so
      // alone); speech that comes first waits for it.
      this.recognizer?.load?.().catch((err: unknown) => this.generation === gen && this.fail(err))
    } catch (err) {
      vad?.stop()
      await mic?.stop().catch(() => {})
      if (this.generation === gen) {
        // This start is over: a model that fails to load for it later is no news to this user.
        this.generation++
        this.set({ status: 'off' })
        this.fail(err)
      }
      return
    }
    listMicrophones().then((microphones) => this.set({ microphones }), () => {})
  }

  async stop() {
    this.generation++
    const current = this.live
    this.live = null
    this.dropAhead()
    this.listening.abort()
    this.listening = new AbortController()
    this.pending = 0
    this.held = []
    this.set({ status: 'off', partial: '', held: 0 })
    this.level.set(0)
    if (!current) return
    this.bus.emit('speech.off', { at: performance.now() })
    current.vad.stop()
    await current.mic.stop()
  }

  setMuted(muted: boolean) {
    this.live?.mic.setMuted(muted)
    if (muted) {
      void this.live?.vad.reset()
      this.bus.emit('speech.off', { at: performance.now() })
    }
    this.set({ muted })
  }

  pushToTalk(pressed: boolean) {
    this.live?.vad.pushToTalk(pressed)
  }

  /** The turn is over at this pause (the turn model and the words say so): the segment ends now. */
  endAtPause(pause: number) {
    this.live?.vad.endAtPause(pause)
  }

  /** The turn model to use (loaded with the VAD), or why there is none. */
  setTurnModel(source: { url: string } | { reason: string }) {
    const before = this.turnModelSource
    this.turnModelSource = source
    if (JSON.stringify(before) === JSON.stringify(source)) return
    if (!this.live) return this.showTurnModel({ status: 'off' })
    const vad = this.live.vad
    this.set({ turnModel: 'url' in source ? { status: 'loading' } : { status: 'off', reason: source.reason } })
    void vad.setTurnModel('url' in source ? source.url : null).then((status) => this.live?.vad === vad && this.showTurnModel(status), () => {})
  }

  private get turnModelUrl(): string | null {
    return 'url' in this.turnModelSource ? this.turnModelSource.url : null
  }

  /** What the VAD worker says of the turn model, with the way out when there is none. */
  private showTurnModel(status: TurnModelStatus) {
    const source = this.turnModelSource
    if (status.status === 'ready') return this.set({ turnModel: { status: 'ready' } })
    if (status.status === 'missing') return this.set({ turnModel: { status: 'missing', reason: `${status.reason} The end-of-speech wait alone ends a turn.` } })
    this.set({ turnModel: { status: 'off', reason: 'reason' in source ? source.reason : 'Smart Turn loads with the microphone.' } })
  }

  /**
   * A short pause, judged by the turn model in the VAD worker (a turn it calls unfinished already
   * waits longer there): the words so far are recognised while it judges, and go out with its
   * verdict as `speech.paused` (unless the user went on meanwhile).
   */
  private onPause(e: { pause: number; startMs: number; endMs: number; audio: Float32Array; judged: boolean }) {
    this.dropAhead()
    const r = this.current
    const abort = new AbortController()
    const verdict = e.judged ? new Promise<Verdict>((resolve) => (this.verdict = { pause: e.pause, resolve })) : Promise.resolve(NO_VERDICT)
    // Words are wanted at a pause to answer ahead, or for the turn model's verdict to end the turn there;
    // not from a recognizer that is failing (sentences are kept for it), nor from one still busy with
    // earlier sentences (a model loading, a slow device): they would come too late to save anything.
    if (!r || this.held.length || this.pending > 0 || !(this.answersAhead() || this.state.turnModel.status === 'ready')) return void (this.ahead = { pause: e.pause, words: null, abort })
    const words: Promise<Recognised> = r.transcribe(e.audio.slice(), { signal: abort.signal }).then(
      (t) => ({ text: t.text }),
      (error: unknown) => ({ error, by: r }),
    )
    this.pauses.recognised++
    this.ahead = { pause: e.pause, words, abort }
    void Promise.all([words, verdict]).then(([w, v]) => {
      if (abort.signal.aborted || !('text' in w)) return
      this.bus.emit('speech.paused', { pause: e.pause, text: w.text, probability: v.probability, modelMs: v.modelMs, span: { startMs: e.startMs, endMs: e.endMs }, at: performance.now() })
    })
  }

  /** The turn model's verdict on the pause whose words are being recognised. */
  private onVerdict(v: { pause: number } & Verdict) {
    if (this.verdict?.pause !== v.pause) return
    this.verdict.resolve(v)
    this.verdict = null
  }

  /** The user went on (or stopped listening): the words recognised ahead are void. */
  private dropAhead() {
    if (!this.ahead) return
    this.ahead.abort.abort()
    if (this.ahead.words) this.pauses.discarded++
    this.ahead = null
  }

  /** New settings: the end-of-speech delay and push-to-talk change in place; another microphone restarts the chain. */
  configure(options: VoiceOptions) {
    const before = this.options
    this.options = options
    if (!this.live) return
    if (before.audioOutput !== options.audioOutput) this.live.vad.echoMode(options.audioOutput)
    if (before.deviceId !== options.deviceId) void this.stop().then(() => this.start())
    else if (before.endOfSpeechMs !== options.endOfSpeechMs || before.pushToTalk !== options.pushToTalk) {
      void this.live.vad.configure({ redemptionMs: options.endOfSpeechMs }, !options.pushToTalk)
    }
  }

  private recognize(segment: StreamMap['human.audio'], known?: Promise<Recognised>) {
    // Sentences kept from before go first, in the order spoken, whenever there is a recognizer to try.
    if (this.held.length && this.current) {
      const kept = this.held
      this.held = []
      this.set({ held: 0 })
      for (const k of kept) this.enqueue(k)
    }
    this.enqueue(segment, known)
  }

  /** `known`: the words were recognised ahead, at the pause the segment ended in (no second recognition). */
  private enqueue(segment: StreamMap['human.audio'], known?: Promise<Recognised>) {
    const { signal } = this.listening
    this.pending++
    this.set({ status: 'transcribing' })
    this.queue = this.queue.then(async () => {
      const r = this.current
      try {
        if (signal.aborted) return
        const ahead = known ? await known : null
        // The recognizer already failed on these words (at the pause): once is enough, it goes where failures go.
        if (ahead && 'error' in ahead && ahead.by === r) throw ahead.error
        if (!(ahead && 'text' in ahead) && !r) return this.hold(segment)
        // A copy: a recognizer may transfer its input to a worker, and a kept sentence needs its audio for the next try.
        const { text } = ahead && 'text' in ahead ? ahead : await r!.transcribe(segment.samples.slice(), { signal, onPartial: (t) => !signal.aborted && this.onPartial(t, segment) })
        if (signal.aborted) return
        if (text) this.bus.emit('human.text', { text, final: true, source: 'speech', span: { startMs: segment.startMs, endMs: segment.endMs }, at: performance.now() })
        else this.bus.emit('speech.no-words', { at: performance.now() })
      } catch (err) {
        if (!isAbort(err) && !signal.aborted) {
          this.fail(err)
          if (r === this.current) this.hold(segment)
          else this.enqueue(segment) // the recognizer changed meanwhile: the new one tries
          this.bus.emit('speech.no-words', { at: performance.now() }) // a paused answer must not wait for words that won't come
        }
      } finally {
        if (!signal.aborted) {
          const idle = --this.pending === 0 && this.live !== null && this.state.status === 'transcribing'
          this.set({ partial: '', ...(idle && { status: 'listening' as const }) })
        }
      }
    })
  }

  private hold(segment: StreamMap['human.audio']) {
    this.held = [...this.held, segment].slice(-MAX_HELD)
    this.set({ held: this.held.length })
  }

  private onPartial(text: string, segment: StreamMap['human.audio']) {
    this.set({ partial: text })
    this.bus.emit('human.text', { text, final: false, source: 'speech', span: { startMs: segment.startMs, endMs: segment.endMs }, at: performance.now() })
  }

  /** Starts a VAD worker with the current settings and wires its events. */
  private async launchVad(): Promise<VadClient> {
    if (this.turnModelUrl) this.set({ turnModel: { status: 'loading' } })
    const vad = await startVad({ redemptionMs: this.options.endOfSpeechMs }, !this.options.pushToTalk, this.sharedRuntime ? 'shared' : 'wasm', this.turnModelUrl)
    this.showTurnModel(vad.turn)
    vad.on('speech-onset', () => this.bus.emit('speech.onset', { at: performance.now() }))
    vad.on('onset-lost', () => this.bus.emit('speech.onset-lost', { at: performance.now() }))
    vad.on('speech-start', () => {
      this.dropAhead()
      this.set({ status: 'hearing' })
      this.bus.emit('speech.started', { at: performance.now() })
    })
    vad.on('speech-pause', (e) => this.onPause(e))
    vad.on('turn-verdict', (e) => this.onVerdict(e))
    vad.on('speech-continued', (e) => {
      if (this.ahead?.pause !== e.pause) return
      this.dropAhead()
      this.bus.emit('speech.continued', { pause: e.pause, at: performance.now() })
    })
    vad.on('misfire', () => {
      if (this.state.status === 'hearing') this.set({ status: this.pending ? 'transcribing' : 'listening' })
      this.bus.emit('speech.misfire', { at: performance.now() })
    })
    vad.on('speech-end', (e) => {
      const segment = { samples: e.audio, startMs: e.startMs, endMs: e.endMs, at: performance.now(), detectedMs: e.detectedAtMs }
      // Ended in the pause recognised ahead, nothing said since: those words are the segment's.
      const known = e.pause !== undefined && this.ahead?.pause === e.pause ? (this.ahead.words ?? undefined) : undefined
      if (known) {
        this.pauses.reused++
        this.ahead = null
      } else this.dropAhead()
      this.bus.emit('speech.ended', { at: segment.at })
      this.bus.emit('human.audio', segment)
      this.recognize(segment, known)
    })
    vad.on('error', (e) => this.fail(new AppError(e.code, e.message)))
    vad.on('crash', (err) => void this.restartVad(vad, err))
    return vad
  }

  /** A crashed VAD worker is replaced; the microphone and queued recognitions carry on. */
  private async restartVad(crashed: VadClient, err: AppError) {
    const current = this.live
    if (!current || current.vad !== crashed) return
    const now = Date.now()
    this.crashes = [...this.crashes.filter((t) => now - t < 60_000), now]
    if (this.crashes.length > MAX_CRASHES_PER_MINUTE) {
      await this.stop()
      this.fail(new AppError('worker_crashed', `${err.message} It keeps failing, so listening was turned off. Reload the page to try again.`))
      return
    }
    // Said at once, not after the restart: loading a new worker can take seconds on a busy machine.
    this.fail(new AppError('worker_crashed', `${err.message} Restarting it…`))
    const gen = this.generation
    try {
      const vad = await this.launchVad()
      if (this.generation !== gen || this.live !== current) return vad.stop()
      await vad.attach(current.mic.framePort())
      vad.echoMode(this.options.audioOutput)
      current.vad = vad
      this.bus.emit('speech.off', { at: performance.now() }) // a segment in progress died with the old worker
      this.fail(new AppError('worker_crashed', `${err.message} It was restarted and is listening again.`))
    } catch (restartError) {
      await this.stop()
      this.fail(restartError)
    }
  }
}
