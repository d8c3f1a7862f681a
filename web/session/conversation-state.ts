import type { ChatTurn } from '../engines/agent/agent.ts'

export type MessageStatus = 'done' | 'streaming' | 'stopped' | 'failed'

export interface Message {
  id: string
  role: 'user' | 'assistant'
  text: string
  status: MessageStatus
  /** For spoken messages: where the speech was in the captured audio (ms). */
  spoken?: { startMs: number; endMs: number }
  /** An answer the user cut into: `text` is what they heard. */
  interrupted?: boolean
  /** The tools the answer called, as the transcript shows them. */
  tools?: ToolChip[]
  /** The passages of the user's documents the answer was given, numbered as it cites them ([1]). */
  sources?: MessageSource[]
}

/** A passage an answer may cite: its number, where it is from, and its text (kept, so a citation opens after the document is gone). */
export interface MessageSource {
  n: number
  docId: string
  chunkId: string
  label: string
  text: string
}

/** A tool call in the transcript: "expression: sad", "noted: likes tea". */
export interface ToolChip {
  id: string
  label: string
  status: 'running' | 'done' | 'failed'
}

export interface ConversationState {
  messages: Message[]
  /** The assistant message being written, if any. */
  replyingTo: string | null
  error: unknown
}

export type ConversationAction =
  | { type: 'sent'; user: Message; assistantId: string }
  | { type: 'delta'; id: string; text: string }
  /** A tool call of the answer began or ended (the chip with the same id is replaced). */
  | { type: 'tool'; id: string; chip: ToolChip }
  /** Passages the answer was given (for the prompt, or by a search the model made). */
  | { type: 'sources'; id: string; sources: MessageSource[] }
  | { type: 'finished'; id: string }
  | { type: 'stopped'; id: string }
  | { type: 'failed'; userId: string; assistantId: string; error: unknown }
  | { type: 'retry'; userId: string; assistantId: string }
  /** Barge-in: the answer keeps only what the user heard before cutting in. */
  | { type: 'interrupted'; id: string; heard: string }
  | { type: 'dismissError' }
  | { type: 'cleared' }
  /** The conversation saved on this device, restored at start (only into an empty one). */
  | { type: 'restored'; messages: Message[] }

export const emptyConversation: ConversationState = { messages: [], replyingTo: null, error: null }

const update = (messages: Message[], id: string, patch: (m: Message) => Partial<Message>) =>
  messages.map((m) => (m.id === id ? { ...m, ...patch(m) } : m))

/** Pure: every change to the transcript goes through here, so it is testable without React. */
export function conversationReducer(state: ConversationState, action: ConversationAction): ConversationState {
  switch (action.type) {
    case 'sent':
      return {
        messages: [...state.messages, action.user, { id: action.assistantId, role: 'assistant', text: '', status: 'streaming' }],
        replyingTo: action.assistantId,
        error: null,
      }
    case 'retry':
      return {
        messages: [
          ...update(state.messages, action.userId, () => ({ status: 'done' })),
          { id: action.assistantId, role: 'assistant', text: '', status: 'streaming' },
        ],
        replyingTo: action.assistantId,
        error: null,
      }
    case 'delta':
      // A delta already on its way when the user cut in must not grow what they heard.
      return { ...state, messages: update(state.messages, action.id, (m) => (m.interrupted ? {} : { text: m.text + action.text })) }
    case 'tool':
      // A call that ends keeps its chip's place: chips stay in the order the model called.
      return {
        ...state,
        messages: update(state.messages, action.id, (m) => ({ tools: m.tools?.some((c) => c.id === action.chip.id) ? m.tools.map((c) => (c.id === action.chip.id ? action.chip : c)) : [...(m.tools ?? []), action.chip] })),
      }
    case 'sources':
      return { ...state, messages: update(state.messages, action.id, (m) => ({ sources: [...(m.sources ?? []), ...action.sources.filter((s) => !m.sources?.some((o) => o.n === s.n))] })) }
    // An interrupted answer ends after the next one began: it must not end the new one's turn.
    case 'finished':
      return { ...state, replyingTo: ownTurn(state, action.id), messages: update(state.messages, action.id, () => ({ status: 'done' })) }
    case 'stopped':
      return { ...state, replyingTo: ownTurn(state, action.id), messages: update(state.messages, action.id, () => ({ status: 'stopped' })) }
    case 'failed': {
      const reply = state.messages.find((m) => m.id === action.assistantId)
      // Nothing was answered: the question stays, marked so the user can send it again.
      // Part of an answer arrived: keep what was said, marked as cut off.
      const messages = reply?.text
        ? update(state.messages, action.assistantId, () => ({ status: 'failed' }))
        : update(state.messages, action.userId, () => ({ status: 'failed' })).filter((m) => m.id !== action.assistantId)
      const current = state.replyingTo === action.assistantId
      return { messages, replyingTo: current ? null : state.replyingTo, error: current ? action.error : state.error }
    }
    case 'interrupted':
      return {
        ...state,
        replyingTo: ownTurn(state, action.id),
        messages: update(state.messages, action.id, () => ({ text: action.heard, status: 'stopped', interrupted: true })),
      }
    case 'dismissError':
      return { ...state, error: null }
    case 'cleared':
      return emptyConversation
    case 'restored':
      // Anything that was mid-answer when the page went away is kept as stopped.
      // A tool call that was running then never ended.
      return state.messages.length
        ? state
        : { ...state, messages: action.messages.map((m) => (m.status === 'streaming' ? { ...m, status: 'stopped', ...(m.tools && { tools: m.tools.map(unfinished) }) } : m)) }
  }
}

/** A chip of a call that never ended, as the transcript keeps it. */
const unfinished = (c: ToolChip): ToolChip => (c.status === 'running' ? { ...c, label: c.label.replace(/…$/, ': stopped'), status: 'failed' } : c)

const ownTurn = (state: ConversationState, id: string) => (state.replyingTo === id ? null : state.replyingTo)

/** What the agent gets as context: finished (or stopped) messages, never failed questions. */
export function historyOf(messages: readonly Message[]): ChatTurn[] {
  return messages
    .filter((m) => m.status !== 'streaming' && !(m.role === 'user' && m.status === 'failed') && m.text.trim())
    .map((m) => ({ role: m.role, content: m.text }))
}
