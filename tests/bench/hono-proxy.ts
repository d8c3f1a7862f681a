// The floor for a relay built on Hono on Node: one route that forwards the body to the upstream
// with the relay's own upstream client and streams the answer back — no checks, limits,
// timeouts, logs or headers. Bench reference only.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { createNodeFetch } from '../../relay/runtime/node/fetch.ts'

const upstream = process.env.UPSTREAM!
const fetchUpstream = createNodeFetch()
const app = new Hono().post('/v1/chat/completions', async (c) => {
  const body = new Uint8Array(await c.req.raw.arrayBuffer())
  const answer = await fetchUpstream(`${upstream}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  return new Response(answer.body, { headers: { 'content-type': 'text/event-stream', 'transfer-encoding': 'chunked' } })
})
serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => console.log(`http://127.0.0.1:${info.port}`))
