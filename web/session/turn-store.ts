import { idbStore } from '../lib/idb-store.ts'
import type { TurnLog, TurnRecord } from './turn-log.ts'

const KEY = 'turns'

/**
 * The session log survives a reload, like the conversation: turns are kept in IndexedDB as they
 * happen, their marks as epoch milliseconds (performance.now() starts again with each page), and
 * read back into the log — so the latency bars, the summary and Export are there after a reload.
 */
export class TurnStore {
  private timer: ReturnType<typeof setTimeout> | undefined
  private restored = false

  constructor(
    private readonly log: TurnLog,
    private readonly changed: () => void,
  ) {
    void idbStore.get<TurnRecord[]>(KEY).then((saved) => {
      if (saved?.length && !log.turns.length) {
        const shift = -performance.timeOrigin
        log.restore(saved.map((t) => ({ ...t, timestamps: Object.fromEntries(Object.entries(t.timestamps).map(([k, v]) => [k, v + shift])) })))
        changed()
      }
      this.restored = true
    })
  }

  /** Saves soon (a burst of marks is one write). */
  save() {
    if (!this.restored) return
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      const turns = this.log.turns.map((t) => ({ ...t, timestamps: Object.fromEntries(Object.entries(t.timestamps).map(([k, v]) => [k, v + performance.timeOrigin])) }))
      void (turns.length ? idbStore.set(KEY, turns) : idbStore.delete(KEY))
    }, 300)
  }

  clear() {
    clearTimeout(this.timer)
    void idbStore.delete(KEY)
  }
}
