/**
 * A typed event map on one emitter (`{ 'turn.started': TurnStarted; … }`): one mechanism for
 * every stream, not callbacks here and events there. A handler that throws is reported and
 * does not stop the others: one broken tap must not break the conversation.
 */
export class Emitter<Events extends object> {
  private readonly handlers = new Map<keyof Events, Set<(datum: never) => void>>()
  private readonly any = new Set<<K extends keyof Events>(kind: K, datum: Events[K]) => void>()

  on<K extends keyof Events>(kind: K, handler: (datum: Events[K]) => void): () => void {
    let set = this.handlers.get(kind)
    if (!set) this.handlers.set(kind, (set = new Set()))
    set.add(handler as (datum: never) => void)
    return () => void set.delete(handler as (datum: never) => void)
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
