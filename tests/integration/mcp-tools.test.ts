// The operator's MCP tools through the real relay on loopback: a real MCP server (the SDK's own,
// tests/fakes/mcp-server.ts) behind GET /api/v1/tools and POST /api/v1/tools/:server/:tool —
// listing with allow-lists, calls and their failures, the server's credentials kept from the
// browser and the log, and a server that comes up after the relay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig, type Env, type RelayLimits } from '../../relay/config.ts'
import type { ToolCallResult, ToolsListing } from '../../relay/contract.ts'
import { startRelay, type RunningRelay } from '../../relay/node.ts'
import { freePort, startMcpServer, type McpTestServer } from '../fakes/mcp-server.ts'
import { expectApiError, until } from './harness.ts'

/** The MCP server's credential: must reach it, and never a browser or a log line. */
const MCP_AUTH = 'Bearer mcp-secret-7c1e9a44b2d05f3e'
/** An argument value: reaches the tool, never the log. */
const ORDER = 'ORD-4411-x9'
const CALL_MS = 1000

interface Relay {
  relay: RunningRelay
  lines: string[]
  api(path: string, init?: RequestInit): Promise<Response>
}

const relays: RunningRelay[] = []
async function relayWith(servers: unknown[], env: Env = {}, limits: Partial<RelayLimits> = {}): Promise<Relay> {
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', PARLEY_MCP_SERVERS: JSON.stringify(servers), ...env }, { toolCallMs: CALL_MS, toolConnectMs: 2000, toolRetryMs: 300, toolResultBytes: 16 * 1024, ...limits })
  const lines: string[] = []
  const relay = await startRelay(config, { distDir: null, log: (e) => lines.push(JSON.stringify(e)) })
  relays.push(relay)
  return { relay, lines, api: (path, init) => fetch(`${relay.url}${path}`, init) }
}

const call = (args: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(args === undefined ? {} : { arguments: args }),
})

let mcp: McpTestServer
let r: Relay
beforeAll(async () => {
  mcp = await startMcpServer({ authorization: MCP_AUTH, pageSize: 2, bigBytes: 40 * 1024 })
  r = await relayWith([
    { name: 'orders', url: mcp.url, headers: { Authorization: MCP_AUTH }, tools: ['lookup_order', 'slow', 'fail', 'big', 'not_on_the_server'] },
    { name: 'everything', url: mcp.url, headers: { Authorization: MCP_AUTH } },
    { name: 'wrong_key', url: mcp.url, headers: { Authorization: 'Bearer not-the-key' } },
  ])
})
afterAll(async () => {
  await Promise.all(relays.map((x) => x.close()))
  await mcp.close()
})

describe('GET /api/v1/tools', () => {
  it('lists every page of each server’s tools through its allow-list, with each server’s status, and nothing of its credentials or URL', async () => {
    const res = await r.api('/api/v1/tools')
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const text = await res.text()
    const listing = JSON.parse(text) as ToolsListing
    expect(listing.tools.filter((t) => t.server === 'orders').map((t) => t.name)).toEqual(['lookup_order', 'slow', 'fail', 'big'])
    expect(listing.tools.filter((t) => t.server === 'everything').map((t) => t.name)).toEqual(['lookup_order', 'slow', 'fail', 'big', 'secret_tool'])
    expect(listing.tools[0]).toEqual({
      server: 'orders',
      name: 'lookup_order',
      description: 'Looks up an order by its number and says where it is.',
      inputSchema: expect.objectContaining({ type: 'object', properties: { order: { type: 'string', description: 'The order number, e.g. 4411' } }, required: ['order'] }),
    })
    expect(listing.servers).toEqual([
      { name: 'orders', connected: true },
      { name: 'everything', connected: true },
      { name: 'wrong_key', connected: false, reason: expect.stringMatching(/refused the relay's credentials \(HTTP 401\)/) },
    ])
    // The header reached the MCP server; the browser sees neither it nor where the server is.
    expect(mcp.requests.some((q) => q.headers.authorization === MCP_AUTH)).toBe(true)
    for (const secret of [MCP_AUTH, 'mcp-secret-7c1e9a44b2d05f3e', 'not-the-key', mcp.url, String(mcp.port)]) expect(text).not.toContain(secret)
    // The relay never opens MCP's standing GET stream (nothing it would listen to).
    expect(mcp.requests.filter((q) => q.method === 'GET')).toEqual([])
  })

  it('/api/config says tools are available, and not when no server is configured', async () => {
    expect((await (await r.api('/api/config')).json()).tools).toEqual({ available: true })
    const none = await relayWith([])
    expect((await (await none.api('/api/config')).json()).tools).toEqual({ available: false })
    expect(await (await none.api('/api/v1/tools')).json()).toEqual({ tools: [], servers: [] })
  })
})

describe('POST /api/v1/tools/:server/:tool', () => {
  it('calls the tool with its arguments and answers its text and content', async () => {
    const res = await r.api('/api/v1/tools/orders/lookup_order', call({ order: ORDER }))
    expect(res.status).toBe(200)
    const body = (await res.json()) as ToolCallResult
    expect(body).toEqual({ text: `Order ${ORDER} shipped on 2026-11-28 by parcel.`, isError: false, content: [{ type: 'text', text: `Order ${ORDER} shipped on 2026-11-28 by parcel.` }] })
    expect(mcp.calls.at(-1)).toEqual({ tool: 'lookup_order', arguments: { order: ORDER } })
  })

  it('a tool that fails is a normal outcome: 200 with isError and the tool’s words', async () => {
    const res = await r.api('/api/v1/tools/orders/fail', call({}))
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ isError: true, text: 'The order system is down for maintenance.' })
  })

  it('a tool slower than the limit is a 504, the server is told to stop, and the next call works', async () => {
    const closedBefore = mcp.sessions.closed
    const started = performance.now()
    const res = await r.api('/api/v1/tools/orders/slow', call({}))
    await expectApiError(res, 504, 'tool_timeout', [MCP_AUTH])
    expect(performance.now() - started).toBeLessThan(CALL_MS + 5000)
    expect(await until(() => mcp.calls.find((c) => c.tool === 'slow')?.cancelled === true)).toBe(true)
    // Its session, whose answer stream the server would hold open, is ended.
    expect(await until(() => mcp.sessions.closed > closedBefore)).toBe(true)
    const next = await r.api('/api/v1/tools/orders/lookup_order', call({ order: '1' }))
    expect(next.status).toBe(200)
  })

  it('a client that goes away mid-call calls the tool off', async () => {
    const before = mcp.calls.filter((c) => c.tool === 'slow').length
    const gone = new AbortController()
    const pending = r.api('/api/v1/tools/orders/slow', { ...call({}), signal: gone.signal }).catch(() => 'aborted')
    expect(await until(() => mcp.calls.filter((c) => c.tool === 'slow').length > before)).toBe(true)
    gone.abort()
    expect(await pending).toBe('aborted')
    expect(await until(() => mcp.calls.filter((c) => c.tool === 'slow').at(-1)!.cancelled === true, 5000)).toBe(true)
    expect(await until(() => r.lines.some((l) => l.includes('"tool call"') && l.includes('"client_closed"')))).toBe(true)
  })

  it('a result over the cap is a 502 tool_result_too_large', async () => {
    const error = await expectApiError(await r.api('/api/v1/tools/orders/big', call({})), 502, 'tool_result_too_large')
    expect(error.message).toContain('16 KiB')
  })

  it('a bad body is a 400 naming the field (415 not JSON, 413 too large)', async () => {
    const path = '/api/v1/tools/orders/lookup_order'
    expect((await expectApiError(await r.api(path, call(undefined)), 400, 'invalid_request')).message).toMatch(/^arguments: expected an object/)
    expect((await expectApiError(await r.api(path, call([1, 2])), 400, 'invalid_request')).message).toMatch(/^arguments: expected an object/)
    expect((await expectApiError(await r.api(path, call('4411')), 400, 'invalid_request')).message).toMatch(/^arguments:/)
    await expectApiError(await r.api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"arguments":' }), 400, 'invalid_json')
    await expectApiError(await r.api(path, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }), 415, 'unsupported_media_type')
    await expectApiError(await r.api(path, call({ note: 'x'.repeat(300 * 1024) })), 413, 'body_too_large')
  })

  it('an unknown server or tool, or one the allow-list leaves out, is a 404', async () => {
    await expectApiError(await r.api('/api/v1/tools/nope/lookup_order', call({})), 404, 'tool_server_not_found')
    await expectApiError(await r.api('/api/v1/tools/orders/no_such_tool', call({})), 404, 'tool_not_found')
    // Allowed, but the server has no such tool.
    await expectApiError(await r.api('/api/v1/tools/orders/not_on_the_server', call({})), 404, 'tool_not_found')
    // On the server, but not on the allow-list: never called.
    const calls = mcp.calls.length
    await expectApiError(await r.api('/api/v1/tools/orders/secret_tool', call({})), 404, 'tool_not_found')
    expect(mcp.calls.length).toBe(calls)
    // Without an allow-list, the server's every tool.
    expect(await (await r.api('/api/v1/tools/everything/secret_tool', call({}))).json()).toMatchObject({ text: 'classified' })
  })

  it('a server that refuses the relay’s credentials is a 502 tool_unavailable saying so', async () => {
    const error = await expectApiError(await r.api('/api/v1/tools/wrong_key/lookup_order', call({ order: '1' })), 502, 'tool_unavailable', [MCP_AUTH, 'not-the-key'])
    expect(error.message).toContain('credentials')
  })

  it('logs one line per call — server, tool, time, outcome — never the arguments, the result or the credentials', async () => {
    const calls = r.lines.filter((l) => l.includes('"tool call"')).map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(calls.find((l) => l.tool === 'lookup_order' && l.outcome === 'ok')).toMatchObject({ level: 'info', server: 'orders', ms: expect.any(Number) })
    expect(calls.find((l) => l.tool === 'fail')).toMatchObject({ outcome: 'tool_error' })
    expect(calls.find((l) => l.tool === 'slow')).toMatchObject({ level: 'error', outcome: 'tool_timeout' })
    expect(calls.find((l) => l.tool === 'big')).toMatchObject({ outcome: 'tool_result_too_large' })
    expect(calls.find((l) => l.tool === 'secret_tool' && l.server === 'orders')).toMatchObject({ level: 'warn', outcome: 'tool_not_found' })
    expect(r.lines.some((l) => l.includes('"mcp server unavailable"') && l.includes('wrong_key'))).toBe(true)
    for (const line of r.lines) {
      for (const secret of ['mcp-secret-7c1e9a44b2d05f3e', 'not-the-key', ORDER, 'shipped on', 'maintenance']) expect(line).not.toContain(secret)
    }
  })
})

describe('access', () => {
  it('the tools routes require the access token when PARLEY_ACCESS_TOKEN is set', async () => {
    const locked = await relayWith([{ name: 'orders', url: mcp.url, headers: { Authorization: MCP_AUTH } }], { PARLEY_ACCESS_TOKEN: 'tools-token-123' })
    await expectApiError(await locked.api('/api/v1/tools'), 401, 'access_token_required')
    await expectApiError(await locked.api('/api/v1/tools/orders/lookup_order', call({ order: '1' })), 401, 'access_token_required')
    const auth = { authorization: 'Bearer tools-token-123' }
    expect((await locked.api('/api/v1/tools', { headers: auth })).status).toBe(200)
    expect((await locked.api('/api/v1/tools/orders/lookup_order', call({ order: '1' }, auth))).status).toBe(200)
  })
})

describe('a server that is down', () => {
  it('at start is tried again later (not more often than the retry interval) and used once it is up; a restarted one gets a new session', async () => {
    const port = await freePort()
    // A retry interval long enough that two requests surely fall within it, even on a loaded machine.
    const late = await relayWith([{ name: 'late', url: `http://127.0.0.1:${port}/mcp` }], {}, { toolRetryMs: 2000 })
    const first = (await (await late.api('/api/v1/tools')).json()) as ToolsListing
    expect(first).toEqual({ tools: [], servers: [{ name: 'late', connected: false, reason: 'unreachable' }] })
    await expectApiError(await late.api('/api/v1/tools/late/lookup_order', call({ order: '1' })), 502, 'tool_unavailable')

    let server = await startMcpServer({ port })
    try {
      // Within the retry interval the relay does not knock again.
      expect(((await (await late.api('/api/v1/tools')).json()) as ToolsListing).servers[0]!.connected).toBe(false)
      expect(server.requests).toEqual([])
      await new Promise((res) => setTimeout(res, 2100))
      const listing = (await (await late.api('/api/v1/tools')).json()) as ToolsListing
      expect(listing.servers).toEqual([{ name: 'late', connected: true }])
      expect(listing.tools.map((t) => t.name)).toContain('lookup_order')
      expect((await late.api('/api/v1/tools/late/lookup_order', call({ order: '7' }))).status).toBe(200)

      // Restarted, it no longer knows the relay's session (404): the relay opens a new one and calls again.
      await server.close()
      server = await startMcpServer({ port })
      // (In one process the relay may not yet have seen its keep-alive socket closed; a real
      // restart takes longer than that.)
      await new Promise((res) => setTimeout(res, 500))
      const again = await late.api('/api/v1/tools/late/lookup_order', call({ order: '8' }))
      expect(again.status).toBe(200)
      expect(server.sessions.opened).toBe(1)
      expect(server.calls).toEqual([{ tool: 'lookup_order', arguments: { order: '8' } }])

      // Gone while the relay runs: a 502, and its status says why.
      await server.close()
      await expectApiError(await late.api('/api/v1/tools/late/lookup_order', call({ order: '9' })), 502, 'tool_unavailable')
      expect(((await (await late.api('/api/v1/tools')).json()) as ToolsListing).servers).toEqual([{ name: 'late', connected: false, reason: 'unreachable' }])
    } finally {
      await server.close()
    }
  })
})
