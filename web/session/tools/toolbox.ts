import type { AgentTools, ToolCall } from '../../engines/agent/agent.ts'
import type { Emitter } from '../../lib/emitter.ts'
import { isAbort } from '../../lib/errors.ts'
import type { StreamMap } from '../streams.ts'
import { refused, type Tool, type ToolOutcome } from './tool.ts'

/** What the model reads of one result at most (a tool's JSON). */
const RESULT_CHARS = 16_000

/**
 * The tools of a turn, as the agent runs them: each call's arguments parsed and checked, the tool
 * run, and what happened published as `agent.tool` (the transcript's chips and the session log
 * follow it). A call the model got wrong — an unknown tool, arguments that are not a JSON object,
 * a tool that throws — is answered with an error for the model to read, never a failed turn.
 */
export function turnTools(tools: readonly Tool[], turn: { turnId: string; assistantId: string }, bus: Emitter<StreamMap>): AgentTools | undefined {
  if (!tools.length) return undefined
  const byName = new Map(tools.map((t) => [t.definition.name, t]))
  return {
    definitions: tools.map((t) => t.definition),
    async run(call, signal) {
      const startedAt = performance.now()
      bus.emit('agent.tool', { ...turn, call, phase: 'started', at: startedAt })
      const outcome = await runCall(byName.get(call.name), call, signal)
      signal.throwIfAborted()
      bus.emit('agent.tool', { ...turn, call, phase: 'done', at: performance.now(), startedAt, outcome })
      return JSON.stringify(outcome.result).slice(0, RESULT_CHARS)
    },
  }
}

async function runCall(tool: Tool | undefined, call: ToolCall, signal: AbortSignal): Promise<ToolOutcome> {
  if (!tool) return refused(`${call.name}: unknown`, `there is no tool named "${call.name}"`)
  let args: unknown
  try {
    args = call.arguments.trim() ? JSON.parse(call.arguments) : {}
  } catch {
    return refused(`${call.name}: bad arguments`, 'the arguments were not valid JSON; call it again with a JSON object')
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return refused(`${call.name}: bad arguments`, 'the arguments must be a JSON object')
  try {
    return await tool.run(args as Record<string, unknown>, signal)
  } catch (err) {
    if (signal.aborted || isAbort(err)) throw err
    return refused(`${call.name}: failed`, err instanceof Error ? err.message : String(err))
  }
}
