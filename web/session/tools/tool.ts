import type { ToolDefinition } from '../../engines/agent/agent.ts'

/** What a tool did: the result the model reads (JSON), and the chip the transcript shows. */
export interface ToolOutcome {
  result: unknown
  /** Short and readable: "expression: sad", "noted: likes tea". */
  chip: string
  /** false: the tool could not do it (the result says why). */
  ok: boolean
}

/** One thing the agent can do: its definition for the model, and how it is done. */
export interface Tool {
  definition: ToolDefinition
  run(args: Record<string, unknown>, signal: AbortSignal): Promise<ToolOutcome>
}

/** A refusal the model can read and act on: what was wrong with the call. */
export const refused = (chip: string, error: string): ToolOutcome => ({ result: { error }, chip, ok: false })

/** A short, one-line form of a text for a chip. */
export const brief = (text: string, max = 48) => {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

/** JSON Schema helpers: the tools' definitions stay short and alike. */
export const schema = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', properties, required, additionalProperties: false })
