import type { Playback } from '../engines/playback/playback.ts'
import type { ReplySink } from './spoken-reply.ts'

/**
 * The sentences of an answer made ahead of its turn, synthesised but not yet played: kept in
 * order, then handed to playback as they were given when the answer becomes the turn.
 */
export class HeldPlayback implements ReplySink {
  private held: Parameters<Playback['enqueue']>[0][] = []
  private finished = false
  private target: Playback | null = null

  reset() {
    if (this.target) return this.target.reset()
    this.held = []
    this.finished = false
  }

  enqueue(spoken: Parameters<Playback['enqueue']>[0]) {
    if (this.target) this.target.enqueue(spoken)
    else this.held.push(spoken)
  }

  finish() {
    if (this.target) this.target.finish()
    else this.finished = true
  }

  /** Plays what is held, and passes everything after it straight on. */
  release(playback: Playback) {
    this.target = playback
    playback.reset()
    for (const s of this.held) playback.enqueue(s)
    if (this.finished) playback.finish()
    this.held = []
  }

  get sentences() {
    return this.held.length
  }
}
