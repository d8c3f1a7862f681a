import { describe, expect, it } from 'vitest'
import { Hearing, HOP_SAMPLES } from './hearing.ts'

const T0 = 1_000_000
const hop = (level: number) => new Float32Array(HOP_SAMPLES).map((_, i) => level * Math.sin(i * 0.3))

/** A hearing whose speech model says what `script` says of each frame's first sample, recording the frames it was given. */
function scripted(script: (firstSample: number) => number) {
  const frames: Float32Array[] = []
  const hearing = new Hearing(async (f) => (frames.push(f), script(f[1]!)))
  return { hearing, frames }
}

describe('Hearing (the VAD worker, without its messages)', () => {
  it('makes 32 ms frames of four hops, in order, however the audio is cut', async () => {
    const { hearing, frames } = scripted(() => 0)
    const audio = new Float32Array(512 * 3).map((_, i) => i)
    for (let at = 0; at < audio.length; at += 100) await hearing.push(audio.slice(at, at + 100), T0 + at / 16)
    expect(frames.map((f) => [f[0], f[511]])).toEqual([[0, 511], [512, 1023], [1024, 1535]])
  })

  it('pauses an answer at a loud hop before its frame is complete, and only while an answer plays', async () => {
    const { hearing } = scripted(() => 0.05)
    hearing.echo.setMode('headphones')
    const events: { type: string; hop: number }[] = []
    const feed = async (from: number, hops: Float32Array[]) => {
      for (const [k, h] of hops.entries()) for (const e of await hearing.push(h, T0 + (from + k) * 8)) events.push({ type: e.type, hop: from + k })
    }
    await feed(0, Array.from({ length: 41 }, () => hop(0.001)))
    await feed(41, Array.from({ length: 20 }, () => hop(0.1)))
    expect(events).toEqual([])
    hearing.echo.setClock({ at: T0 + 61 * 8, audioMs: 0, playing: true })
    await feed(61, Array.from({ length: 30 }, () => hop(0.001)))
    await feed(91, Array.from({ length: 3 }, () => hop(0.1)))
    // The second loud hop (92) is the first of its frame (92–95): the onset comes 24 ms before that frame is complete.
    expect(events).toEqual([{ type: 'speech-onset', hop: 92 }])
  })

  it('leaves push-to-talk to the key', async () => {
    const { hearing } = scripted(() => 0.9)
    hearing.autoDetect = false
    hearing.echo.setClock({ at: T0, audioMs: 0, playing: true })
    const events = []
    for (let k = 0; k < 40; k++) events.push(...(await hearing.push(hop(k < 20 ? 0.001 : 0.1), T0 + k * 8)))
    expect(events).toEqual([])
  })
})
