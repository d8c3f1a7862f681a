/**
 * Where live microphone frames belong on a clock (the recording's, the echo gate's). A frame's arrival time says when
 * it ended, give or take the messaging's jitter; consecutive frames are laid end to end (a gap or
 * an overlap of a few ms between them would click), and the clock is set again only when arrivals
 * come later than it by more than `tolerateMs` (the microphone was muted, the thread stalled) or
 * sooner than it at all (the clock was set by a frame that came late).
 */
const EARLY_MS = 8

export class MicClock {
  private nextMs: number | null = null

  constructor(private readonly tolerateMs = 120) {}

  /** Where a frame of `samples` at `rate` Hz that arrived at `arrivedMs` starts. */
  place(arrivedMs: number, samples: number, rate: number): number {
    const duration = (samples * 1000) / rate
    const estimate = arrivedMs - duration
    // A frame cannot arrive before it was heard: one that comes clearly sooner than the clock says
    // shows the clock was set by a late one (a busy thread), and it moves back to it.
    if (this.nextMs === null || estimate - this.nextMs > this.tolerateMs || this.nextMs - estimate > EARLY_MS) this.nextMs = estimate
    const start = this.nextMs
    this.nextMs += duration
    return start
  }
}
