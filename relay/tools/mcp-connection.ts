/**
 * The relay's session with one of the operator's MCP servers, over the official SDK's client and
 * its Streamable HTTP transport, through the relay's own fetch (so the same code runs on Node
 * and on Workers). It connects on first use; a server that is down is tried again on a later
 * request, at most once per `retryMs`, so one that comes up after the relay is used.
 */
import { Client } from '@modelcontextprotocol/sdk/client'
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { ErrorCode, McpError, type CallToolResult, type CompatibilityCallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js'
import type { JsonSchemaValidator, jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation'
import type { RelayLimits } from '../config.ts'
import type { McpServerConfig } from './config.ts'
import type { ToolServerStatus } from '../contract.ts'

export type McpLimits = Pick<RelayLimits, 'toolCallMs' | 'toolConnectMs' | 'toolRetryMs'>

export interface McpConnectionDeps {
  fetch: typeof fetch
  limits: McpLimits
  log(entry: Record<string, unknown>): void
  /** The relay's version, told to the server as the client's. */
  version: string
}

/** The server cannot be used now; `reason` says why in words for the operator (no URL, no credentials). */
export class ToolServerDown extends Error {
  constructor(readonly server: string, readonly reason: string) {
    super(`MCP server "${server}" is unavailable: ${reason}`)
    this.name = 'ToolServerDown'
  }
}

/** A listing has at most this many pages: a server whose cursor never ends is cut off. */
const MAX_PAGES = 100
/** How much longer than a request's own timeout its HTTP exchange may last (the SDK's timeout, with its clearer error, comes first). */
const EXCHANGE_GRACE_MS = 1000
/** How long a retired session's goodbye (DELETE) may take before it is dropped anyway. */
const GOODBYE_MS = 1000

/**
 * The relay hands results on as they are, for the model to read: checking a tool's structured
 * output against its schema would only turn a sloppy server's answer into an error. (The SDK's
 * default checker, Ajv, also compiles schemas with `new Function`, which Workers forbid.)
 */
const passThrough: jsonSchemaValidator = {
  getValidator<T>(): JsonSchemaValidator<T> {
    return (input) => ({ valid: true, data: input as T, errorMessage: undefined })
  },
}

/**
 * The relay asks and the server answers each request on its POST; it never opens the optional
 * standing GET stream (server-initiated messages, which the relay has no use for). Such a stream
 * would hold a socket per server on Node, and on Workers outlive the request that opened it.
 * 405 is the transport's "this server offers none".
 */
function withoutStandingStream(fetchUpstream: typeof fetch): typeof fetch {
  return (input, init) => (init?.method === 'GET' ? Promise.resolve(new Response(null, { status: 405 })) : fetchUpstream(input, init))
}

/**
 * Each request's HTTP exchange gets a deadline of its own in place of the session's signal. On
 * Workers a session outlives the request that opened it, and a signal made while serving one
 * request cannot even be listened to while serving another ("Cannot perform I/O on behalf of a
 * different request"). The deadline also ends what the session's signal would have: the answer
 * stream of a call that timed out, which a server that stopped the tool never ends itself.
 */
function withDeadline(fetchUpstream: typeof fetch, ms: number): typeof fetch {
  return (input, init) => fetchUpstream(input, { ...init, signal: AbortSignal.timeout(ms) })
}

/** One MCP session, and the calls still running on it (a retired session closes when they end). */
interface Session {
  client: Client
  running: number
  retired: boolean
}

export class McpConnection {
  private session: Session | undefined
  private opening: Promise<Session> | undefined
  private failedAt = Number.NEGATIVE_INFINITY
  private state: ToolServerStatus
  /** The server's tools from its last listing, the allow-list applied. */
  private tools: Tool[] | undefined
  private listedAt = Number.NEGATIVE_INFINITY

  constructor(readonly config: McpServerConfig, private readonly deps: McpConnectionDeps) {
    this.state = { name: config.name, connected: false, reason: 'not connected yet' }
  }

  get name(): string {
    return this.config.name
  }

  status(): ToolServerStatus {
    return { ...this.state }
  }

  /** Whether the operator lets the browser see and call this tool. */
  allows(tool: string): boolean {
    return !this.config.tools || this.config.tools.includes(tool)
  }

  /** The server's tools, listed anew (all pages), the allow-list applied. Throws ToolServerDown. */
  async listTools(): Promise<Tool[]> {
    const tools = await this.use('list', async (client) => {
      const all: Tool[] = []
      const seen = new Set<string>()
      let cursor: string | undefined
      // One deadline for the whole listing: a server paging slowly cannot hold GET /api/v1/tools for minutes.
      const deadline = Date.now() + this.deps.limits.toolCallMs
      for (let page = 0; page < MAX_PAGES; page++) {
        const left = deadline - Date.now()
        if (page > 0 && left <= 0) break
        const res = await client.listTools(cursor === undefined ? undefined : { cursor }, { timeout: Math.max(1, Math.min(this.deps.limits.toolConnectMs, left)) })
        all.push(...res.tools)
        cursor = res.nextCursor
        // A cursor seen before would list the same pages forever.
        if (cursor === undefined || seen.has(cursor)) break
        seen.add(cursor)
      }
      return all
    })
    this.tools = tools.filter((t) => this.allows(t.name))
    this.listedAt = Date.now()
    this.state = { name: this.name, connected: true }
    return this.tools
  }

  /** The tool by name if the server has it and the operator allows it (listing again when it may have been added since). */
  async tool(name: string): Promise<Tool | undefined> {
    if (!this.allows(name)) return undefined
    const known = () => this.tools?.find((t) => t.name === name)
    if (!known() && Date.now() - this.listedAt >= this.deps.limits.toolRetryMs) await this.listTools()
    return known()
  }

  /**
   * Calls a tool. A tool's own failure is a result with `isError`; a timeout is an McpError with
   * code RequestTimeout; the server failing throws (ToolServerDown when it cannot be reached).
   */
  callTool(name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<CallToolResult | CompatibilityCallToolResult> {
    return this.use('call', (client) => client.callTool({ name, arguments: args }, undefined, { timeout: this.deps.limits.toolCallMs, signal }))
  }

  /**
   * Runs `work` on the session, opening one first. A session the server no longer knows (it
   * restarted) is opened anew and the work tried once more, as the spec asks of clients; a server
   * that stopped answering is marked down.
   */
  private async use<T>(what: 'list' | 'call', work: (client: Client) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const session = await this.open()
      session.running++
      try {
        return await work(session.client)
      } catch (err) {
        // A listing may always be asked again: a broken keep-alive connection costs it nothing.
        // A call is not (the tool may have run): only when the server said it was not.
        if (attempt === 0 && (sessionGone(err) || (what === 'list' && unreachable(err)))) {
          this.retire(session)
          continue
        }
        const timedOut = err instanceof McpError && err.code === ErrorCode.RequestTimeout
        // A call that timed out (or whose client left) may still hold its answer's stream open:
        // the next request gets a fresh session, and this one ends with its last call.
        if (timedOut || unreachable(err)) this.retire(session)
        if (unreachable(err) || (timedOut && what === 'list')) {
          this.down(err)
          throw new ToolServerDown(this.name, this.state.reason!)
        }
        if (what === 'list') {
          // Up, but refusing to list (no tools capability, a broken listing).
          this.state = { name: this.name, connected: false, reason: `could not list its tools (${describe(err)})` }
          throw new ToolServerDown(this.name, this.state.reason!)
        }
        throw err
      } finally {
        session.running--
        if (session.retired && session.running === 0) void goodbye(session.client)
      }
    }
  }

  /** The open session, or a new one; none while a failed server waits out its retry interval. */
  private open(): Promise<Session> {
    if (this.session) return Promise.resolve(this.session)
    if (this.opening) return this.opening
    if (Date.now() - this.failedAt < this.deps.limits.toolRetryMs) return Promise.reject(new ToolServerDown(this.name, this.state.reason ?? 'unavailable'))
    this.opening = this.connect()
      .then((client) => {
        const session = { client, running: 0, retired: false }
        this.session = session
        this.state = { name: this.name, connected: true }
        this.tools = undefined
        this.listedAt = Number.NEGATIVE_INFINITY
        return session
      })
      .catch((err: unknown) => {
        this.down(err)
        throw new ToolServerDown(this.name, this.state.reason!)
      })
      .finally(() => {
        this.opening = undefined
      })
    return this.opening
  }

  private async connect(): Promise<Client> {
    const { fetch, limits, version } = this.deps
    const client = new Client({ name: 'parley-relay', version }, { jsonSchemaValidator: passThrough })
    const transport = new StreamableHTTPClientTransport(new URL(this.config.url), {
      fetch: withDeadline(withoutStandingStream(fetch), Math.max(limits.toolCallMs, limits.toolConnectMs) + EXCHANGE_GRACE_MS),
      requestInit: { headers: { ...this.config.headers } },
    })
    // The initialize request has its own timeout; the `initialized` notification after it has
    // none, so the whole handshake gets one deadline.
    let timer: ReturnType<typeof setTimeout> | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new McpError(ErrorCode.RequestTimeout, 'Request timed out')), limits.toolConnectMs)
    })
    try {
      await Promise.race([client.connect(transport, { timeout: limits.toolConnectMs }), deadline])
      return client
    } catch (err) {
      void client.close().catch(() => {})
      throw err
    } finally {
      clearTimeout(timer)
    }
  }

  private down(err: unknown) {
    this.failedAt = Date.now()
    this.state = { name: this.name, connected: false, reason: reasonFor(err, this.deps.limits.toolConnectMs) }
    this.deps.log({ level: 'warn', msg: 'mcp server unavailable', server: this.name, reason: this.state.reason, error: errorText(err) })
  }

  private retire(session: Session) {
    if (this.session === session) this.session = undefined
    session.retired = true
  }
}

/** Ends a session politely (the server frees it), then for good. */
async function goodbye(client: Client): Promise<void> {
  const transport = client.transport as StreamableHTTPClientTransport | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  await Promise.race([transport?.terminateSession().catch(() => {}), new Promise((r) => (timer = setTimeout(r, GOODBYE_MS)))])
  clearTimeout(timer)
  await client.close().catch(() => {})
}

/**
 * The server no longer knows the session: 404 is the spec's answer; servers built on the SDK's
 * examples answer 400. Either way the request was not run, so a new session may run it.
 */
function sessionGone(err: unknown): boolean {
  return err instanceof StreamableHTTPError && (err.code === 404 || err.code === 400)
}

/**
 * The exchange itself failed: the server could not be reached, answered HTTP errors, broke the
 * connection or ran past the deadline. (Not a JSON-RPC error answer, nor a malformed result.)
 */
function unreachable(err: unknown): boolean {
  if (err instanceof McpError) return err.code === ErrorCode.ConnectionClosed
  if (err instanceof StreamableHTTPError || err instanceof TypeError) return true
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError' || /network|connect|socket|fetch/i.test(err.message))
}

/** Why a server is down, for its status: words for the operator, never its URL or headers. */
function reasonFor(err: unknown, connectMs: number): string {
  if (err instanceof McpError && err.code === ErrorCode.RequestTimeout) return `did not answer within ${connectMs / 1000} s`
  if (err instanceof StreamableHTTPError) {
    if (err.code === 401 || err.code === 403) return `refused the relay's credentials (HTTP ${err.code}); check its "headers" in PARLEY_MCP_SERVERS`
    if (err.code === 404) return 'has no MCP endpoint at its URL (HTTP 404); check its "url" in PARLEY_MCP_SERVERS'
    if (err.code !== undefined && err.code > 0) return `answered HTTP ${err.code}`
    return 'did not answer as an MCP server'
  }
  if (err instanceof McpError) return describe(err)
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')) return `did not answer within ${connectMs / 1000} s`
  if (unreachable(err)) return 'unreachable'
  return 'did not answer as an MCP server'
}

/** An error's message for the log, with its cause's (fetch says only "fetch failed"; the cause says why). */
function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err).slice(0, 300)
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : ''
  return `${err.message}${cause}`.slice(0, 300)
}

function describe(err: unknown): string {
  if (err instanceof McpError) return `MCP error ${err.code}`
  return err instanceof Error ? err.name : 'unknown error'
}
