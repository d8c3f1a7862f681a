import { AppError, errorCode } from '../../lib/errors.ts'
import { relayFetch } from '../../lib/relay-client.ts'
import { readSse } from '../../lib/sse.ts'
import { toChatMessages, type Agent, type AgentRequest } from './agent.ts'
import { answerWithTools, ToolCallDeltas, type ChatMessage, type StepOutput, type ToolOffer } from './tool-loop.ts'

interface ChunkJson {
  choices?: { delta?: { content?: string | null; tool_calls?: { index?: number; id?: string; function?: { name?: string; arguments?: string } }[] } }[]
  /** Some providers report a failure mid-stream as a data frame with an error. */
  error?: { code?: string; message?: string }
}

/**
 * The LLM behind the relay, streamed over OpenAI's chat-completions SSE. With tools it runs the
 * agent loop (tool-loop.ts); a model that cannot call tools (the relay says `tools_not_supported`)
 * is asked again without them, and not offered them again this session.
 */
export function createRelayAgent(options: { model: string; token?: string }): Agent {
  let toolsRefused = false
  return {
    kind: 'relay',
    label: options.model,
    reply({ history, systemPrompt, signal, tools }: AgentRequest) {
      const base = toChatMessages(systemPrompt, history)
      const step = async function* (continuation: readonly ChatMessage[], offer: ToolOffer): AsyncIterable<StepOutput> {
        const withTools = offer !== 'off' && !toolsRefused
        try {
          yield* streamStep(options, [...base, ...continuation], withTools ? { tools, choice: offer } : undefined, signal)
        } catch (err) {
          if (!withTools || errorCode(err) !== 'tools_not_supported' || continuation.length) throw err
          toolsRefused = true
          yield* streamStep(options, base, undefined, signal)
        }
      }
      return answerWithTools(step, toolsRefused ? undefined : tools, signal)
    },
  }
}

async function* streamStep(options: { model: string; token?: string }, messages: ChatMessage[], tools: { tools: AgentRequest['tools']; choice: ToolOffer } | undefined, signal: AbortSignal): AsyncIterable<StepOutput> {
  const offered = tools?.tools?.definitions.map((d) => ({ type: 'function', function: d }))
  const res = await relayFetch('/api/v1/chat/completions', {
    method: 'POST',
    token: options.token,
    signal,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: options.model, stream: true, messages, ...(offered?.length && { tools: offered, tool_choice: tools!.choice }) }),
  })
  if (!res.body) throw new AppError('upstream_bad_response', 'The relay sent an empty answer.')
  const calls = new ToolCallDeltas()
  let finished = false
  try {
    for await (const ev of readSse(res.body)) {
      if (ev.event === 'error') throw streamError(ev.data)
      if (ev.data === '[DONE]') {
        finished = true
        break
      }
      const delta = parseChunk(ev.data)
      if (delta?.tool_calls) calls.add(delta.tool_calls)
      if (delta?.content) yield delta.content
    }
  } catch (err) {
    if (err instanceof AppError || signal.aborted) throw err
    throw new AppError('upstream_disconnected', 'The connection to the relay broke off in the middle of the answer. Try again.')
  }
  if (!finished && !signal.aborted) {
    throw new AppError('upstream_disconnected', 'The answer ended before it was complete. Try again.')
  }
  const made = calls.calls()
  if (made.length) yield { calls: made }
}

function parseChunk(data: string) {
  let chunk: ChunkJson
  try {
    chunk = JSON.parse(data) as ChunkJson
  } catch {
    return undefined
  }
  if (chunk.error) throw new AppError(chunk.error.code ?? 'upstream_error', chunk.error.message ?? 'The answer stopped with an error.')
  return chunk.choices?.[0]?.delta
}

function streamError(data: string): AppError {
  try {
    const e = (JSON.parse(data) as { error?: { code?: string; message?: string } }).error
    return new AppError(e?.code ?? 'upstream_error', e?.message ?? 'The answer stopped with an error.')
  } catch {
    return new AppError('upstream_error', 'The answer stopped with an error.')
  }
}
