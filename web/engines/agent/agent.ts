import type { SpeechChunk } from '../media.ts'
import type { GenerationStats } from '../llm/protocol.ts'

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
  /** What the agent may do besides talking: offered to a model that calls functions. */
  tools?: AgentTools
  /** An on-device model's counts for this answer, once its generation ends (cancelled too). */
  onStats?(stats: GenerationStats): void
}

/** A function the model may call, as OpenAI's chat-completions and Realtime APIs describe one. */
export interface ToolDefinition {
  name: string
  description: string
  /** A JSON Schema object for the arguments. */
  parameters: Record<string, unknown>
}

/** A call the model made: its id (to answer it by), the function and its arguments as the JSON text the model wrote. */
export interface ToolCall {
  id: string
  name: string
  arguments: string
}

/**
 * The tools of one turn. `run` never fails for a tool's sake (a bad argument, a failing tool: its
 * result says so, for the model to read and recover from); it rejects only when the turn is
 * stopped.
 */
export interface AgentTools {
  definitions: readonly ToolDefinition[]
  run(call: ToolCall, signal: AbortSignal): Promise<string>
}

/**
 * Something that answers a conversation with streamed text. The session does not care whether
 * the words come from an LLM behind the relay, a model on the device, or the offline guide.
 */
export interface Agent {
  readonly kind: 'relay' | 'offline' | 'realtime' | 'device'
  /** Shown to the user: which model answers, or that no model does. */
  readonly label: string
  /** Yields text deltas as they arrive; throws AppError on failure, AbortError when stopped. */
  reply(request: AgentRequest): AsyncIterable<string>
  /**
   * An agent that keeps a conversation of its own (a Realtime session, which may answer a spoken
   * turn before any turn asks) reads the conversation so far from here when it starts one.
   */
  prime?(history: () => readonly ChatTurn[]): void
  /** A model on the device loads ahead of the first answer (when the user starts talking). */
  load?(): Promise<void>
}

/** How many rounds of tool calls one answer may make before it must answer in words. */
export const MAX_TOOL_STEPS = 4
/** How many calls of one round are run; the rest are told to come again (results stay bounded, and so does the next request). */
export const MAX_CALLS_PER_ROUND = 8

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
