import type { ToolInfo } from '../../../relay/contract.ts'
import { errorCode } from '../../lib/errors.ts'
import { callRelayTool } from '../../lib/relay-client.ts'
import { brief, refused, type Tool } from './tool.ts'

/** A tool whose schema is bigger than this is left out: one operator's tool must not crowd out the others. */
const MAX_SCHEMA_CHARS = 8 * 1024

/** The model's name for a server's tool: unique across servers, within OpenAI's rule (`^[a-zA-Z0-9_-]{1,64}$`). */
export const functionName = (t: Pick<ToolInfo, 'server' | 'name'>) => `${t.server}__${t.name}`.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64)

/**
 * Each listed tool as one the agent can call, through the relay (which holds the servers'
 * credentials). Its description and schema are the server's own words, passed to the model as
 * data, never shown as markup.
 */
export function mcpTools(listed: readonly ToolInfo[], token: string | undefined): Tool[] {
  return listed
    .filter((t) => JSON.stringify(t.inputSchema ?? {}).length <= MAX_SCHEMA_CHARS)
    .map((t) => ({
      definition: {
        name: functionName(t),
        description: `${t.description || t.name} (a tool of the "${t.server}" service)`.slice(0, 1024),
        parameters: t.inputSchema && t.inputSchema.type === 'object' ? t.inputSchema : { type: 'object', properties: {} },
      },
      async run(args, signal) {
        try {
          const out = await callRelayTool(t, args, token, signal)
          const text = out.text ?? ''
          return out.isError ? { result: { error: text || 'the tool failed' }, chip: `${t.name}: failed`, ok: false } : { result: { text }, chip: `${t.name}: ${brief(text, 40) || 'done'}`, ok: true }
        } catch (err) {
          signal.throwIfAborted()
          return refused(`${t.name}: ${errorCode(err) === 'tool_timeout' ? 'timed out' : 'failed'}`, err instanceof Error ? err.message : String(err))
        }
      },
    }))
}
