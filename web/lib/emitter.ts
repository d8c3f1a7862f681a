/**
 * A typed event map on one emitter (`{ 'turn.started': TurnStarted; … }`): one mechanism for
 * every stream, not callbacks here and events there. A handler that throws is reported and
 * does not stop the others: one broken tap must not break the conversation.
 */
export class Emitter<Events extends object> {
  private readonly handlers = new Map<keyof Events, Set<(datum: never) => void>>()
  private readonly any = new Set<<K extends keyof Events>(kind: K, datum: Events[K]) => void>()
  private readonly watchers = new Map<keyof Events, Set<(listened: boolean) => void>>()

  on<K extends keyof Events>(kind: K, handler: (datum: Events[K]) => void): () => void {
    let set = this.handlers.get(kind)
    if (!set) this.handlers.set(kind, (set = new Set()))
    set.add(handler as (datum: never) => void)
    if (set.size === 1) this.tell(kind, true)
    return () => {
      if (set.delete(handler as (datum: never) => void) && set.size === 0) this.tell(kind, false)
    }
  }

  /**
   * Told now, and whenever `kind` gains its first handler or loses its last: a stream that costs
   * something to make (one message per drawn frame) is made only while someone listens. `onAny`
   * handlers do not count: they see such a stream only while another handler asks for it.
   */
  watch<K extends keyof Events>(kind: K, watcher: (listened: boolean) => void): () => void {
    let set = this.watchers.get(kind)
    if (!set) this.watchers.set(kind, (set = new Set()))
    set.add(watcher)
    watcher(Boolean(this.handlers.get(kind)?.size))
    return () => void set.delete(watcher)
  }

  /** Every datum of every kind, in order (a logger, a test's recorder). */
  onAny(handler: <K extends keyof Events>(kind: K, datum: Events[K]) => void): () => void {
    this.any.add(handler)
    return () => void this.any.delete(handler)
  }

  emit<K extends keyof Events>(kind: K, datum: Events[K]) {
    for (const h of this.any) this.safely(() => h(kind, datum))
    for (const h of this.handlers.get(kind) ?? []) this.safely(() => (h as (d: Events[K]) => void)(datum))
  }

  clear() {
    this.handlers.clear()
    this.any.clear()
    this.watchers.clear()
  }

  private tell(kind: keyof Events, listened: boolean) {
    for (const w of this.watchers.get(kind) ?? []) this.safely(() => w(listened))
  }

  private safely(run: () => void) {
    try {
      run()
    } catch (err) {
      // Reported asynchronously so it reaches the console and error handlers without unwinding the emit.
      queueMicrotask(() => {
        throw err
      })
    }
  }
}
