import { MAX_CALLS_PER_ROUND, MAX_TOOL_STEPS, type AgentTools, type ToolCall } from './agent.ts'

/** OpenAI chat messages beyond plain text: the model's calls, and the tools' answers to them. */
export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[] }
  | { role: 'tool'; tool_call_id: string; content: string }

/** What one request to the model gives: text as it is written, then perhaps the calls it ended with. */
export type StepOutput = string | { calls: ToolCall[] }

/**
 * Whether a request offers the tools: `auto` (the model may call them), `none` (they are shown,
 * as the conversation has calls in it, but the model must answer in words), `off` (no tools).
 */
export type ToolOffer = 'auto' | 'none' | 'off'

export type Step = (continuation: readonly ChatMessage[], offer: ToolOffer) => AsyncIterable<StepOutput>

/**
 * The agent loop of one answer: ask the model; when it calls tools, run them (side by side, as
 * the model may ask for several at once), add the calls and their results to the conversation
 * and ask again — at most MAX_TOOL_STEPS rounds, then the model must answer in words. The text of
 * every round is yielded as it comes, so what is speakable is spoken while tools run; rounds are
 * joined with a space where the model left none. A stopped turn ends the loop where it is.
 */
export async function* answerWithTools(step: Step, tools: AgentTools | undefined, signal: AbortSignal): AsyncIterable<string> {
  const continuation: ChatMessage[] = []
  let said = ''
  for (let round = 0; ; round++) {
    const offer: ToolOffer = !tools?.definitions.length ? 'off' : round < MAX_TOOL_STEPS ? 'auto' : 'none'
    let calls: ToolCall[] = []
    let text = ''
    for await (const out of step(continuation, offer)) {
      if (typeof out !== 'string') {
        calls = out.calls
        continue
      }
      if (!out) continue
      const piece = !text && said && !/\s$/.test(said) && !/^\s/.test(out) ? ` ${out}` : out
      text += out
      said += piece
      yield piece
    }
    // A model that calls tools when told not to gets no more rounds: what it said is the answer.
    if (!calls.length || offer !== 'auto' || !tools) return
    continuation.push({ role: 'assistant', content: text || null, tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) })
    const results = await Promise.all(calls.map((c, i) => (i < MAX_CALLS_PER_ROUND ? tools.run(c, signal) : Promise.resolve(JSON.stringify({ error: `at most ${MAX_CALLS_PER_ROUND} calls at once; call it again on its own` })))))
    signal.throwIfAborted()
    calls.forEach((c, i) => continuation.push({ role: 'tool', tool_call_id: c.id, content: results[i]! }))
  }
}

/**
 * Gathers streamed tool calls: each call's first delta has its index, id and name; its arguments
 * follow in fragments under the same index (OpenAI's chat-completions stream).
 */
export class ToolCallDeltas {
  private readonly byIndex = new Map<number, ToolCall>()

  add(deltas: readonly { index?: number; id?: string; function?: { name?: string; arguments?: string } }[]) {
    for (const d of deltas) {
      const index = d.index ?? this.byIndex.size
      const call = this.byIndex.get(index) ?? { id: '', name: '', arguments: '' }
      if (d.id) call.id = d.id
      // The name comes whole (some providers repeat it in every delta); only the arguments come in pieces.
      if (d.function?.name && !call.name) call.name = d.function.name
      if (d.function?.arguments) call.arguments += d.function.arguments
      this.byIndex.set(index, call)
    }
  }

  /** The calls in the model's order; one without an id gets one of its own, so its result can still answer it. */
  calls(): ToolCall[] {
    const stamp = Date.now().toString(36)
    return [...this.byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([i, c]) => ({ ...c, id: c.id || `call_${stamp}_${i}` })).filter((c) => c.name)
  }
}
