/**
 * The first sound of the user's voice over an answer, sooner than the speech model can tell.
 * Silero judges whole 32 ms frames and needs 20–100 ms of a voice before it is fairly sure; on a
 * barge-in every one of those milliseconds is the avatar talking over the user. This looks at each
 * 8 ms hop as it arrives: sound well above the room's noise floor and above all the echo could
 * explain, for two hops running (16 ms: a key's click is shorter), pauses the answer at once. The
 * speech model then decides: speech cancels the answer, anything else resumes it (the segmenter's
 * `onset-lost`). One onset per loud stretch: a fan switched on pauses the answer once, not again
 * and again while the floor catches up with it.
 *
 * Pure: energies in, a verdict out; the caller says whether an answer is playing (nothing to pause
 * otherwise) and how much energy its echo may have in the hop (echo-gate.ts).
 */
/** Over the noise floor by 12 dB (mean square ×16). */
const OVER_NOISE = 16
/** Below −60 dBFS nothing is a voice, however quiet the room. */
const ABSOLUTE_FLOOR = 1e-6
/** Hops in a row that must be loud: 16 ms. */
const LOUD_HOPS = 2
/** Quiet hops that end a loud stretch (another onset may come after): 96 ms. */
const QUIET_HOPS = 12
/** The floor follows the quietest hops: down at once (30% a hop), up about 4 dB a second. */
const NOISE_RISE = 1.0074
/** An echo's room tail, after the reference that made it: about 4 dB less every 32 ms. */
const TAIL_DECAY = 0.8

export class QuickOnset {
  private noise = Number.NaN
  private echoTail = 0
  private loud = 0
  private quiet = 0
  private latched = false

  /**
   * One hop of microphone audio. `echo`: the most energy (mean square) the answer's echo may have in
   * it, margin included. `armed`: an answer is playing. True: this may be the user; pause now.
   */
  hop(samples: Float32Array, echo: number, armed: boolean): boolean {
    let e = 0
    for (let i = 0; i < samples.length; i++) e += samples[i]! * samples[i]!
    e /= samples.length || 1
    this.echoTail = Math.max(echo, this.echoTail * TAIL_DECAY)
    const noise = Number.isNaN(this.noise) ? e : this.noise
    const isLoud = e > Math.max(OVER_NOISE * noise, ABSOLUTE_FLOOR) && e > this.echoTail + noise
    this.noise = e < noise ? noise + 0.3 * (e - noise) : noise * NOISE_RISE
    if (isLoud) {
      this.loud++
      this.quiet = 0
    } else {
      this.loud = 0
      if (++this.quiet >= QUIET_HOPS) this.latched = false
    }
    if (!armed || this.latched || this.loud < LOUD_HOPS) return false
    this.latched = true
    return true
  }
}
