import { idbStore } from '../lib/idb-store.ts'
import { conversationReducer, emptyConversation, type ConversationAction, type ConversationState, type Message } from './conversation-state.ts'

const STORAGE_KEY = 'conversation'

let counter = 0
export const newId = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`

/**
 * The transcript, kept on this device (IndexedDB) across reloads until the user clears it. Every
 * change goes through the pure reducer; nothing is saved before the saved copy was read, so a
 * quick first message cannot erase it.
 */
export class Conversation {
  state: ConversationState = emptyConversation
  private restored = false
  private saveTimer: ReturnType<typeof setTimeout> | undefined

  constructor(private readonly changed: () => void) {
    void idbStore.get<Message[]>(STORAGE_KEY).then((saved) => {
      if (saved?.length) this.dispatch({ type: 'restored', messages: saved })
      this.restored = true
      this.scheduleSave()
    })
  }

  get messages(): readonly Message[] {
    return this.state.messages
  }

  dispatch(action: ConversationAction) {
    this.state = conversationReducer(this.state, action)
    this.changed()
    if (action.type === 'cleared') {
      clearTimeout(this.saveTimer)
      this.saveTimer = undefined
      void idbStore.delete(STORAGE_KEY) // at once: a tab closed right after must not bring it back
    } else this.scheduleSave()
  }

  /** A new user message and the answer's place; returns both ids and the history the answer is written from. */
  add(text: string, spoken?: Message['spoken']) {
    const next = this.preview(text, spoken)
    this.commit(next)
    return next
  }

  /** What `add` would make, without making it (an answer started ahead of its turn is written from it). */
  preview(text: string, spoken?: Message['spoken']) {
    const user: Message = { id: newId('u'), role: 'user', text, status: 'done', ...(spoken && { spoken }) }
    const before = this.state.messages.map((m) => (m.status === 'streaming' ? { ...m, status: 'stopped' as const } : m))
    return { user, userId: user.id, assistantId: newId('a'), history: [...before, user] }
  }

  /** The previewed message joins the conversation (`spoken`: where it was said, known only now). */
  commit(next: ReturnType<Conversation['preview']>, spoken?: Message['spoken']) {
    this.dispatch({ type: 'sent', user: spoken ? { ...next.user, spoken } : next.user, assistantId: next.assistantId })
  }

  /** A new answer to an earlier question; the history is what came before it. */
  retry(userId: string) {
    const at = this.state.messages.findIndex((m) => m.id === userId)
    if (at < 0) return null
    const assistantId = newId('a')
    const history = this.state.messages.slice(0, at + 1).map((m) => (m.id === userId ? { ...m, status: 'done' as const } : m))
    this.dispatch({ type: 'retry', userId, assistantId })
    return { userId, assistantId, history }
  }

  textOf(id: string): string | undefined {
    return this.state.messages.find((m) => m.id === id)?.text
  }

  /**
   * Saved a moment after the last change — during an answer too, at most twice a second, so a
   * reload mid-answer keeps the question and what was written (restored as stopped).
   */
  private scheduleSave() {
    if (!this.restored) return
    const streaming = this.state.messages.some((m) => m.status === 'streaming')
    if (streaming && this.saveTimer !== undefined) return
    clearTimeout(this.saveTimer)
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined
      const messages = this.state.messages
      void (messages.length ? idbStore.set(STORAGE_KEY, messages) : idbStore.delete(STORAGE_KEY))
    }, streaming ? 500 : 250)
  }
}
