/**
 * The operator's MCP servers (PARLEY_MCP_SERVERS), one connection each, and what the browser may
 * know of them: their tools (each server's allow-list applied) and whether each is up — never
 * their URLs or headers.
 */
import type { McpServerConfig } from './config.ts'
import type { ToolInfo, ToolsListing } from '../contract.ts'
import { McpConnection, type McpConnectionDeps } from './mcp-connection.ts'

export class McpServers {
  private readonly connections: ReadonlyMap<string, McpConnection>

  constructor(servers: readonly McpServerConfig[], deps: McpConnectionDeps) {
    this.connections = new Map(servers.map((s) => [s.name, new McpConnection(s, deps)]))
  }

  get names(): string[] {
    return [...this.connections.keys()]
  }

  get(name: string): McpConnection | undefined {
    return this.connections.get(name)
  }

  /** Every server's tools, listed anew side by side (a server that is down lists none and says why). */
  async listing(): Promise<ToolsListing> {
    const all = [...this.connections.values()]
    const listed = await Promise.all(all.map((s) => s.listTools().catch(() => [])))
    const tools: ToolInfo[] = listed.flatMap((list, i) =>
      list.map((t) => ({ server: all[i]!.name, name: t.name, description: t.description ?? '', inputSchema: t.inputSchema as Record<string, unknown> })),
    )
    return { tools, servers: all.map((s) => s.status()) }
  }
}
