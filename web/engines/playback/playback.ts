/**
 * Gapless playback of the reply, sentence by sentence, on one AudioContext — and the clock the
 * rest of the app follows (the avatar's mouth, barge-in truncation): where in which sentence the
 * listener is, in samples actually played.
 *
 * The voice goes out through a MediaStream into an <audio> element rather than straight to the
 * speakers: Chromium's echo canceller then knows it as output and removes it from the microphone,
 * so the VAD does not take the avatar's own voice for the user's.
 */
export interface Spoken {
  /** The sentence as written (what the transcript shows). */
  text: string
  samples: Float32Array
  sampleRate: number
}

interface Scheduled extends Spoken {
  source: AudioBufferSourceNode
  /** AudioContext time at which it starts and ends. */
  start: number
  end: number
}

export interface PlaybackEvents {
  /** The first sample of the reply is playing. */
  audible?(): void
  /** Everything queued has played and the reply said it had no more. */
  ended?(): void
  /** Output level (0…1) about 30 times a second while playing, for the face and the meter. */
  level?(rms: number): void
}

export class Playback {
  private readonly context: AudioContext
  private readonly gain: GainNode
  private readonly analyser: AnalyserNode
  private readonly element: HTMLAudioElement
  private queue: Scheduled[] = []
  private finished = false
  private heardBefore = ''
  private audibleSent = false
  private levelTimer: ReturnType<typeof setInterval> | undefined
  private volume = 1
  /** Context time the reply's first sentence started. */
  private replyStart: number | undefined

  constructor(private readonly events: PlaybackEvents = {}) {
    this.context = new AudioContext({ latencyHint: 'interactive' })
    this.gain = this.context.createGain()
    this.analyser = this.context.createAnalyser()
    this.analyser.fftSize = 512
    const out = this.context.createMediaStreamDestination()
    this.gain.connect(this.analyser)
    this.analyser.connect(out)
    this.element = new Audio()
    this.element.srcObject = out.stream
    this.element.autoplay = true
  }

  /** Browsers start audio only after a user gesture: call from a click or key handler. */
  async unlock() {
    // Only a context that has never run: resuming a barge-in pause is the turn machine's call.
    if (this.context.state === 'suspended' && !this.started) await this.resume()
    this.started = true
    await this.element.play().catch(() => {})
  }

  private started = false

  /** Queues a sentence right after the previous one (or now, plus a small safety margin). */
  enqueue(spoken: Spoken) {
    const buffer = this.context.createBuffer(1, spoken.samples.length, spoken.sampleRate)
    buffer.copyToChannel(spoken.samples as Float32Array<ArrayBuffer>, 0)
    const source = this.context.createBufferSource()
    source.buffer = buffer
    source.connect(this.gain)
    const start = Math.max(this.context.currentTime + 0.02, this.queue.at(-1)?.end ?? 0)
    this.replyStart ??= start
    const item: Scheduled = { ...spoken, source, start, end: start + buffer.duration }
    source.onended = () => this.onEnded(item)
    source.start(start)
    this.queue.push(item)
    this.watch()
  }

  /** The reply will add no more sentences: `ended` fires when the queue has played. */
  finish() {
    this.finished = true
    if (!this.queue.length) this.complete()
  }

  /**
   * Barge-in: silence now, keeping the place (the context's clock stops with it). Pauses and
   * resumes are applied in the order asked, whatever state the context reports meanwhile.
   */
  pause(): Promise<void> {
    return this.setRunning(false)
  }

  resume(): Promise<void> {
    return this.setRunning(true)
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
    this.finished = false
    this.heardBefore = ''
    this.audibleSent = false
    this.replyStart = undefined
    this.stopWatching()
  }

  setVolume(volume: number) {
    this.volume = volume
    this.gain.gain.setTargetAtTime(volume, this.context.currentTime, 0.02)
  }

  /** Lowers the voice while the user speaks (and restores it). */
  duck(on: boolean) {
    this.gain.gain.setTargetAtTime(on ? this.volume * 0.3 : this.volume, this.context.currentTime, 0.03)
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
    this.events.level?.(0)
    this.events.ended?.()
    this.finished = false
  }

  /** While audio is queued: report when it becomes audible, and the output level. */
  private watch() {
    if (this.levelTimer) return
    const data = new Float32Array(this.analyser.fftSize)
    this.levelTimer = setInterval(() => {
      const first = this.queue[0]
      if (!this.audibleSent && first && this.context.currentTime >= first.start) {
        this.audibleSent = true
        this.events.audible?.()
      }
      this.analyser.getFloatTimeDomainData(data)
      let sum = 0
      for (let i = 0; i < data.length; i++) sum += data[i]! * data[i]!
      this.events.level?.(Math.sqrt(sum / data.length))
    }, 33)
  }

  private stopWatching() {
    clearInterval(this.levelTimer)
    this.levelTimer = undefined
  }
}
