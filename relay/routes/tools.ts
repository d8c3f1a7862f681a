import { Hono } from 'hono'
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import type { RelayLimits } from '../config.ts'
import { credentialsOf } from '../tools/config.ts'
import { ApiError, redact } from '../errors.ts'
import { parseRequest, readJsonBody } from '../http/request-body.ts'
import { ToolServerDown } from '../tools/mcp-connection.ts'
import type { McpServers } from '../tools/mcp-servers.ts'
import { toolCallResult } from '../tools/tool-result.ts'

const callRequest = z.looseObject({
  arguments: z.record(z.string(), z.unknown(), { error: "expected an object of the tool's arguments ({} for none)" }),
})

export interface ToolDeps {
  tools: McpServers
  limits: RelayLimits
  log(entry: Record<string, unknown>): void
}

/**
 * GET /api/v1/tools and POST /api/v1/tools/:server/:tool: the operator's MCP tools, listed and
 * called by the relay with the servers' credentials, which the browser never sees.
 */
export function toolRoutes(deps: ToolDeps) {
  return new Hono()
    .get('/tools', async (c) => {
      c.header('cache-control', 'no-store')
      return c.json(await deps.tools.listing())
    })
    .post('/tools/:server/:tool', async (c) => {
      const started = performance.now()
      const server = c.req.param('server')
      const name = c.req.param('tool')
      let outcome = 'ok'
      let status = 200
      try {
        const { body, isError } = await callTool(c.req.raw, server, name, deps)
        outcome = isError ? 'tool_error' : 'ok'
        return c.body(body, 200, { 'content-type': 'application/json' })
      } catch (err) {
        outcome = err instanceof ApiError ? err.code : 'internal_error'
        status = err instanceof ApiError ? err.status : 500
        throw err
      } finally {
        // One line per call: which tool and how it went, never its arguments or its result.
        const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info'
        deps.log({ level, msg: 'tool call', server: server.slice(0, 64), tool: name.slice(0, 128), ms: Math.round(performance.now() - started), outcome })
      }
    })
}

/** One call: checked (server, allow-list, body, tool), run, and its result as the answer's JSON. */
async function callTool(request: Request, server: string, name: string, { tools, limits }: ToolDeps): Promise<{ body: string; isError: boolean }> {
  const connection = tools.get(server)
  if (!connection) {
    throw new ApiError(404, 'tool_server_not_found', `This relay has no tool server "${server.slice(0, 64)}". Servers: ${tools.names.join(', ') || 'none (the operator lists them in PARLEY_MCP_SERVERS)'}; GET /api/v1/tools lists their tools.`)
  }
  const notFound = () => new ApiError(404, 'tool_not_found', `The tool server "${server}" offers no tool "${name.slice(0, 128)}" here. GET /api/v1/tools lists the tools this relay offers.`)
  if (!connection.allows(name)) throw notFound()
  const { arguments: args } = parseRequest(callRequest, await readJsonBody(request, limits.toolBodyBytes))
  // Linked to the client's request only while the call runs: the SDK would otherwise cancel
  // an already answered call when the request's signal fires at its end.
  const abort = new AbortController()
  const clientGone = () => abort.abort('client closed')
  request.signal.addEventListener('abort', clientGone, { once: true })
  let result
  try {
    if (!(await connection.tool(name))) throw notFound()
    result = toolCallResult(await connection.callTool(name, args, abort.signal))
  } catch (err) {
    throw callFailure(err, server, name, limits, abort.signal, credentialsOf(connection.config))
  } finally {
    request.signal.removeEventListener('abort', clientGone)
  }
  const body = JSON.stringify(result)
  const bytes = new TextEncoder().encode(body).byteLength
  if (bytes > limits.toolResultBytes) {
    throw new ApiError(502, 'tool_result_too_large', `The tool "${name}" on "${server}" answered with ${kib(bytes)} KiB, more than the relay's limit of ${kib(limits.toolResultBytes)} KiB. Ask it for less (a narrower query, fewer items).`)
  }
  return { body, isError: result.isError }
}

const kib = (bytes: number) => Math.ceil(bytes / 1024)

/** A call that produced no tool outcome, as an error answer; the server's words scrubbed of its credentials. */
function callFailure(err: unknown, server: string, tool: string, limits: RelayLimits, signal: AbortSignal, secrets: string[]): ApiError {
  if (err instanceof ApiError) return err
  if (err instanceof ToolServerDown) return new ApiError(502, 'tool_unavailable', `The tool server "${server}" is unavailable: ${err.reason}. Try again later.`)
  if (err instanceof McpError && err.code === ErrorCode.RequestTimeout) {
    if (signal.aborted) return new ApiError(400, 'client_closed', 'The client closed the request.')
    return new ApiError(504, 'tool_timeout', `The tool "${tool}" on "${server}" did not answer within ${limits.toolCallMs / 1000} s.`)
  }
  const said = err instanceof Error ? redact(err.message, secrets).slice(0, 300) : 'no reason given'
  return new ApiError(502, 'tool_unavailable', `The tool server "${server}" could not run "${tool}" (${said}).`)
}
