/**
 * A live recording's constant frame rate. The face draws on animation frames, which a busy
 * machine skips or bunches; a file whose frames follow the drawing would have a ragged rate and a
 * frame count nobody can predict. Instead the file has one frame per slot of 1/fps, and each slot
 * shows the last frame drawn by then — a late frame repeats the one before, a second frame in the
 * same slot is dropped. Pure arithmetic, so that the count and the duration can be checked.
 */
export class FrameSlots {
  /** The last slot that holds a frame (−1: none yet). */
  private filled = -1

  constructor(readonly fps: number) {}

  /** The slot a moment `ms` after the recording's start falls in. */
  slotAt(ms: number): number {
    return Math.round((ms * this.fps) / 1000)
  }

  /**
   * A frame drawn `ms` after the start: the slots it closes, `from`…`to` — `to` is this frame's own
   * slot, the ones before it repeat the previous frame (or this one, when it is the first: the file
   * starts at 0). Null when its slot already has a frame: drop it.
   */
  place(ms: number): { from: number; to: number } | null {
    const slot = this.slotAt(ms)
    if (slot <= this.filled) return null
    const from = this.filled + 1
    this.filled = slot
    return { from, to: slot }
  }

  /**
   * The slots before the one `ms` falls in, not yet filled: the last frame holds over them — the
   * recording stops then, or the face drew nothing for a while (a still face need not redraw).
   * Null when there are none.
   */
  fillBefore(ms: number): { from: number; to: number } | null {
    const last = this.slotAt(ms) - 1
    if (last <= this.filled) return null
    const from = this.filled + 1
    this.filled = last
    return { from, to: last }
  }

  /** The recording stops `ms` after the start: the slots left to fill with the last frame. */
  finish(ms: number): { from: number; to: number } | null {
    return this.fillBefore(ms)
  }

  /** Slots that hold a frame. */
  get count(): number {
    return this.filled + 1
  }

  /** Where slot `n` begins, in seconds (the file's timestamps). */
  seconds(slot: number): number {
    return slot / this.fps
  }
}
