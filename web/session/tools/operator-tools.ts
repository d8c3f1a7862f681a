import type { ToolInfo } from '../../../relay/contract.ts'
import { fetchRelayTools } from '../../lib/relay-client.ts'
import { mcpTools } from './mcp-tools.ts'
import type { Tool } from './tool.ts'

/** How old a listing may be before a turn asks the relay again (a server that came up since is found). */
const STALE_MS = 60_000

/**
 * The operator's MCP tools as the relay lists them, fetched when the relay says it has some (and
 * again when the listing grows old or the access token changes). A listing that fails leaves the
 * agent with the built-in tools only; the next turn tries again.
 */
export class OperatorTools {
  private listed: readonly ToolInfo[] = []
  private key = ''
  private listedAt = -Infinity
  private inFlight: Promise<void> | null = null

  constructor(private readonly changed: () => void) {}

  update(available: boolean, token: string) {
    const key = available ? `on|${token}` : ''
    if (key === this.key) return
    this.key = key
    this.listed = []
    this.listedAt = -Infinity
    if (available) this.refresh()
  }

  /** The tools for a turn about to begin; a stale listing is renewed for the turns after it. */
  tools(): Tool[] {
    if (this.key && performance.now() - this.listedAt > STALE_MS) this.refresh()
    return mcpTools(this.listed, this.token)
  }

  /** Resolves once a listing in flight has come, or after `ms`: a question asked as the page loads gets the operator's tools too. */
  settled(ms: number): Promise<void> {
    if (!this.inFlight) return Promise.resolve()
    return Promise.race([this.inFlight, new Promise<void>((r) => setTimeout(r, ms))])
  }

  get count(): number {
    return this.listed.length
  }

  private get token(): string | undefined {
    return this.key.slice(3) || undefined
  }

  private refresh() {
    if (this.inFlight) return
    const key = this.key
    this.listedAt = performance.now()
    this.inFlight = fetchRelayTools(this.token).then(
      (tools) => {
        if (this.key !== key) return
        this.listed = tools
        this.changed()
      },
      () => {
        // Unreachable or refused: try again at the next turn.
        if (this.key === key) this.listedAt = -Infinity
      },
    )
    void this.inFlight.finally(() => (this.inFlight = null))
  }
}
