import type { Caption } from './stored.ts'

/**
 * The recording's captions as the conversation goes: the user's words over the span they were
 * said, each of the avatar's sentences over the span it is heard. A reply cut short is cut in the
 * captions too, where the listener stopped hearing it (a sentence never heard is dropped).
 * Times are ms into the recording; what began before the recording is clipped to its start.
 */
export class CaptionTrack {
  private cues: Caption[] = []

  add(caption: Caption) {
    const startMs = Math.max(0, caption.startMs)
    if (!caption.text.trim() || caption.endMs <= startMs) return
    this.cues.push({ ...caption, startMs })
  }

  /** The avatar was interrupted at `ms`. */
  cut(ms: number) {
    this.cues = this.cues.flatMap((c) => (c.speaker !== 'avatar' || c.endMs <= ms ? [c] : c.startMs >= ms ? [] : [{ ...c, endMs: ms }]))
  }

  /** The cues in order of their start, none past `endMs` (the file's end). */
  list(endMs = Infinity): Caption[] {
    return this.cues
      .filter((c) => c.startMs < endMs)
      .map((c) => ({ ...c, endMs: Math.min(c.endMs, endMs) }))
      .sort((a, b) => a.startMs - b.startMs)
  }
}
