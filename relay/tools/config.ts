/**
 * The operator's MCP servers as PARLEY_MCP_SERVERS names them (config.ts reads the variable):
 * checked with problems that name the entry and the field, never a value.
 */
import { z } from 'zod'

/**
 * One of the operator's MCP servers (PARLEY_MCP_SERVERS), whose tools the relay offers the
 * browser. Its headers are its credentials: sent to that server only, never logged or shown.
 */
export interface McpServerConfig {
  /** How the browser names it (in GET /api/v1/tools and the call's path). */
  name: string
  /** Its Streamable HTTP endpoint. */
  url: string
  headers: Readonly<Record<string, string>>
  /** The tools the browser may see and call; undefined: all the server lists. */
  tools: readonly string[] | undefined
}

const MCP_EXAMPLE = '[{"name": "docs", "url": "https://mcp.example.com/mcp", "headers": {"Authorization": "Bearer …"}, "tools": ["search"]}]'
/** A header name as HTTP allows it. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/** Headers the MCP transport sets itself: an operator's value would break the session. */
const TRANSPORT_HEADERS = new Set(['accept', 'content-type', 'content-length', 'host', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id'])

const mcpServer = z.strictObject(
  {
    name: z.string({ error: 'expected a string' }).regex(/^[a-zA-Z0-9_-]{1,32}$/, 'expected 1–32 letters, digits, _ or - (it names the server in the tools API)'),
    url: z
      .string({ error: 'expected a string' })
      .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'expected the server\'s http:// or https:// MCP endpoint, e.g. https://mcp.example.com/mcp')
      .refine((u) => !URL.canParse(u) || (!new URL(u).username && !new URL(u).password), 'put credentials in "headers" (e.g. {"Authorization": "Bearer …"}), not in the URL'),
    headers: z
      .record(
        z.string(),
        z.string({ error: 'expected a string value' }).refine((v) => !/[\r\n\0]/.test(v), 'a header value cannot hold a line break'),
        { error: 'expected an object of header names to string values, e.g. {"Authorization": "Bearer …"}' },
      )
      .superRefine((headers, ctx) => {
        for (const name of Object.keys(headers)) {
          if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'is not a header name' })
          else if (TRANSPORT_HEADERS.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', path: [name], message: 'is set by the MCP transport itself; leave it out' })
        }
      })
      .optional(),
    tools: z
      .array(z.string({ error: 'expected a tool name' }).min(1, 'expected a tool name').max(128, 'expected a tool name of at most 128 characters'), { error: 'expected an array of the tool names to offer, e.g. ["search"]' })
      .optional(),
  },
  { error: 'expected an object {name, url, headers?, tools?}' },
)

/**
 * PARLEY_MCP_SERVERS: a JSON array of servers. Returns them, or the problems, each naming the
 * entry and the field; never quoting a value (headers hold credentials, URLs sometimes do).
 */
export function mcpServersConfig(text: string | undefined): McpServerConfig[] | { problems: string[] } {
  if (text === undefined) return []
  const at = 'PARLEY_MCP_SERVERS'
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    // Only where it broke: the parser's message may quote the text, credentials and all.
    const where = /position \d+/.exec((err as Error).message)?.[0]
    return { problems: [`${at}: not valid JSON${where ? ` (at ${where})` : ''}; expected an array like ${MCP_EXAMPLE}`] }
  }
  if (!Array.isArray(value)) return { problems: [`${at}: expected a JSON array of servers, like ${MCP_EXAMPLE}`] }
  const problems: string[] = []
  const servers: McpServerConfig[] = []
  const seen = new Set<string>()
  value.forEach((entry, i) => {
    const parsed = mcpServer.safeParse(entry)
    const label = typeof (entry as { name?: unknown })?.name === 'string' && /^[a-zA-Z0-9_-]{1,32}$/.test((entry as { name: string }).name) ? `[${i}] ("${(entry as { name: string }).name}")` : `[${i}]`
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')
        const what = issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}; expected name, url, headers, tools` : issue.message
        problems.push(`${at}${label}${field}: ${what}`)
      }
      return
    }
    const s = parsed.data
    if (seen.has(s.name)) return problems.push(`${at}${label}.name: another server is already named "${s.name}"; give each a different name`)
    seen.add(s.name)
    servers.push({ name: s.name, url: s.url, headers: s.headers ?? {}, tools: s.tools })
  })
  return problems.length ? { problems } : servers
}

/** What must never be shown of a server: its header values, and the credential after a scheme ("Bearer <token>"). */
export function credentialsOf(server: McpServerConfig): string[] {
  return Object.values(server.headers).flatMap((v) => {
    const credential = /^\S+\s+(\S.*)$/.exec(v)?.[1]
    return credential ? [v, credential] : [v]
  })
}
