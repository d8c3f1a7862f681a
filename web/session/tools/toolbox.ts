import type { AgentTools, ToolCall } from '../../engines/agent/agent.ts'
import type { Emitter } from '../../lib/emitter.ts'
import { isAbort } from '../../lib/errors.ts'
import type { StreamMap } from '../streams.ts'
import { refused, type Tool, type ToolOutcome } from './tool.ts'

/** What the model reads of one result at most (a tool's JSON): with 8 calls a round and 4 rounds, a request stays far below the relay's 1 MiB. */
export const RESULT_CHARS = 16_000
/** The longest a call may take in the page; the relay gives the operator's tools 15 s of this. */
export const CALL_MS = 20_000

/** What the model is offered at most, built-ins first: within the relay's own check (128 tools, 64 KiB of definitions), whatever the operator lists. */
export const MAX_TOOLS = 120
export const MAX_DEFINITION_CHARS = 56 * 1024

/** The tools that fit the offer, in order: those past the budget are left out (the built-ins come first, so they always fit). */
export function withinBudget(tools: readonly Tool[]): Tool[] {
  const kept: Tool[] = []
  let chars = 0
  for (const t of tools) {
    const size = JSON.stringify(t.definition).length
    if (kept.length >= MAX_TOOLS || chars + size > MAX_DEFINITION_CHARS) continue
    kept.push(t)
    chars += size
  }
  return kept
}

/**
 * The tools of a turn, as the agent runs them: each call's arguments parsed and checked, the tool
 * run (never past CALL_MS, never past a stop), and what happened published as `agent.tool` (the
 * transcript's chips and the session log follow it). A call the model got wrong — an unknown tool,
 * arguments that are not a JSON object, a tool that throws or hangs — is answered with an error for
 * the model to read, never a failed turn. A stopped call is published as stopped, then the turn ends.
 */
export function turnTools(tools: readonly Tool[], turn: { turnId: string; assistantId: string }, bus: Pick<Emitter<StreamMap>, 'emit'>): AgentTools | undefined {
  tools = withinBudget(tools)
  if (!tools.length) return undefined
  const byName = new Map(tools.map((t) => [t.definition.name, t]))
  let calls = 0
  return {
    definitions: tools.map((t) => t.definition),
    async run(call, signal) {
      // The chip's key: a model may use the same call id in two rounds.
      const key = `${turn.turnId}:${calls++}`
      const startedAt = performance.now()
      bus.emit('agent.tool', { ...turn, key, call, phase: 'started', at: startedAt })
      let outcome: ToolOutcome = refused(`${call.name}: stopped`, 'stopped')
      try {
        outcome = await bounded(runCall(byName.get(call.name), call, signal), call, signal)
      } finally {
        bus.emit('agent.tool', { ...turn, key, call, phase: 'done', at: performance.now(), startedAt, outcome })
      }
      signal.throwIfAborted()
      return serialize(outcome.result)
    },
  }
}

/** The result as JSON the model can read, cut down whole when it is too long (never cut mid-JSON). */
function serialize(result: unknown): string {
  const json = JSON.stringify(result) ?? 'null'
  if (json.length <= RESULT_CHARS) return json
  return JSON.stringify({ truncated: true, note: `the result was ${json.length} characters; only its start is here`, start: json.slice(0, RESULT_CHARS - 200) })
}

/** A call ends at the turn's stop or after CALL_MS, whatever the tool does (a storage that never answers, a hung fetch). */
function bounded(work: Promise<ToolOutcome>, call: ToolCall, signal: AbortSignal): Promise<ToolOutcome> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(() => resolve(refused(`${call.name}: timed out`, `the tool did not finish within ${CALL_MS / 1000} s`))), CALL_MS)
    const stop = () => finish(() => reject(signal.reason))
    const finish = (then: () => void) => {
      clearTimeout(timer)
      signal.removeEventListener('abort', stop)
      then()
    }
    if (signal.aborted) return stop()
    signal.addEventListener('abort', stop, { once: true })
    work.then((o) => finish(() => resolve(o)), (err: unknown) => finish(() => reject(err)))
  })
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
