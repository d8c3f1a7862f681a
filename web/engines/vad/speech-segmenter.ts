/**
 * Turns per-frame speech probabilities into speech segments. Pure: no audio nodes, no model,
 * no clock — time is the frame count, so it is unit-tested with plain arrays.
 *
 * Hysteresis as Silero's authors recommend: a frame at or above `positiveThreshold` starts speech;
 * once speaking, only frames below `negativeThreshold` count as silence, and `redemptionMs` of
 * continuous silence ends the segment. A segment shorter than `minSpeechMs` is a misfire.
 */
export interface SegmenterOptions {
  /** Duration of one frame (512 samples at 16 kHz = 32 ms). */
  frameMs: number
  positiveThreshold: number
  negativeThreshold: number
  /** Silence after speech before the segment ends: the end-of-speech delay the user feels. */
  redemptionMs: number
  /** Audio kept from before the detected start, so the first syllable is not clipped. */
  preSpeechPadMs: number
  /** Shorter speech is a misfire (a cough, a click), not a segment. */
  minSpeechMs: number
  /** Longer speech is cut into segments of at most this length. */
  maxSpeechMs: number
  /**
   * A short pause inside speech, reported once per silence (`speech-pause`, with the audio so far):
   * where the turn is judged and an answer may be started ahead. 0: none reported.
   */
  pauseMs: number
  /**
   * Below `positiveThreshold`: a frame this likely to be speech is reported at once
   * (`speech-onset`), so a reply can fall silent before speech is certain — barge-in a frame or two
   * sooner. 1: never.
   */
  onsetThreshold: number
  /** An onset that has not become speech this long after it is over (`onset-lost`). */
  onsetWindowMs: number
}

export const defaultSegmenterOptions: SegmenterOptions = {
  frameMs: 32,
  positiveThreshold: 0.5,
  negativeThreshold: 0.35,
  redemptionMs: 500,
  preSpeechPadMs: 320,
  minSpeechMs: 250,
  maxSpeechMs: 30_000,
  pauseMs: 200,
  onsetThreshold: 0.3,
  onsetWindowMs: 96,
}

export type SegmentEvent =
  /** A frame that may be speech (above the onset threshold, below the speech one). */
  | { type: 'speech-onset'; startMs: number }
  /** The onset did not become speech. */
  | { type: 'onset-lost'; startMs: number }
  | { type: 'speech-start'; startMs: number }
  /**
   * `pauseMs` of silence inside speech: the segment so far (numbered `pause` within the stream).
   * The segment goes on; `speech-continued` says the speaker did too.
   */
  | { type: 'speech-pause'; pause: number; startMs: number; endMs: number; audio: Float32Array }
  | { type: 'speech-continued'; pause: number }
  /**
   * `audio` runs from `startMs - preSpeechPad` to a little after `endMs`. `pause`: the segment
   * ended in that pause with no speech since (its audio is the pause's, plus silence).
   */
  | { type: 'speech-end'; startMs: number; endMs: number; audio: Float32Array; pause?: number }
  | { type: 'misfire'; startMs: number; endMs: number }

/** Silence kept after the end of speech in the segment's audio (helps ASR end words cleanly). */
const TAIL_MS = 96

export function validateSegmenterOptions(o: SegmenterOptions): string[] {
  const problems: string[] = []
  if (!(o.positiveThreshold > 0 && o.positiveThreshold < 1)) problems.push('positiveThreshold must be between 0 and 1')
  if (!(o.negativeThreshold >= 0 && o.negativeThreshold <= o.positiveThreshold)) problems.push('negativeThreshold must be between 0 and positiveThreshold')
  for (const k of ['frameMs', 'redemptionMs', 'minSpeechMs', 'maxSpeechMs', 'onsetWindowMs'] as const) if (!(o[k] > 0)) problems.push(`${k} must be a positive number of milliseconds`)
  if (!(o.preSpeechPadMs >= 0)) problems.push('preSpeechPadMs must be 0 or more')
  if (!(o.pauseMs >= 0)) problems.push('pauseMs must be 0 or more')
  if (!(o.onsetThreshold > 0 && o.onsetThreshold <= 1)) problems.push('onsetThreshold must be above 0 and at most 1')
  return problems
}

export class SpeechSegmenter {
  private opts: SegmenterOptions
  private frameIndex = 0
  private speaking = false
  private forced = false
  private startFrame = 0
  /** Index of the last frame at or above the negative threshold: keeps the segment alive. */
  private lastSpeechFrame = 0
  /** Index of the last frame at or above the positive threshold: where speech is said to end. */
  private lastConfidentFrame = 0
  private pad: Float32Array[] = []
  private speech: Float32Array[] = []
  /** Frame of an onset not yet speech (or lost), else -1. */
  private onsetFrame = -1
  private onsetLatched = false
  /** Pauses reported in this stream; the one the speaker is in now (0: none). */
  private pauses = 0
  private inPause = 0
  /** This segment's end-of-speech wait when the turn asked for another (`extend`). */
  private redemptionOverride: number | undefined

  constructor(options: Partial<SegmenterOptions> = {}) {
    this.opts = checked({ ...defaultSegmenterOptions, ...options })
  }

  get options(): Readonly<SegmenterOptions> {
    return this.opts
  }

  /** Changes options in place, keeping the stream's time and any segment in progress. */
  configure(options: Partial<SegmenterOptions>) {
    this.opts = checked({ ...this.opts, ...options })
  }

  get isSpeaking() {
    return this.speaking
  }

  /** Stream time in ms at the end of the frames seen so far. */
  get nowMs() {
    return this.frameIndex * this.options.frameMs
  }

  /**
   * Whole frames within `ms`, rounded down: the model's probability lingers about a frame past
   * the last word, so rounding up would add to the end-of-speech delay the user feels.
   */
  private frames(ms: number) {
    return Math.max(1, Math.floor(ms / this.options.frameMs))
  }

  /** Feeds one frame and its speech probability; returns what happened. */
  push(probability: number, frame: Float32Array): SegmentEvent[] {
    const o = this.options
    const i = this.frameIndex++
    const events: SegmentEvent[] = []

    if (!this.speaking) {
      if (probability >= o.positiveThreshold) {
        this.onsetFrame = -1
        this.begin(i)
        events.push({ type: 'speech-start', startMs: i * o.frameMs })
        this.speech.push(frame)
      } else {
        // One onset per rise above its threshold: a hum that hovers there is lost once, not paused on again and again.
        if (probability < o.onsetThreshold) this.onsetLatched = false
        if (this.onsetFrame < 0 && !this.onsetLatched && probability >= o.onsetThreshold) {
          this.onsetFrame = i
          this.onsetLatched = true
          events.push({ type: 'speech-onset', startMs: i * o.frameMs })
        } else if (this.onsetFrame >= 0 && i - this.onsetFrame >= this.frames(o.onsetWindowMs)) {
          events.push({ type: 'onset-lost', startMs: this.onsetFrame * o.frameMs })
          this.onsetFrame = -1
        }
        this.pad.push(frame)
        if (this.pad.length > this.frames(o.preSpeechPadMs)) this.pad.shift()
      }
      return events
    }

    this.speech.push(frame)
    // Push-to-talk ignores the model but not the length limit (a lost key-up must not grow forever).
    if (this.forced) {
      if ((i + 1 - this.startFrame) * o.frameMs >= o.maxSpeechMs) events.push(this.finish(i))
      return events
    }
    if (probability >= o.negativeThreshold) this.lastSpeechFrame = i
    // Noise keeps the model near the negative threshold for a while after the last word:
    // the reported end is the last confident frame (measured: 200 ms earlier on noisy speech).
    if (probability >= o.positiveThreshold) {
      this.lastConfidentFrame = i
      if (this.inPause) {
        events.push({ type: 'speech-continued', pause: this.inPause })
        this.inPause = 0
      }
    }
    const silentFrames = i - this.lastSpeechFrame
    const redemption = this.redemptionOverride ?? o.redemptionMs
    if (silentFrames >= this.frames(redemption)) events.push(this.finish())
    else if ((i + 1 - this.startFrame) * o.frameMs >= o.maxSpeechMs) events.push(this.finish(i))
    else if (o.pauseMs > 0 && silentFrames === this.frames(o.pauseMs) && !this.inPause && o.pauseMs < redemption && (this.lastConfidentFrame + 1 - this.startFrame) * o.frameMs >= o.minSpeechMs) {
      this.inPause = ++this.pauses
      const { startMs, endMs, audio } = this.cut()
      events.push({ type: 'speech-pause', pause: this.inPause, startMs, endMs, audio })
    }
    return events
  }

  /**
   * A sound that may be speech before its frame is complete (quick-onset.ts): an onset now, unless
   * speech or an onset is already under way. The frames that follow decide it as any onset: speech,
   * or `onset-lost` once `onsetWindowMs` has passed.
   */
  quickOnset(): SegmentEvent[] {
    if (this.speaking || this.onsetFrame >= 0) return []
    this.onsetFrame = this.frameIndex
    this.onsetLatched = true
    return [{ type: 'speech-onset', startMs: this.nowMs }]
  }

  /** Push-to-talk: speech starts now, whatever the model says, until `end()`. */
  forceStart(): SegmentEvent[] {
    if (this.speaking) {
      this.forced = true
      return []
    }
    this.begin(this.frameIndex)
    this.forced = true
    return [{ type: 'speech-start', startMs: this.nowMs }]
  }

  /** Ends the current segment now (push-to-talk released, microphone muted). */
  end(): SegmentEvent[] {
    if (!this.speaking) return []
    if (this.forced) this.lastSpeechFrame = this.lastConfidentFrame = this.frameIndex - 1
    return [this.finish()]
  }

  /**
   * The turn is over at this pause (the turn model and the words say so): the segment ends now,
   * without the rest of the end-of-speech wait. Nothing if the speaker went on since.
   */
  endAtPause(pause: number): SegmentEvent[] {
    if (!this.speaking || this.forced || this.inPause !== pause) return []
    return [this.finish()]
  }

  /** The turn sounds unfinished at this pause: this segment waits `ms` of silence to end (from its last speech). */
  extend(pause: number, ms: number) {
    if (!this.speaking || this.forced || this.pauses < pause) return
    this.redemptionOverride = Math.max(ms, this.redemptionOverride ?? this.options.redemptionMs)
  }

  /** Forgets everything (a new stream). */
  reset() {
    this.frameIndex = 0
    this.speaking = this.forced = false
    this.pad = []
    this.speech = []
    this.onsetFrame = -1
    this.onsetLatched = false
    this.inPause = 0
    this.redemptionOverride = undefined
  }

  private begin(frame: number) {
    this.speaking = true
    this.startFrame = frame
    this.lastSpeechFrame = this.lastConfidentFrame = frame
    this.inPause = 0
    this.redemptionOverride = undefined
  }

  /** The segment's times and audio as they stand (or cut at a frame: the length limit). */
  private cut(cutAt?: number) {
    const o = this.options
    const startMs = this.startFrame * o.frameMs
    const endMs = ((cutAt ?? this.lastConfidentFrame) + 1) * o.frameMs
    const keepFrames = (cutAt ?? this.lastSpeechFrame) - this.startFrame + 1 + this.frames(TAIL_MS)
    return { startMs, endMs, audio: concat([...this.pad, ...this.speech.slice(0, keepFrames)]) }
  }

  private finish(cutAt?: number): SegmentEvent {
    const { startMs, endMs, audio } = this.cut(cutAt)
    const pause = cutAt === undefined && this.inPause ? this.inPause : undefined
    this.speaking = this.forced = false
    this.pad = []
    this.speech = []
    this.inPause = 0
    this.redemptionOverride = undefined
    // Too short to be speech (a cough, or a tap of the push-to-talk key).
    if (endMs - startMs < this.options.minSpeechMs) return { type: 'misfire', startMs, endMs }
    return { type: 'speech-end', startMs, endMs, audio, ...(pause && { pause }) }
  }
}

function checked(o: SegmenterOptions): SegmenterOptions {
  const problems = validateSegmenterOptions(o)
  if (problems.length) throw new RangeError(`Bad speech segmenter options: ${problems.join('; ')}`)
  return o
}

function concat(frames: Float32Array[]): Float32Array {
  const out = new Float32Array(frames.reduce((n, f) => n + f.length, 0))
  let at = 0
  for (const f of frames) {
    out.set(f, at)
    at += f.length
  }
  return out
}
