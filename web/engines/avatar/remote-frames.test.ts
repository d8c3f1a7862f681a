import { describe, expect, it } from 'vitest'
import { ReplyFrames } from './remote-frames.ts'

/** Frames are numbers here; `placeAll` decodes a reply's frames at once. */
function frames(lookahead: number, chunkMs = 160) {
  const released: number[] = []
  const f = new ReplyFrames<number>({ chunkMs, lookahead }, (n) => released.push(n))
  let next = 0
  const placeAll = (count: number, now = 0) => {
    const places = f.reply(count)
    for (const at of places) if (at !== null) f.place(at, next++, now)
    return places
  }
  return { f, placeAll, released }
}

describe('remote frames on the audio they belong to', () => {
  it("one frame a chunk (OmniRT's fake runtime): each holds for its chunk's span", () => {
    const { f, placeAll } = frames(0)
    f.sentence(0, 320, 0)
    expect(placeAll(1)).toEqual([0])
    expect(placeAll(1)).toEqual([160])
    expect(f.at(0)).toEqual({ kind: 'frame', frame: 0 })
    expect(f.at(150)).toEqual({ kind: 'frame', frame: 0 })
    expect(f.at(161)).toEqual({ kind: 'frame', frame: 1 })
  })

  it('chunk × fps frames with a one-chunk lookahead: the first reply carries none of this answer, the next the first chunk', () => {
    const { f, placeAll } = frames(1)
    f.sentence(0, 320, 0)
    expect(placeAll(0)).toEqual([])
    expect(placeAll(4)).toEqual([0, 40, 80, 120])
    expect(f.at(85)).toEqual({ kind: 'frame', frame: 2 })
  })

  it('a lookahead reply that brings frames (the previous answer’s tail, on a session that went on) has them dropped', () => {
    const { f, placeAll, released } = frames(1)
    f.sentence(0, 160, 0)
    expect(placeAll(4)).toEqual([null, null, null, null])
    expect(f.at(10)).toEqual({ kind: 'syncing' })
    expect(released).toEqual([])
  })

  it("says 'syncing' where the audio went out and its frames are not back, holds past the audio, none before the first", () => {
    const { f, placeAll } = frames(0)
    f.sentence(0, 480, 0)
    expect(f.at(-50)).toEqual({ kind: 'none' })
    expect(f.at(10)).toEqual({ kind: 'syncing' })
    placeAll(1)
    expect(f.at(10)).toEqual({ kind: 'frame', frame: 0 })
    expect(f.at(200)).toEqual({ kind: 'syncing' })
    placeAll(1)
    placeAll(1)
    // Short of frames at the end (the last chunk padded): the last one holds.
    expect(f.at(700)).toEqual({ kind: 'frame', frame: 2 })
  })

  it('a chunk whose frames are still decoding is syncing; a frame that cannot be decoded leaves its place', () => {
    const { f } = frames(0)
    f.sentence(0, 160, 0)
    const [a, b] = f.reply(2)
    f.place(a!, 7, 0)
    expect(f.at(100)).toEqual({ kind: 'syncing' })
    f.place(b!, null, 0)
    expect(f.at(100)).toEqual({ kind: 'frame', frame: 7 })
  })

  it('measures lateness against when each frame’s sentence was handed over', () => {
    const { f } = frames(0)
    f.sentence(0, 160, 1000)
    f.sentence(160, 480, 1500)
    f.place(f.reply(1)[0]!, 1, 1300)
    expect(f.lateness).toBe(300)
    // Sentence two came at 1500 for 160 ms in: its frame at 1600 is 100 ms late, less than 300.
    f.place(f.reply(1)[0]!, 2, 1600)
    expect(f.lateness).toBe(300)
    f.place(f.reply(2)[1]!, 3, 2200)
    expect(f.lateness).toBe(2200 - (1500 + 400 - 160))
  })

  it('releases frames long past, and everything at a new answer', () => {
    const { f, placeAll, released } = frames(0, 40)
    f.sentence(0, 400, 0)
    for (let i = 0; i < 10; i++) placeAll(1)
    f.at(390, 100)
    expect(released).toEqual([0, 1, 2, 3, 4, 5, 6])
    f.clear()
    expect(released).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(f.size).toBe(0)
  })
})
