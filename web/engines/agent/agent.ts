import type { SpeechChunk } from '../media.ts'

/** A finished message of the conversation, as the agent sees it. */
export interface ChatTurn {
  role: 'user' | 'assistant'
  content: string
}

export interface AgentRequest {
  /** The conversation so far, ending with the user's new message. */
  history: readonly ChatTurn[]
  /** The persona / system prompt from settings. */
  systemPrompt: string
  signal: AbortSignal
  /** An agent that speaks for itself (a speech-to-speech model) hands its voice here, piece by piece, as it comes. */
  onVoice?(chunk: SpeechChunk): void
  /** How much of that voice the listener heard (ms), asked once the answer is stopped: such a model is told to forget the rest. */
  heardMs?(): number | null
}

/**
 * Something that answers a conversation with streamed text. The session does not care whether
 * the words come from an LLM behind the relay, a model on the device, or the offline guide.
 */
export interface Agent {
  readonly kind: 'relay' | 'offline' | 'realtime'
  /** Shown to the user: which model answers, or that no model does. */
  readonly label: string
  /** Yields text deltas as they arrive; throws AppError on failure, AbortError when stopped. */
  reply(request: AgentRequest): AsyncIterable<string>
  /**
   * An agent that keeps a conversation of its own (a Realtime session, which may answer a spoken
   * turn before any turn asks) reads the conversation so far from here when it starts one.
   */
  prime?(history: () => readonly ChatTurn[]): void
}

/** How many past messages go with each request: enough context, bounded request size. */
export const HISTORY_LIMIT = 20

/** The OpenAI `messages` for a request: the persona, then the last turns. */
export function toChatMessages(systemPrompt: string, history: readonly ChatTurn[], limit = HISTORY_LIMIT) {
  const recent = history.filter((t) => t.content.trim() !== '').slice(-limit)
  // A window that starts with the assistant reads oddly to some models: start at a user turn.
  while (recent.length > 1 && recent[0]!.role !== 'user') recent.shift()
  const messages: { role: 'system' | 'user' | 'assistant'; content: string }[] = []
  if (systemPrompt.trim()) messages.push({ role: 'system', content: systemPrompt.trim() })
  for (const t of recent) messages.push({ role: t.role, content: t.content })
  return messages
}
