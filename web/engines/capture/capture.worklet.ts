// The capture worklet: runs on the audio rendering thread. Mixes the microphone to mono,
// down-samples it to 16 kHz and posts it in 128-sample hops (8 ms: barge-in waits on every one)
// straight to the VAD worker over its own MessagePort, so audio never passes through the main
// thread; taps (a Realtime model) take 512-sample frames (32 ms). The main thread only gets
// a level reading ~20 times a second for the meter.
import { DownSampler, Framer, rms } from '../../lib/audio/resampler.ts'

// AudioWorkletGlobalScope is not in TypeScript's libs: the few names used here.
declare const sampleRate: number
declare function registerProcessor(name: string, ctor: new () => object): void
declare class AudioWorkletProcessor {
  readonly port: MessagePort
}

export const FRAME_SAMPLES = 512
export const HOP_SAMPLES = 128
// ~12 readings a second: enough for a meter, few enough to keep the main thread idle.
const LEVEL_EVERY_MS = 80

/** Main thread → worklet. */
export type CaptureControl = { type: 'connect'; port: MessagePort } | { type: 'tap'; port: MessagePort } | { type: 'mute'; muted: boolean }
/** Worklet → main thread. */
export type CaptureReport = { type: 'level'; rms: number; peak: number }

class CaptureProcessor extends AudioWorkletProcessor {
  private out: MessagePort | undefined
  /** Whoever else takes the frames (a Realtime model hears the microphone as it goes): a copy each. */
  private taps: MessagePort[] = []
  private muted = false
  private readonly down = new DownSampler(sampleRate, 16000)
  private readonly hops = new Framer(HOP_SAMPLES)
  private readonly framer = new Framer(FRAME_SAMPLES)
  private mono = new Float32Array(128)
  private levelSum = 0
  private levelPeak = 0
  private levelCount = 0
  private readonly levelEvery = Math.round((sampleRate * LEVEL_EVERY_MS) / 1000)

  constructor() {
    super()
    this.port.onmessage = (e: MessageEvent<CaptureControl>) => {
      if (e.data.type === 'connect') {
        this.out?.close()
        this.out = e.data.port
      } else if (e.data.type === 'tap') {
        const tap = e.data.port
        this.taps.push(tap)
        // The taker closes its end by sending 'close'.
        tap.onmessage = () => (tap.close(), (this.taps = this.taps.filter((t) => t !== tap)))
      } else if (e.data.type === 'mute') this.muted = e.data.muted
    }
  }

  process(inputs: Float32Array[][]): boolean {
    const channels = inputs[0]
    if (!channels?.length) return true
    const n = channels[0]!.length
    if (this.mono.length !== n) this.mono = new Float32Array(n)
    const mono = this.mono
    mono.set(channels[0]!)
    for (let c = 1; c < channels.length; c++) for (let i = 0; i < n; i++) mono[i]! += channels[c]![i]!
    if (channels.length > 1) for (let i = 0; i < n; i++) mono[i]! /= channels.length

    this.meter(mono)
    if (this.muted || (!this.out && !this.taps.length)) return true
    const audio = this.down.process(mono)
    if (this.out) this.hops.push(audio, (hop) => this.out?.postMessage({ type: 'frame', samples: hop }, [hop.buffer]))
    if (this.taps.length) this.framer.push(audio, (frame) => this.taps.forEach((tap) => tap.postMessage({ type: 'frame', samples: frame.slice() })))
    return true
  }

  private meter(block: Float32Array) {
    const level = rms(block)
    this.levelSum += level * level * block.length
    for (let i = 0; i < block.length; i++) this.levelPeak = Math.max(this.levelPeak, Math.abs(block[i]!))
    this.levelCount += block.length
    if (this.levelCount < this.levelEvery) return
    const report: CaptureReport = { type: 'level', rms: this.muted ? 0 : Math.sqrt(this.levelSum / this.levelCount), peak: this.muted ? 0 : this.levelPeak }
    this.port.postMessage(report)
    this.levelSum = this.levelPeak = this.levelCount = 0
  }
}

registerProcessor('parley-capture', CaptureProcessor)
