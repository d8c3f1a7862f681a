/**
 * Gapless playback of the reply, sentence by sentence, on one AudioContext — and the clock the
 * rest of the app follows (the avatar's mouth, barge-in truncation): where in which sentence the
 * listener is, in samples actually played.
 *
 * The voice goes out through a MediaStream into an <audio> element rather than straight to the
 * speakers, so that on speakers it can be sent through a peer-connection loopback first: only then
 * does Chromium's echo canceller remove it from the microphone (echo-loopback.ts). Either way the
 * VAD's echo gate is given the voice and this clock, and keeps it from passing for the user's.
 */
import type { ReplyClock, SpeechChunk } from '../media.ts'
import { type EchoLoopback, openEchoLoopback } from './echo-loopback.ts'

export type { ReplyClock } from '../media.ts'
/** A sentence to play (engines/media.ts). */
export type Spoken = SpeechChunk

interface Scheduled extends Spoken {
  source: AudioBufferSourceNode
  /** AudioContext time at which it starts and ends. */
  start: number
  end: number
}

/** How long the voice takes to fade out on barge-in: short, but not a click. */
const FADE_OUT = 0.005

export interface PlaybackEvents {
  /** The first sample of the reply is playing; `at` is when it reached the speakers (performance time). */
  audible?(at: number): void
  /** Everything queued has played and the reply said it had no more. */
  ended?(): void
  /** Output level (0…1) about 30 times a second while playing, for the face and the meter. */
  level?(rms: number): void
  /** A sentence was scheduled `startMs` into the reply's audio (the face lines its mouth up with it). */
  scheduled?(spoken: Spoken, startMs: number): void
  /** The reply said it has no more sentences (a remote avatar sends its last audio now). */
  lastSentence?(): void
  /** The clock changed course (started, paused, resumed, stopped), and 4 times a second while playing. */
  clock?(clock: ReplyClock): void
}


export class Playback {
  private readonly context: AudioContext
  private readonly gain: GainNode
  private readonly analyser: AnalyserNode
  private readonly element: HTMLAudioElement
  /** The voice as made (Web Audio); and, on speakers, the same through the echo loopback. */
  private readonly voice: MediaStream
  private loopback: EchoLoopback | null = null
  private loopbackWanted = false
  private queue: Scheduled[] = []
  /** Every piece of this reply's audio as scheduled (context times), played or not. */
  private spans: { start: number; end: number }[] = []
  private finished = false
  private heardBefore = ''
  private audibleSent = false
  private levelTimer: ReturnType<typeof setInterval> | undefined
  private volume = 1
  private ducked = false
  private paused = false
  /** Context time the reply's first sentence started. */
  private replyStart: number | undefined
  /** A sentence starts no sooner than this after it is queued (s): time for a remote face's frames. */
  private delay = 0

  constructor(private readonly events: PlaybackEvents = {}) {
    this.context = new AudioContext({ latencyHint: 'interactive' })
    this.gain = this.context.createGain()
    this.analyser = this.context.createAnalyser()
    this.analyser.fftSize = 512
    const out = this.context.createMediaStreamDestination()
    this.gain.connect(this.analyser)
    this.analyser.connect(out)
    this.voice = out.stream
    this.element = new Audio()
    this.element.srcObject = out.stream
    this.element.autoplay = true
  }

  /**
   * On speakers: the voice plays through a peer-connection loopback, so that Chromium's echo
   * canceller removes it from the microphone (see echo-loopback.ts). Off: played as made. A
   * loopback that cannot connect leaves the voice as it was (the VAD's echo gate still works).
   */
  async setEchoLoopback(on: boolean): Promise<void> {
    // Every settings change asks again: only a change of course does anything.
    if (on === this.loopbackWanted) return
    this.loopbackWanted = on
    if (on && !this.loopback && typeof RTCPeerConnection === 'function') {
      const loop = await openEchoLoopback(this.voice).catch((err: unknown) => {
        console.warn('[playback] echo loopback unavailable:', err instanceof Error ? err.message : err)
        return null
      })
      if (!loop || !this.loopbackWanted || this.loopback) return loop?.close()
      this.loopback = loop
      this.element.srcObject = loop.stream
    } else if (!on && this.loopback) {
      this.loopback.close()
      this.loopback = null
      this.element.srcObject = this.voice
    }
    await this.element.play().catch(() => {})
    this.events.clock?.(this.clockNow())
  }

  /** The loopback's state for the session log: null when the voice plays as made. */
  get echoLoopback(): { latencyMs: number; receivedEnergy: number } | null {
    return this.loopback && { latencyMs: Math.round(this.loopback.latencyMs), receivedEnergy: this.loopback.receivedEnergy }
  }

  /** What stands between the context's clock and the listener (s): the output, and the loopback. */
  private latency(): number {
    return (this.context.outputLatency || 0) + (this.context.baseLatency || 0) + (this.loopback?.latencyMs ?? 0) / 1000
  }

  /** Browsers start audio only after a user gesture: call from a click or key handler. */
  async unlock() {
    // Only a context that has never run: resuming a barge-in pause is the turn machine's call.
    if (this.context.state === 'suspended' && !this.started) await this.setRunning(true)
    this.started = true
    await this.element.play().catch(() => {})
  }

  private started = false

  /**
   * Holds the voice back by `ms` (a remote face's frames take that long to come): a sentence
   * queued when nothing is playing starts that much later, one queued behind another still
   * right after it. The clock then reads negative until the reply is heard.
   */
  setAudioDelay(ms: number) {
    this.delay = Math.max(0, ms) / 1000
  }

  /**
   * Queues a sentence right after the previous one, or now (or after the audio delay): a start
   * time already past plays at once from its first sample, so no safety margin is needed.
   */
  enqueue(spoken: Spoken) {
    const buffer = this.context.createBuffer(1, spoken.samples.length, spoken.sampleRate)
    buffer.copyToChannel(spoken.samples as Float32Array<ArrayBuffer>, 0)
    const source = this.context.createBufferSource()
    source.buffer = buffer
    source.connect(this.gain)
    const start = Math.max(this.context.currentTime + this.delay, this.queue.at(-1)?.end ?? 0)
    this.replyStart ??= start
    const item: Scheduled = { ...spoken, source, start, end: start + buffer.duration }
    source.onended = () => this.onEnded(item)
    source.start(start)
    this.queue.push(item)
    this.spans.push({ start, end: item.end })
    this.watch()
    this.events.scheduled?.(spoken, (start - this.replyStart) * 1000)
    this.events.clock?.(this.clockNow())
  }

  /** The reply will add no more sentences: `ended` fires when the queue has played. */
  finish() {
    this.finished = true
    this.events.lastSentence?.()
    if (!this.queue.length) this.complete()
  }

  /**
   * Barge-in: silence now, keeping the place. The voice fades out within a few milliseconds at
   * once; then the context is suspended, which stops its clock with it (suspending alone takes tens
   * of milliseconds to reach the audio thread). Pauses and resumes are applied in the order asked,
   * whatever state the context reports meanwhile. Resolves with the moment the listener stopped
   * hearing the voice (performance time).
   */
  pause(): Promise<number> {
    this.paused = true
    const now = this.context.currentTime
    const gain = this.gain.gain
    gain.cancelScheduledValues(now)
    gain.setValueAtTime(gain.value, now)
    gain.linearRampToValueAtTime(0, now + FADE_OUT)
    const silentAt = this.performanceTimeOf(now + FADE_OUT)
    return this.setRunning(false).then(() => {
      this.events.clock?.(this.clockNow())
      return silentAt
    })
  }

  resume(): Promise<void> {
    this.paused = false
    return this.setRunning(true).then(() => {
      if (!this.paused) this.applyGain(0.01)
      this.events.clock?.(this.clockNow())
    })
  }

  private transitions: Promise<void> = Promise.resolve()
  private setRunning(run: boolean): Promise<void> {
    this.transitions = this.transitions.then(() => (run ? this.context.resume() : this.context.suspend())).catch(() => {})
    return this.transitions
  }

  /** Drops everything queued; returns the text the listener actually heard. */
  cancel(): string {
    const heard = this.heardText()
    for (const item of this.queue) {
      item.source.onended = null
      try {
        item.source.stop()
      } catch {
        // never started
      }
    }
    this.reset()
    void this.resume()
    return heard
  }

  /** Starts a new reply: forget what the last one said. */
  reset() {
    this.queue = []
    this.spans = []
    this.finished = false
    this.heardBefore = ''
    this.audibleSent = false
    this.replyStart = undefined
    this.stopWatching()
    this.events.clock?.(this.clockNow())
  }

  /**
   * The reply's clock as heard at the speakers: the context's own time, less the output's
   * latency. (Its output timestamps lag by tens of milliseconds just after a start in Chromium;
   * `currentTime` does not, and moves in 128-sample steps.)
   */
  clockNow(): ReplyClock {
    const at = performance.timeOrigin + performance.now()
    if (this.replyStart === undefined) return { at, audioMs: 0, playing: false }
    const raw = (this.context.currentTime - this.replyStart - this.latency()) * 1000
    // While a held-back voice has not begun, the clock says how far off it is (the face waits).
    const audioMs = this.delay > 0 ? raw : Math.max(0, raw)
    return { at, audioMs, playing: this.context.state === 'running' && !this.paused }
  }

  /**
   * How much of the reply's audio the listener has heard (ms of audio, not of time): the clock
   * counts a gap where the voice ran dry (audio streaming in slower than it plays), this does not.
   */
  heardAudioMs(): number {
    const now = this.context.currentTime - this.latency()
    return this.spans.reduce((ms, s) => ms + Math.max(0, Math.min(now, s.end) - s.start) * 1000, 0)
  }

  setVolume(volume: number) {
    this.volume = volume
    if (!this.paused) this.applyGain(0.02)
  }

  /** Lowers the voice while the user speaks (and restores it). */
  duck(on: boolean) {
    this.ducked = on
    if (!this.paused) this.applyGain(0.03)
  }

  /** Glides the gain to what volume, ducking and pausing call for. */
  private applyGain(timeConstant: number) {
    const target = this.paused ? 0 : this.ducked ? this.volume * 0.3 : this.volume
    const now = this.context.currentTime
    this.gain.gain.cancelScheduledValues(now)
    this.gain.gain.setTargetAtTime(target, now, timeConstant)
  }

  /** Where playback is: seconds into the reply's audio, and the sentence being spoken. */
  get clock(): { seconds: number; playing: boolean } {
    const now = this.context.currentTime
    return { seconds: this.replyStart === undefined ? 0 : Math.max(0, now - this.replyStart), playing: this.queue.some((q) => now >= q.start && now < q.end) }
  }

  /**
   * What the listener has heard of the reply: finished sentences whole, and of the sentence
   * playing, the share of its words that has played. Used to truncate history on barge-in.
   */
  heardText(): string {
    const now = this.context.currentTime
    const parts = this.heardBefore ? [this.heardBefore] : []
    for (const item of this.queue) {
      if (now >= item.end) parts.push(item.text)
      else if (now > item.start) {
        const words = item.text.split(/\s+/)
        const share = (now - item.start) / (item.end - item.start)
        const n = Math.floor(words.length * share)
        if (n > 0) parts.push(`${words.slice(0, n).join(' ')}…`)
      }
    }
    return parts.join(' ').trim()
  }

  async close() {
    this.stopWatching()
    this.loopbackWanted = false // a loopback still connecting closes itself when it is done
    this.loopback?.close()
    this.loopback = null
    this.element.srcObject = null
    await this.context.close()
  }

  private onEnded(item: Scheduled) {
    const at = this.queue.indexOf(item)
    if (at < 0) return
    this.heardBefore = [this.heardBefore, ...this.queue.slice(0, at + 1).map((q) => q.text)].filter(Boolean).join(' ')
    this.queue = this.queue.slice(at + 1)
    if (!this.queue.length && this.finished) this.complete()
  }

  private complete() {
    this.stopWatching()
    this.events.clock?.({ ...this.clockNow(), playing: false })
    this.events.level?.(0)
    this.events.ended?.()
    this.finished = false
  }

  /** While audio is queued: report when it becomes audible, and the output level. */
  private watch() {
    if (this.levelTimer) return
    const data = new Float32Array(this.analyser.fftSize)
    let ticks = 0
    this.levelTimer = setInterval(() => {
      const first = this.queue[0]
      if (!this.audibleSent && first && this.context.currentTime >= first.start) {
        this.audibleSent = true
        this.events.audible?.(this.performanceTimeOf(first.start))
        // The output's timestamps are trustworthy once it is playing: resynchronise the clock.
        this.events.clock?.(this.clockNow())
      }
      if (++ticks % 8 === 0) this.events.clock?.(this.clockNow())
      this.analyser.getFloatTimeDomainData(data)
      let sum = 0
      for (let i = 0; i < data.length; i++) sum += data[i]! * data[i]!
      this.events.level?.(Math.sqrt(sum / data.length))
    }, 33)
  }

  /**
   * When a moment on the context's clock is (or was) heard, in performance time: the output
   * timestamp accounts for the output device's latency. The level watch notices a start only at its
   * next tick; this gives the latency log the true moment.
   */
  private performanceTimeOf(contextTime: number): number {
    const out = this.context.getOutputTimestamp()
    const loop = this.loopback?.latencyMs ?? 0
    if (!out.performanceTime || out.contextTime === undefined) return performance.now() - (this.context.currentTime - contextTime) * 1000 + loop
    return out.performanceTime + (contextTime - out.contextTime) * 1000 + loop
  }

  private stopWatching() {
    clearInterval(this.levelTimer)
    this.levelTimer = undefined
  }
}
