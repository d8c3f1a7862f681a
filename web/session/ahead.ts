/**
 * An answer made ahead of its turn (a preemptive answer): started at a short pause in the user's
 * speech, before anyone knows whether they are done. Until it becomes the turn it leaves no trace:
 * what it writes to the transcript and publishes on the bus is held here, in order; its tools wait
 * (a tool can change things). `commit` plays it all out and lets it run live; `abandon` aborts it
 * (its upstream requests with it) and drops what was held.
 */
import { AppError } from '../lib/errors.ts'
import type { Emitter } from '../lib/emitter.ts'
import type { AgentTools } from '../engines/agent/agent.ts'
import type { Conversation } from './conversation.ts'
import type { ConversationAction } from './conversation-state.ts'
import type { StreamMap } from './streams.ts'

export type Publisher = Pick<Emitter<StreamMap>, 'emit'>
export type Transcript = Pick<Conversation, 'dispatch'>

export class AnswerAhead implements Publisher, Transcript {
  readonly turnId: string
  readonly abort = new AbortController()
  private events: [keyof StreamMap, unknown][] | null = []
  private actions: ConversationAction[] | null = []
  private release!: () => void
  private refuse!: (err: unknown) => void
  /** Settles when the answer becomes the turn (or rejects when it is abandoned). */
  readonly committed = new Promise<void>((resolve, reject) => {
    this.release = resolve
    this.refuse = reject
  })
  /** Its upstream requests so far (counted as wasted if it is abandoned). */
  requests = { llm: 0, tts: 0 }

  constructor(
    readonly preview: ReturnType<Conversation['preview']>,
    turnId: string,
    private readonly bus: Emitter<StreamMap>,
    private readonly conversation: Conversation,
    /** Sees every datum as it is published, held or not (the voice makes its sound ahead from the text). */
    private readonly tap: <K extends keyof StreamMap>(kind: K, datum: StreamMap[K]) => void,
  ) {
    this.turnId = turnId
    this.committed.catch(() => {})
  }

  emit<K extends keyof StreamMap>(kind: K, datum: StreamMap[K]) {
    this.tap(kind, datum)
    if (this.events) this.events.push([kind, datum])
    else if (!this.abort.signal.aborted) this.bus.emit(kind, datum)
  }

  dispatch(action: ConversationAction) {
    if (this.actions) this.actions.push(action)
    else if (!this.abort.signal.aborted) this.conversation.dispatch(action)
  }

  /** Tools run only once the answer is the turn's. */
  gate(tools: AgentTools | undefined): AgentTools | undefined {
    if (!tools) return undefined
    return { definitions: tools.definitions, run: async (call, signal) => (await this.committed, tools.run(call, signal)) }
  }

  /** It is the turn: the question joins the transcript, then everything held, in order, then it runs live. */
  commit(spoken?: { startMs: number; endMs: number }) {
    if (!this.events || !this.actions) return
    this.conversation.commit(this.preview, spoken)
    const actions = this.actions
    const events = this.events
    this.actions = this.events = null
    for (const a of actions) this.conversation.dispatch(a)
    for (const [kind, datum] of events) this.bus.emit(kind, datum as never)
    this.release()
  }

  /** Not wanted: stop it all and forget it. */
  abandon() {
    if (!this.events) return
    this.events = this.actions = null
    this.refuse(new AppError('abandoned', 'The answer started ahead was not needed.'))
    this.abort.abort()
  }

  get pending() {
    return this.events !== null
  }
}
