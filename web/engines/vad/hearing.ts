/**
 * What the VAD worker does with the microphone's audio, apart from its messaging, so that tests and
 * benchmarks run exactly this: audio arrives in 8 ms hops (the capture worklet sends them as they
 * fill); each hop may be a quick onset while an answer plays (quick-onset.ts); every four make a
 * 32 ms frame for the speech model, whose probability the echo gate scales down by what the
 * answer's echo explains (echo-gate.ts) before the segmenter turns it into speech events.
 */
import { EchoGate } from './echo-gate.ts'
import { QuickOnset } from './quick-onset.ts'
import { SILERO_FRAME } from './silero.ts'
import { type SegmentEvent, SpeechSegmenter } from './speech-segmenter.ts'

export const HOP_SAMPLES = 128
const RATE = 16000
const msOf = (samples: number) => (samples * 1000) / RATE

export class Hearing {
  segmenter = new SpeechSegmenter()
  readonly echo = new EchoGate()
  /** False in push-to-talk: the key decides, not the model (frames still go to the segmenter). */
  autoDetect = true
  private quick = new QuickOnset()
  private readonly hop = new Float32Array(HOP_SAMPLES)
  private hopFilled = 0
  private frame = new Float32Array(SILERO_FRAME)
  private frameFilled = 0
  private frameStartMs = 0

  /** `speechProbability`: the speech model, one 32 ms frame at a time, in order. */
  constructor(private readonly speechProbability: (frame: Float32Array) => Promise<number>) {}

  /** Microphone audio (16 kHz) that began at epoch ms `startMs`, of any length. */
  async push(samples: Float32Array, startMs: number): Promise<SegmentEvent[]> {
    const events: SegmentEvent[] = []
    for (let at = 0; at < samples.length; ) {
      const take = Math.min(HOP_SAMPLES - this.hopFilled, samples.length - at)
      this.hop.set(samples.subarray(at, at + take), this.hopFilled)
      this.hopFilled += take
      at += take
      if (this.hopFilled < HOP_SAMPLES) break
      this.hopFilled = 0
      const hopStartMs = startMs + msOf(at - HOP_SAMPLES)
      if (this.frameFilled === 0) this.frameStartMs = hopStartMs
      this.frame.set(this.hop, this.frameFilled)
      this.frameFilled += HOP_SAMPLES
      if (this.frameFilled === SILERO_FRAME) {
        this.frameFilled = 0
        const frame = this.frame
        this.frame = new Float32Array(SILERO_FRAME)
        const p = await this.speechProbability(frame)
        events.push(...this.segmenter.push(this.autoDetect ? this.echo.judge(frame, this.frameStartMs, p) : 0, frame))
      }
      // After the frame it completes: speech the model has just found needs no quick onset. The
      // echo is looked up only while an answer plays (125 hops a second).
      const playing = this.echo.playingAt(hopStartMs)
      if (this.autoDetect && this.quick.hop(this.hop, playing ? this.echo.echoEnergy(hopStartMs) : 0, playing)) events.push(...this.segmenter.quickOnset())
    }
    return events
  }

  /** A new stream (the microphone re-attached): nothing half-filled is kept. */
  reset() {
    this.segmenter.reset()
    this.quick = new QuickOnset()
    this.hopFilled = this.frameFilled = 0
  }
}
