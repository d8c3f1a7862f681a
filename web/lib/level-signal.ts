/**
 * A value that changes often (a microphone level, ~20 times a second) and is drawn straight into
 * the DOM by whoever subscribes, so it never re-renders React: the main thread stays free.
 */
export class LevelSignal {
  private value = 0
  private readonly listeners = new Set<(v: number) => void>()

  get current() {
    return this.value
  }

  set(v: number) {
    this.value = v
    for (const l of this.listeners) l(v)
  }

  subscribe(listener: (v: number) => void): () => void {
    this.listeners.add(listener)
    listener(this.value)
    return () => this.listeners.delete(listener)
  }
}
