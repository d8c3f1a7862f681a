import { errorCode } from '../../lib/errors.ts'
import { relayFetch } from '../../lib/relay-client.ts'
import type { ToolCallResult, ToolInfo, ToolsListing } from '../../../relay/contract.ts'
import { brief, refused, type Tool } from './tool.ts'

/** A tool of one of the operator's MCP servers, as `GET /api/v1/tools` lists it. */
export type RelayTool = ToolInfo

/** What the model reads of a result at most: a tool's answer must not crowd out the conversation. */
const RESULT_CHARS = 16_000

/** The model's name for a server's tool: unique across servers, within OpenAI's rule (`^[a-zA-Z0-9_-]{1,64}$`). */
export const functionName = (t: Pick<RelayTool, 'server' | 'name'>) => `${t.server}__${t.name}`.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64)

/** The operator's tools, listed by the relay (the servers' credentials stay there). */
export async function listRelayTools(token: string | undefined, signal?: AbortSignal): Promise<RelayTool[]> {
  const res = await relayFetch('/api/v1/tools', { token, signal })
  const body = (await res.json()) as Partial<ToolsListing>
  return Array.isArray(body.tools) ? body.tools : []
}

/** Each listed tool as one the agent can call: `POST /api/v1/tools/<server>/<tool>` through the relay. */
export function mcpTools(listed: readonly RelayTool[], token: string | undefined): Tool[] {
  return listed.map((t) => ({
    definition: {
      name: functionName(t),
      description: `${t.description || t.name} (a tool of the "${t.server}" service)`.slice(0, 1024),
      parameters: t.inputSchema && t.inputSchema.type === 'object' ? t.inputSchema : { type: 'object', properties: {} },
    },
    async run(args, signal) {
      try {
        const res = await relayFetch(`/api/v1/tools/${encodeURIComponent(t.server)}/${encodeURIComponent(t.name)}`, {
          method: 'POST',
          token,
          signal,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ arguments: args }),
        })
        const out = (await res.json()) as Partial<ToolCallResult>
        const text = (out.text ?? '').slice(0, RESULT_CHARS)
        return out.isError ? { result: { error: text || 'the tool failed' }, chip: `${t.name}: failed`, ok: false } : { result: { text }, chip: `${t.name}: ${brief(text, 40) || 'done'}`, ok: true }
      } catch (err) {
        signal.throwIfAborted()
        return refused(`${t.name}: ${errorCode(err) === 'tool_timeout' ? 'timed out' : 'failed'}`, err instanceof Error ? err.message : String(err))
      }
    },
  }))
}
