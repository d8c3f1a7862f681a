import type { Agent, AgentTools } from '../engines/agent/agent.ts'
import type { Emitter } from '../lib/emitter.ts'
import { AppError, isAbort } from '../lib/errors.ts'
import type { Conversation } from './conversation.ts'
import { historyOf, type Message } from './conversation-state.ts'
import type { StreamMap } from './streams.ts'

export interface AnswerTurn {
  turnId: string
  userId: string
  assistantId: string
  signal: AbortSignal
  /** How much of the answer's voice was heard when it was stopped (ms), for an agent that speaks for itself. */
  heardMs?(): number | null
  /** What the agent gets besides the conversation: its tools and the whole persona (made ready just before it is asked). */
  context?(): Promise<{ tools?: AgentTools; persona: string }>
}

/**
 * The agent stage of one turn: streams the answer into the transcript and as `avatar.text`, then
 * `turn.written`. Honours the turn's abort (the request is cancelled all the way upstream) and
 * says so with `stage.stopped`; a failure keeps the question, marked, for a retry.
 */
export async function writeAnswer(agent: Agent | null, turn: AnswerTurn, history: readonly Message[], persona: string, conversation: Pick<Conversation, 'dispatch'>, bus: Pick<Emitter<StreamMap>, 'emit'>): Promise<{ error?: unknown }> {
  const { turnId, userId, assistantId, signal } = turn
  signal.addEventListener('abort', () => bus.emit('stage.stopped', { stage: 'agent', turnId, at: performance.now() }), { once: true })
  try {
    if (!agent) throw new AppError('not_ready', 'Parley is still finding out who answers. Try again in a moment.')
    const context = (await turn.context?.()) ?? { persona }
    signal.throwIfAborted()
    const onVoice = (chunk: StreamMap['avatar.voice']['chunk']) => !signal.aborted && bus.emit('avatar.voice', { turnId, chunk })
    for await (const delta of agent.reply({ history: historyOf(history), systemPrompt: context.persona, signal, onVoice, heardMs: turn.heardMs, tools: context.tools, onStats: (stats) => bus.emit('agent.stats', { turnId, stats }) })) {
      if (signal.aborted) break
      conversation.dispatch({ type: 'delta', id: assistantId, text: delta })
      bus.emit('avatar.text', { turnId, delta })
    }
    signal.throwIfAborted()
    conversation.dispatch({ type: 'finished', id: assistantId })
    bus.emit('turn.written', { turnId, ok: true })
    return {}
  } catch (error) {
    const stopped = signal.aborted || isAbort(error)
    conversation.dispatch(stopped ? { type: 'stopped', id: assistantId } : { type: 'failed', userId, assistantId, error })
    bus.emit('turn.written', { turnId, ok: false })
    return stopped ? {} : { error }
  }
}
