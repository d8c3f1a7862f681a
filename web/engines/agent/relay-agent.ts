import { AppError } from '../../lib/errors.ts'
import { relayFetch } from '../../lib/relay-client.ts'
import { readSse } from '../../lib/sse.ts'
import { toChatMessages, type Agent, type AgentRequest } from './agent.ts'

interface ChunkJson {
  choices?: { delta?: { content?: string | null } }[]
  /** Some providers report a failure mid-stream as a data frame with an error. */
  error?: { code?: string; message?: string }
}

/** The LLM behind the relay, streamed over OpenAI's chat-completions SSE. */
export function createRelayAgent(options: { model: string; token?: string }): Agent {
  return {
    kind: 'relay',
    label: options.model,
    async *reply({ history, systemPrompt, signal }: AgentRequest) {
      const res = await relayFetch('/api/v1/chat/completions', {
        method: 'POST',
        token: options.token,
        signal,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: options.model, stream: true, messages: toChatMessages(systemPrompt, history) }),
      })
      if (!res.body) throw new AppError('upstream_bad_response', 'The relay sent an empty answer.')
      let finished = false
      try {
        for await (const ev of readSse(res.body)) {
          if (ev.event === 'error') throw streamError(ev.data)
          if (ev.data === '[DONE]') {
            finished = true
            break
          }
          const delta = parseChunk(ev.data)
          if (delta) yield delta
        }
      } catch (err) {
        if (err instanceof AppError || signal.aborted) throw err
        throw new AppError('upstream_disconnected', 'The connection to the relay broke off in the middle of the answer. Try again.')
      }
      if (!finished && !signal.aborted) {
        throw new AppError('upstream_disconnected', 'The answer ended before it was complete. Try again.')
      }
    },
  }
}

function parseChunk(data: string): string {
  let chunk: ChunkJson
  try {
    chunk = JSON.parse(data) as ChunkJson
  } catch {
    return ''
  }
  if (chunk.error) throw new AppError(chunk.error.code ?? 'upstream_error', chunk.error.message ?? 'The answer stopped with an error.')
  return chunk.choices?.[0]?.delta?.content ?? ''
}

function streamError(data: string): AppError {
  try {
    const e = (JSON.parse(data) as { error?: { code?: string; message?: string } }).error
    return new AppError(e?.code ?? 'upstream_error', e?.message ?? 'The answer stopped with an error.')
  } catch {
    return new AppError('upstream_error', 'The answer stopped with an error.')
  }
}
