import { describe, expect, it } from 'vitest'
import { FrameSlots } from './frame-slots.ts'

describe('FrameSlots', () => {
  it('gives each frame drawn on time its own slot', () => {
    const s = new FrameSlots(25)
    expect([0, 40, 80, 120].map((ms) => s.place(ms))).toEqual([
      { from: 0, to: 0 },
      { from: 1, to: 1 },
      { from: 2, to: 2 },
      { from: 3, to: 3 },
    ])
    expect(s.count).toBe(4)
  })

  it('repeats the previous frame over slots the face skipped, and drops a second frame in one slot', () => {
    const s = new FrameSlots(25)
    s.place(0)
    expect(s.place(130)).toEqual({ from: 1, to: 3 })
    expect(s.place(135)).toBeNull()
    expect(s.count).toBe(4)
  })

  it('lets the first frame stand in for the slots before it, so that the file starts at 0', () => {
    const s = new FrameSlots(30)
    expect(s.place(70)).toEqual({ from: 0, to: 2 })
  })

  it('drops frames drawn before the start (they round to a slot below 0)', () => {
    const s = new FrameSlots(30)
    expect(s.place(-40)).toBeNull()
    expect(s.place(0)).toEqual({ from: 0, to: 0 })
  })

  it('fills the slots up to the stop, so that the video lasts as long as the recording', () => {
    const s = new FrameSlots(25)
    s.place(0)
    s.place(40)
    // 1 s at 25 fps: 25 slots, 2 filled.
    expect(s.finish(1000)).toEqual({ from: 2, to: 24 })
    expect(s.count).toBe(25)
    expect(s.finish(1000)).toBeNull()
    expect(s.seconds(25)).toBe(1)
  })
})
