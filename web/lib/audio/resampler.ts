/**
 * Streaming resampler to a lower (or equal) rate for speech: each output sample is the mean of
 * the input over its own interval (a box filter, which keeps most aliasing out of the speech
 * band when going from 44.1/48 kHz to 16 kHz), with the interval's edges weighted exactly.
 * Keeps its position across calls, so any block size in gives a continuous signal out.
 */
export class DownSampler {
  private readonly step: number
  /** Position of the next output interval's start, in input samples, relative to the pending block. */
  private pos = 0
  private acc = 0
  private accWeight = 0

  constructor(
    readonly inputRate: number,
    readonly outputRate: number,
  ) {
    if (!(outputRate > 0 && inputRate >= outputRate)) throw new RangeError(`Cannot down-sample ${inputRate} Hz to ${outputRate} Hz`)
    this.step = inputRate / outputRate
  }

  /** Reused between calls: this runs on the audio thread ~375 times a second. */
  private out = new Float32Array(0)

  /**
   * Resamples one block; returns the output samples completed by it — a view that the next call
   * overwrites, so copy (or consume) it before then.
   */
  process(input: Float32Array): Float32Array {
    const need = Math.ceil((input.length + this.step) / this.step) + 1
    if (this.out.length < need) this.out = new Float32Array(need)
    const out = this.out
    let n = 0
    let end = this.pos + this.step // end of the current output interval, in this block's coordinates
    let i = 0
    while (i < input.length) {
      const sampleEnd = i + 1
      if (sampleEnd <= end) {
        // The whole input sample lies inside the interval.
        const from = Math.max(i, this.pos)
        const w = sampleEnd - from
        this.acc += input[i]! * w
        this.accWeight += w
        i++
        if (sampleEnd === end) {
          out[n++] = this.accWeight ? this.acc / this.accWeight : 0
          this.acc = this.accWeight = 0
          this.pos = end
          end += this.step
        }
      } else {
        // The interval ends inside this input sample: split it.
        const w = end - Math.max(i, this.pos)
        this.acc += input[i]! * w
        this.accWeight += w
        out[n++] = this.accWeight ? this.acc / this.accWeight : 0
        this.acc = this.accWeight = 0
        this.pos = end
        end += this.step
      }
    }
    this.pos -= input.length
    return out.subarray(0, n)
  }
}

/** Collects samples into fixed-size frames (e.g. 512 samples = 32 ms at 16 kHz). */
export class Framer {
  private buffer: Float32Array
  private filled = 0

  constructor(readonly frameSize: number) {
    this.buffer = new Float32Array(frameSize)
  }

  /** Calls `emit` with each completed frame (a fresh array the receiver may keep or transfer). */
  push(samples: Float32Array, emit: (frame: Float32Array) => void) {
    let at = 0
    while (at < samples.length) {
      const take = Math.min(this.frameSize - this.filled, samples.length - at)
      this.buffer.set(samples.subarray(at, at + take), this.filled)
      this.filled += take
      at += take
      if (this.filled === this.frameSize) {
        emit(this.buffer)
        this.buffer = new Float32Array(this.frameSize)
        this.filled = 0
      }
    }
  }
}

/** Root-mean-square level of a block, 0…1. */
export function rms(samples: Float32Array): number {
  let sum = 0
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!
  return samples.length ? Math.sqrt(sum / samples.length) : 0
}
