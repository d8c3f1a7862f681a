/**
 * A real MCP server for the tests: the official SDK's McpServer behind its Streamable HTTP
 * transport (stateful: one session per initialize, as most hosted servers run), on a node:http
 * server on loopback. Its tools stand for the ways a real one answers: an order lookup, a tool
 * slower than any timeout, one that throws, one whose answer is too big, and one the operator's
 * allow-list should hide.
 *
 * It can be started on a fixed port after the relay (a server that comes up later), can require
 * a header (the operator's credentials), and records what reached it. Run directly it prints its
 * URL and serves until killed: `tsx tests/fakes/mcp-server.ts [port]` (FAKE_MCP_AUTH=<header value>
 * requires `Authorization: <value>`).
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { pathToFileURL } from 'node:url'
import { McpServer, type RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { json, readBody } from './http.ts'

export interface McpTestServerOptions {
  /** 0 (default) picks a free one; a fixed one lets a test start the server after the relay. */
  port?: number
  /** When set, every request must carry `Authorization: <authorization>`, else 401. */
  authorization?: string
  /** How long `slow` takes (unless cancelled). */
  slowMs?: number
  /** The size of `big`'s text. */
  bigBytes?: number
  /** Lists the tools this many at a time, with a cursor (the SDK's own listing sends all at once). */
  pageSize?: number
}

export interface McpTestRequest {
  method: string
  headers: IncomingHttpHeaders
  /** The JSON-RPC methods in a POST's body. */
  rpc: string[]
}

export interface McpTestServer {
  /** The MCP endpoint, `<origin>/mcp`. */
  url: string
  port: number
  requests: McpTestRequest[]
  /** Each tools/call that reached a tool: its name and arguments; `cancelled` when the client called it off. */
  calls: { tool: string; arguments: Record<string, unknown>; cancelled?: boolean }[]
  /** Sessions opened (initialize requests answered) and closed (DELETE). */
  sessions: { opened: number; closed: number }
  close(): Promise<void>
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => {
      clearTimeout(timer)
      resolve()
    }, { once: true })
  })

export async function startMcpServer(options: McpTestServerOptions = {}): Promise<McpTestServer> {
  const requests: McpTestRequest[] = []
  const calls: McpTestServer['calls'] = []
  const sessions = new Map<string, StreamableHTTPServerTransport>()
  const counts = { opened: 0, closed: 0 }
  const sockets = new Set<Socket>()

  /** A session's own McpServer (an McpServer serves one transport) with the tools. */
  function toolServer(): McpServer {
    const mcp = new McpServer({ name: 'parley-fake-mcp', version: '1.0.0' })
    const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] })
    const tools: Record<string, RegisteredTool> = {
      lookup_order: mcp.registerTool('lookup_order', { description: 'Looks up an order by its number and says where it is.', inputSchema: { order: z.string().describe('The order number, e.g. 4411') } }, ({ order }) => {
        calls.push({ tool: 'lookup_order', arguments: { order } })
        return text(`Order ${order} shipped on 2026-11-28 by parcel.`)
      }),
      slow: mcp.registerTool('slow', { description: 'Takes its time.' }, async (extra) => {
        const call: McpTestServer['calls'][number] = { tool: 'slow', arguments: {}, cancelled: false }
        calls.push(call)
        await sleep(options.slowMs ?? 30_000, extra.signal)
        call.cancelled = extra.signal.aborted
        return text('Finally done.')
      }),
      fail: mcp.registerTool('fail', { description: 'Always fails.' }, () => {
        calls.push({ tool: 'fail', arguments: {} })
        throw new Error('The order system is down for maintenance.')
      }),
      big: mcp.registerTool('big', { description: 'Answers with far too much.' }, () => {
        calls.push({ tool: 'big', arguments: {} })
        return text('x'.repeat(options.bigBytes ?? 100 * 1024))
      }),
      secret_tool: mcp.registerTool('secret_tool', { description: 'Not for the browser.' }, () => {
        calls.push({ tool: 'secret_tool', arguments: {} })
        return text('classified')
      }),
    }
    const pageSize = options.pageSize
    if (pageSize) {
      // The same tools, a page at a time: the cursor is the index of the next one.
      const listed = Object.entries(tools).map(([name, t]) => ({ name, description: t.description, inputSchema: t.inputSchema ? (z.toJSONSchema(t.inputSchema as z.ZodType) as { type: 'object' }) : { type: 'object' as const } }))
      mcp.server.removeRequestHandler('tools/list')
      mcp.server.setRequestHandler(ListToolsRequestSchema, (req) => {
        const from = Number(req.params?.cursor ?? 0)
        const next = from + pageSize
        return { tools: listed.slice(from, next), ...(next < listed.length ? { nextCursor: String(next) } : {}) }
      })
    }
    return mcp
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const body = req.method === 'POST' ? (await readBody(req)).toString('utf8') : ''
    let parsed: unknown
    try {
      parsed = body ? JSON.parse(body) : undefined
    } catch {
      return json(res, 400, { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null })
    }
    const messages = (Array.isArray(parsed) ? parsed : parsed ? [parsed] : []) as { method?: string }[]
    const rpc = messages.map((m) => m.method ?? '(response)')
    requests.push({ method: req.method ?? '', headers: req.headers, rpc })
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/mcp') return json(res, 404, { error: 'not found' })
    if (options.authorization && req.headers.authorization !== options.authorization) {
      return json(res, 401, { jsonrpc: '2.0', error: { code: -32001, message: 'Unauthorized' }, id: null })
    }
    const sid = req.headers['mcp-session-id']
    if (typeof sid === 'string') {
      const transport = sessions.get(sid)
      // The spec's answer to a session the server no longer knows: 404, and the client starts anew.
      if (!transport) return json(res, 404, { jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null })
      return transport.handleRequest(req, res, parsed)
    }
    if (req.method !== 'POST' || !rpc.includes('initialize')) {
      return json(res, 400, { jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: no session; start with initialize' }, id: null })
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        counts.opened++
        sessions.set(id, transport)
      },
      onsessionclosed: (id) => {
        counts.closed++
        sessions.delete(id)
      },
    })
    await toolServer().connect(transport)
    await transport.handleRequest(req, res, parsed)
  }

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy())
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    requests,
    calls,
    sessions: counts,
    close: async () => {
      for (const t of sessions.values()) await t.close().catch(() => {})
      sessions.clear()
      await new Promise<void>((r) => {
        for (const s of sockets) s.destroy()
        server.close(() => r())
      })
    },
  }
}

/** A loopback port that is free now (for a server to be started there later). */
export async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()))
  const { port } = probe.address() as AddressInfo
  await new Promise<void>((r) => probe.close(() => r()))
  return port
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const fake = await startMcpServer({ port: Number(process.argv[2] ?? 0), authorization: process.env.FAKE_MCP_AUTH || undefined })
  console.log(fake.url)
}
