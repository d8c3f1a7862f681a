/**
 * A stand-in for an OpenAI-compatible LLM provider: a real HTTP server on loopback that speaks
 * the chat-completions API (JSON and SSE) and can be told to fail the ways real providers fail.
 *
 * Tests in the same process call `next()`; tests in other processes (Playwright workers) POST
 * the same scenario to `/__control/scenario`. Run directly it prints its URL and serves until
 * killed: `tsx tests/fakes/llm-upstream.ts [port]`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { json, readBody } from './http.ts'

export type Scenario =
  /** A normal answer; streamed word by word when the request asks for a stream. */
  | { kind: 'reply'; text?: string; chunkDelayMs?: number; firstByteDelayMs?: number; wordsPerChunk?: number; chunks?: number }
  /** An HTTP error answer, e.g. 429 with Retry-After or a 500. */
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Streams `afterChunks` chunks, then resets the connection. */
  | { kind: 'drop'; afterChunks: number }
  /** Streams `afterChunks` chunks, then goes silent with the connection open. */
  | { kind: 'stall'; afterChunks: number }
  /** Takes the request and never answers. */
  | { kind: 'hang' }
  /** Answers 200 with an HTML page instead of JSON or SSE. */
  | { kind: 'garbage' }
  /**
   * Calls tools, as OpenAI streams it: per call a first delta with its index, id, type and name,
   * then the JSON arguments in fragments (index only), and `finish_reason: "tool_calls"`.
   */
  | { kind: 'tool-calls'; calls: { name: string; arguments: string }[]; chunkDelayMs?: number }

export interface RecordedRequest {
  path: string
  authorization: string | undefined
  body: Record<string, unknown> | undefined
  /** The client went away before the answer ended. */
  aborted: boolean
  /** When it went away (performance.now() of this process). */
  abortedAt?: number
}

export interface FakeLlmOptions {
  /** When set, requests without `Authorization: Bearer <apiKey>` get OpenAI's 401. */
  apiKey?: string
  /** Delay between streamed chunks when a scenario does not say. */
  chunkDelayMs?: number
  port?: number
}

export interface FakeLlm {
  url: string
  /** The OpenAI-style base URL, `<url>/v1`. */
  baseUrl: string
  next(...scenarios: Scenario[]): void
  requests: RecordedRequest[]
  reset(): void
  close(): Promise<void>
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function startFakeLlm(options: FakeLlmOptions = {}): Promise<FakeLlm> {
  const queue: Scenario[] = []
  const requests: RecordedRequest[] = []
  const sockets = new Set<import('node:net').Socket>()

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy())
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x')
    const body = (await readBody(req)).toString('utf8')
    if (url.pathname === '/__control/scenario' && req.method === 'POST') {
      const list = JSON.parse(body) as Scenario | Scenario[]
      queue.push(...(Array.isArray(list) ? list : [list]))
      return json(res, 200, { queued: queue.length })
    }
    if (url.pathname === '/__control/reset' && req.method === 'POST') {
      queue.length = 0
      requests.length = 0
      return json(res, 200, { ok: true })
    }
    if (url.pathname === '/__control/requests') return json(res, 200, requests)
    if (url.pathname === '/v1/models') return json(res, 200, { object: 'list', data: [{ id: 'fake-model', object: 'model' }] })
    if (url.pathname !== '/v1/chat/completions' || req.method !== 'POST') {
      return json(res, 404, { error: { message: `Unknown path ${url.pathname}`, type: 'invalid_request_error', code: null } })
    }

    let parsed: Record<string, unknown> | undefined
    try {
      parsed = JSON.parse(body) as Record<string, unknown>
    } catch {
      parsed = undefined
    }
    const record: RecordedRequest = { path: url.pathname, authorization: req.headers.authorization, body: parsed, aborted: false }
    requests.push(record)
    res.on('close', () => {
      if (res.writableFinished) return
      record.aborted = true
      record.abortedAt = performance.now()
    })

    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      const given = (req.headers.authorization ?? '').replace(/^Bearer /, '')
      // Real providers quote part of the key they were given; the relay must not pass that on.
      return json(res, 401, { error: { message: `Incorrect API key provided: ${given}. You can find your API key in your dashboard.`, type: 'invalid_request_error', code: 'invalid_api_key' } })
    }
    if (!parsed || !Array.isArray(parsed.messages)) {
      return json(res, 400, { error: { message: "'messages' is a required property", type: 'invalid_request_error', code: null } })
    }

    const scenario = queue.shift() ?? { kind: 'reply' }
    const stream = parsed.stream === true
    const model = typeof parsed.model === 'string' ? parsed.model : 'fake-model'

    switch (scenario.kind) {
      case 'status':
        res.writeHead(scenario.status, { 'content-type': 'application/json', ...scenario.headers })
        return res.end(JSON.stringify(scenario.body ?? { error: { message: `Simulated HTTP ${scenario.status}`, type: 'server_error', code: null } }))
      case 'hang':
        return
      case 'garbage':
        res.writeHead(200, { 'content-type': 'text/html' })
        return res.end('<html><body>Welcome to nginx!</body></html>')
      case 'reply': {
        const text = scenario.text ?? defaultAnswer(parsed.messages)
        const words = splitWords(text, scenario.wordsPerChunk ?? 1, scenario.chunks)
        if (scenario.firstByteDelayMs) await sleep(scenario.firstByteDelayMs)
        if (!stream) return json(res, 200, completion(model, text))
        return streamWords(res, model, words, scenario.chunkDelayMs ?? options.chunkDelayMs ?? 20, 'end')
      }
      case 'tool-calls': {
        const calls = scenario.calls.map((c, i) => ({ id: `call_fake${i}${Date.now().toString(36)}`, type: 'function' as const, function: c }))
        if (!stream) return json(res, 200, { ...completion(model, ''), choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: calls }, finish_reason: 'tool_calls' }] })
        return streamToolCalls(res, model, calls, scenario.chunkDelayMs ?? options.chunkDelayMs ?? 20)
      }
      case 'drop':
      case 'stall': {
        if (!stream) return res.destroy()
        const words = splitWords(defaultAnswer(parsed.messages), 1).slice(0, scenario.afterChunks)
        return streamWords(res, model, words, options.chunkDelayMs ?? 20, scenario.kind)
      }
    }
  }

  await new Promise<void>((r) => server.listen(options.port ?? 0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`
  return {
    url,
    baseUrl: `${url}/v1`,
    next: (...s) => void queue.push(...s),
    requests,
    reset() {
      queue.length = 0
      requests.length = 0
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy()
        server.close(() => r())
      }),
  }
}

/** The default answer repeats the question, so a test can tell which request it belongs to. */
function defaultAnswer(messages: unknown[]): string {
  const last = [...messages].reverse().find((m) => (m as { role?: string }).role === 'user') as { content?: unknown } | undefined
  const said = typeof last?.content === 'string' ? last.content : 'something'
  return `You said: ${said}. That is a fine thing to say, and I am glad to stream this answer back to you one word at a time.`
}

function splitWords(text: string, perChunk: number, chunks?: number): string[] {
  const words = text.match(/\S+\s*/g) ?? []
  const out: string[] = []
  const n = chunks ? Math.ceil(words.length / chunks) : perChunk
  for (let i = 0; i < words.length; i += n) out.push(words.slice(i, i + n).join(''))
  return out
}

async function streamWords(res: ServerResponse, model: string, pieces: string[], delayMs: number, end: 'end' | 'drop' | 'stall') {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
  const id = `chatcmpl-fake${Date.now()}`
  const created = Math.floor(Date.now() / 1000)
  const frame = (delta: object, finish: string | null) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
  res.write(frame({ role: 'assistant', content: '' }, null))
  for (const piece of pieces) {
    if (res.destroyed) return
    if (delayMs > 0) await sleep(delayMs)
    res.write(frame({ content: piece }, null))
  }
  if (end === 'drop') {
    // Let what was sent reach the peer first: a reset discards data still unread on its side.
    await sleep(50)
    return void res.socket?.resetAndDestroy()
  }
  if (end === 'stall') return
  res.write(frame({}, 'stop'))
  res.end('data: [DONE]\n\n')
}

async function streamToolCalls(res: ServerResponse, model: string, calls: { id: string; type: 'function'; function: { name: string; arguments: string } }[], delayMs: number) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
  const id = `chatcmpl-fake${Date.now()}`
  const created = Math.floor(Date.now() / 1000)
  const frame = (delta: object, finish: string | null) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
  res.write(frame({ role: 'assistant', content: null }, null))
  for (const [index, call] of calls.entries()) {
    res.write(frame({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }, null))
    const args = call.function.arguments
    const step = Math.max(1, Math.ceil(args.length / 3))
    for (let at = 0; at < args.length; at += step) {
      if (res.destroyed) return
      if (delayMs > 0) await sleep(delayMs)
      res.write(frame({ tool_calls: [{ index, function: { arguments: args.slice(at, at + step) } }] }, null))
    }
  }
  res.write(frame({}, 'tool_calls'))
  res.end('data: [DONE]\n\n')
}

function completion(model: string, text: string) {
  return {
    id: `chatcmpl-fake${Date.now()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  }
}


if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const fake = await startFakeLlm({
    port: Number(process.argv[2] ?? 0),
    apiKey: process.env.FAKE_LLM_API_KEY,
    chunkDelayMs: process.env.FAKE_LLM_CHUNK_DELAY_MS ? Number(process.env.FAKE_LLM_CHUNK_DELAY_MS) : undefined,
  })
  console.log(fake.url)
}
