/**
 * Where a remote model's frames belong on the reply's audio, and whether the picture for a
 * moment is there yet — pure, the pictures are the caller's (ImageBitmaps in the worker, numbers
 * in tests). Models differ in how many frames a chunk brings (OmniRT's fake runtime one,
 * QuickTalk chunk × fps) and in their lookahead: the r-th reply of an answer carries the frames
 * of chunk r − lookahead (the first ones carry the previous audio's, or none), so nothing is
 * assumed but that: a chunk's n frames share its span evenly, and the last frame holds until the
 * next one. The lateness of each frame (its picture ready → the moment of the voice it shows,
 * had the voice started when its sentence was handed over) is what the voice must wait for.
 */

export interface FramePlan {
  /** One chunk's audio (ms). */
  chunkMs: number
  /** Replies before the first that carries this answer's frames. */
  lookahead: number
}

export type FrameLookup<T> =
  /** The picture for this moment (or the last before it, held: its chunk had no more). */
  | { kind: 'frame'; frame: T }
  /** This moment's audio went to the model and its frames are not back: a frame from before would be out of sync. */
  | { kind: 'syncing' }
  /** Nothing for this moment (before the answer's first frame). */
  | { kind: 'none' }

interface Slot<T> {
  startMs: number
  chunk: number
  frame?: T
}

export class ReplyFrames<T> {
  /** VIDX replies of this answer so far. */
  private replies = 0
  /** Decoded frames and those being decoded, in time order. */
  private slots: Slot<T>[] = []
  /** Frames still being decoded, per chunk. */
  private decoding = new Map<number, number>()
  /** Chunks whose frames are all here (their reply came and each frame decoded). */
  private done = new Set<number>()
  /** Sentences as handed over: where each starts and ends in the answer, and when it came (ms). */
  private sentences: { startMs: number; endMs: number; at: number }[] = []
  /** Audio of this answer handed over so far (ms). */
  handedMs = 0
  /** The latest a frame of this answer was, after its voice would have started (ms). */
  lateness: number | undefined

  constructor(private readonly plan: FramePlan, private readonly release: (frame: T) => void = () => {}) {}

  /** A sentence of the answer came at `at`: `startMs` to `endMs` into it. */
  sentence(startMs: number, endMs: number, at: number) {
    this.sentences.push({ startMs, endMs, at })
    this.handedMs = Math.max(this.handedMs, endMs)
  }

  /**
   * A reply came with `count` frames: where each goes (ms into the answer), or null where it is
   * dropped (a lookahead reply's frames belong to audio before this answer).
   */
  reply(count: number): (number | null)[] {
    const chunk = this.replies++ - this.plan.lookahead
    if (chunk < 0) return Array.from({ length: count }, () => null)
    if (!count) this.done.add(chunk)
    else this.decoding.set(chunk, count)
    return Array.from({ length: count }, (_, i) => {
      const startMs = chunk * this.plan.chunkMs + (i * this.plan.chunkMs) / count
      this.insert({ startMs, chunk })
      return startMs
    })
  }

  /** The picture for the frame at `startMs` is ready (or null: it could not be decoded), at `now`. */
  place(startMs: number, frame: T | null, now: number) {
    const slot = this.slots.find((s) => s.startMs === startMs && s.frame === undefined)
    if (!slot) return frame !== null && this.release(frame)
    if (frame === null) this.slots.splice(this.slots.indexOf(slot), 1)
    else slot.frame = frame
    const left = (this.decoding.get(slot.chunk) ?? 1) - 1
    if (left > 0) this.decoding.set(slot.chunk, left)
    else {
      this.decoding.delete(slot.chunk)
      this.done.add(slot.chunk)
    }
    const s = this.sentences.find((x) => startMs >= x.startMs && startMs < x.endMs)
    if (s && frame !== null) this.lateness = Math.max(this.lateness ?? -Infinity, now - (s.at + startMs - s.startMs))
  }

  /** What to show `audioMs` into the answer; frames long past are released. */
  at(audioMs: number, keepBehindMs = 200): FrameLookup<T> {
    while (this.slots.length > 1 && this.slots[1]!.startMs <= audioMs - keepBehindMs && this.slots[1]!.frame !== undefined && this.slots[0]!.frame !== undefined) this.release(this.slots.shift()!.frame!)
    if (audioMs < 0) return { kind: 'none' }
    const chunk = Math.floor(audioMs / this.plan.chunkMs)
    let best: T | undefined
    for (const s of this.slots) {
      if (s.startMs > audioMs) break
      if (s.frame !== undefined) best = s.frame
    }
    // Its audio was handed over, its frames are not all here: what is here is from before.
    if (!this.done.has(chunk) && audioMs < this.handedMs) return { kind: 'syncing' }
    return best === undefined ? { kind: 'none' } : { kind: 'frame', frame: best }
  }

  /** Frames decoded or on their way (to bound memory). */
  get size() {
    return this.slots.length
  }

  /** A new answer: everything goes. */
  clear() {
    for (const s of this.slots) if (s.frame !== undefined) this.release(s.frame)
    this.slots = []
    this.decoding.clear()
    this.done.clear()
    this.sentences = []
    this.replies = 0
    this.handedMs = 0
    this.lateness = undefined
  }

  private insert(slot: Slot<T>) {
    let i = this.slots.length
    while (i > 0 && this.slots[i - 1]!.startMs > slot.startMs) i--
    this.slots.splice(i, 0, slot)
  }
}
