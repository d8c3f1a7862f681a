import { describe, expect, it } from 'vitest'
import { QuickOnset } from './quick-onset.ts'

const HOP = 128
/** A hop of a tone at `db` dBFS RMS, or of noise at that level (seeded, so runs are equal). */
let seed = 1
const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1
const tone = (db: number) => new Float32Array(HOP).map((_, i) => Math.SQRT2 * 10 ** (db / 20) * Math.sin(i * 0.3))
const noise = (db: number) => new Float32Array(HOP).map(() => Math.sqrt(3) * 10 ** (db / 20) * random())
const power = (db: number) => 10 ** (db / 10)

/** Hops through a detector; the indices of those that fired. */
function fired(hops: Float32Array[], echo: (i: number) => number = () => 0, armed: (i: number) => boolean = () => true) {
  const q = new QuickOnset()
  return hops.flatMap((h, i) => (q.hop(h, echo(i), armed(i)) ? [i] : []))
}
const repeat = (n: number, make: () => Float32Array) => Array.from({ length: n }, make)

describe('QuickOnset', () => {
  it('fires at the second loud hop (16 ms) of a voice 20 dB over the room, once per loud stretch', () => {
    const hops = [...repeat(50, () => noise(-50)), ...repeat(40, () => tone(-30)), ...repeat(20, () => noise(-50)), ...repeat(5, () => tone(-30))]
    expect(fired(hops)).toEqual([51, 111])
  })

  it('ignores the room however long it lasts, a click of one hop, and sound under −60 dBFS', () => {
    expect(fired(repeat(400, () => noise(-45)))).toEqual([])
    const click = [...repeat(50, () => noise(-50)), tone(-10), ...repeat(50, () => noise(-50))]
    expect(fired(click)).toEqual([])
    expect(fired([...repeat(50, () => new Float32Array(HOP)), ...repeat(10, () => tone(-65))])).toEqual([])
  })

  it('does not fire for what the echo explains, nor in its room tail just after; the user over it does', () => {
    const hops = [...repeat(20, () => noise(-60)), ...repeat(30, () => tone(-30)), ...repeat(3, () => tone(-36)), ...repeat(20, () => noise(-60)), ...repeat(5, () => tone(-10))]
    // The echo as the gate allows for it: the answer heard at −30 dB (margin included) for hops 20–49.
    const echo = (i: number) => (i >= 20 && i < 50 ? power(-29) : 0)
    expect(fired(hops, echo)).toEqual([74])
  })

  it('pauses nothing while no answer plays, but a voice that began before the answer is caught when it starts', () => {
    const hops = [...repeat(20, () => noise(-55)), ...repeat(30, () => tone(-25))]
    expect(fired(hops, () => 0, () => false)).toEqual([])
    expect(fired(hops, () => 0, (i) => i >= 30)).toEqual([30])
  })
})
