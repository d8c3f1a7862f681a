import { Hono } from 'hono'
import { z } from 'zod'
import type { LlmConfig, RelayLimits } from '../config.ts'
import { ApiError } from '../errors.ts'
import { abortWithClient, passThroughEventStream } from '../http/event-stream.ts'
import { parseRequest, readJsonBody } from '../http/request-body.ts'
import { postJson, type OpenAICompatibleUpstream } from '../providers/openai-compatible.ts'

const contentPart = z.looseObject({ type: z.string() })
const message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool'], {
    error: 'expected one of system, developer, user, assistant, tool',
  }),
  content: z.union([z.string(), z.array(contentPart), z.null()], {
    error: 'expected a string or an array of content parts',
  }).optional(),
})

/** A function's name as OpenAI allows it. */
const toolName = z.string({ error: 'expected a string' }).regex(/^[a-zA-Z0-9_-]{1,64}$/, 'expected 1–64 letters, digits, _ or -')
const tool = z.looseObject({
  type: z.literal('function', { error: 'expected "function"' }),
  function: z.looseObject({
    name: toolName,
    description: z.string({ error: 'expected a string' }).max(4096, 'expected at most 4096 characters').optional(),
    // A JSON Schema for the arguments: an object, checked by the model's provider.
    parameters: z.record(z.string(), z.unknown(), { error: 'expected a JSON Schema object' }).optional(),
    strict: z.boolean({ error: 'expected true or false' }).optional(),
  }),
})
/** All the tools' definitions together: enough for dozens of real tools, never a way round the body limit's purpose. */
const TOOLS_BYTES = 64 * 1024

/** The fields the relay itself reads or checks; everything else (temperature …) passes through to the LLM. */
const chatRequest = z.looseObject({
  model: z.string({ error: 'expected a string' }).min(1, 'expected a model name').optional(),
  messages: z
    .array(message, { error: 'expected an array of {role, content} messages' })
    .min(1, 'expected at least one message')
    .max(1000, 'expected at most 1000 messages'),
  stream: z.boolean({ error: 'expected true or false' }).optional(),
  tools: z
    .array(tool, { error: 'expected an array of {type: "function", function: {name, description, parameters}} tools' })
    .max(128, 'expected at most 128 tools')
    .refine((t) => JSON.stringify(t).length <= TOOLS_BYTES, `expected the tools' definitions to total at most ${TOOLS_BYTES / 1024} KiB`)
    .optional(),
  tool_choice: z
    .union([z.enum(['none', 'auto', 'required']), z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: toolName }) })], {
      error: 'expected "none", "auto", "required" or {type: "function", function: {name}}',
    })
    .optional(),
  parallel_tool_calls: z.boolean({ error: 'expected true or false' }).optional(),
})

export interface ChatDeps {
  llm: LlmConfig | undefined
  limits: RelayLimits
  fetch: typeof fetch
}

export function chatRoutes({ llm, limits, fetch }: ChatDeps) {
  const upstream: OpenAICompatibleUpstream | undefined = llm && {
    label: 'LLM provider',
    baseUrl: llm.baseUrl,
    apiKey: llm.apiKey,
    envHint: 'LLM_BASE_URL, LLM_API_KEY and LLM_MODEL',
  }

  return new Hono().post('/chat/completions', async (c) => {
    const raw = await readJsonBody(c.req.raw, limits.chatBodyBytes)
    if (!upstream || !llm) {
      throw new ApiError(503, 'llm_not_configured', 'No LLM is configured on this relay. The operator sets LLM_BASE_URL and LLM_API_KEY (or OPENAI_API_KEY) and restarts it.', 'server_error')
    }
    const req = parseRequest(chatRequest, raw)
    const model = req.model ?? llm.defaultModel
    if (!llm.models.includes(model)) {
      throw new ApiError(404, 'model_not_found', `The model "${model.slice(0, 100)}" is not available on this relay. Available: ${llm.models.join(', ')}.`)
    }

    // One controller for the upstream call: the client going away or a relay timeout aborts it.
    const upstreamAbort = abortWithClient(c.req.raw)

    const res = await postJson(upstream, '/chat/completions', { ...req, model }, {
      fetch,
      abort: upstreamAbort,
      // A non-streaming answer's headers come only once it is all written: allow the whole time.
      firstByteMs: req.stream ? limits.upstreamFirstByteMs : limits.maxStreamMs,
    }).catch((err: unknown) => {
      throw req.tools?.length ? toolsRefused(err, model) : err
    })
    const contentType = res.headers.get('content-type') ?? ''

    if (req.stream) {
      if (!contentType.includes('text/event-stream') || !res.body) {
        await res.body?.cancel()
        throw new ApiError(502, 'upstream_bad_response', `The LLM provider answered a streaming request with "${contentType || 'no content type'}" instead of an event stream. The operator should check LLM_BASE_URL.`)
      }
      const body = passThroughEventStream(res.body, {
        upstream: upstreamAbort,
        idleMs: limits.upstreamIdleMs,
        maxMs: limits.maxStreamMs,
        label: 'LLM provider',
      })
      return new Response(body, {
        headers: {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          // Reverse proxies (nginx) must not buffer the stream.
          'x-accel-buffering': 'no',
        },
      })
    }

    const stall = setTimeout(() => upstreamAbort.abort('idle'), limits.upstreamIdleMs)
    let text: string
    try {
      text = await res.text()
    } catch {
      if (c.req.raw.signal.aborted) throw new ApiError(400, 'client_closed', 'The client closed the request.')
      throw new ApiError(504, 'upstream_timeout', `The LLM provider stopped sending its answer for ${limits.upstreamIdleMs / 1000} s. Try again.`)
    } finally {
      clearTimeout(stall)
    }
    try {
      return c.json(JSON.parse(text) as object)
    } catch {
      throw new ApiError(502, 'upstream_bad_response', 'The LLM provider answered with something that is not JSON. The operator should check LLM_BASE_URL.')
    }
  })
}

/**
 * A model that cannot call tools is refused by its provider with a 400 whose words vary (OpenAI:
 * "tools is not supported in this model", Ollama: "… does not support tools", vLLM: "\"auto\" tool
 * choice requires --enable-auto-tool-choice …", llama.cpp: "tools param requires --jinja flag").
 * Only those: another 400 about tools (a schema the provider finds invalid) is not this. Said plainly, with
 * the way out, instead of a bare "rejected".
 */
const TOOLS_UNSUPPORTED = /(tools?|function.?call\w*)\b[^.]{0,40}\b(is |are )?not supported|(does not|doesn't|do not|cannot) support (tools|tool.?calls?|function.?call\w*)|tool choice requires|tools? param(eter)? requires|--enable-auto-tool-choice|--jinja/i

function toolsRefused(err: unknown, model: string): unknown {
  if (!(err instanceof ApiError) || err.code !== 'upstream_rejected' || !TOOLS_UNSUPPORTED.test(err.message)) return err
  return new ApiError(400, 'tools_not_supported', `The model "${model.slice(0, 100)}" cannot call tools (${err.message.replace(/^The LLM provider rejected the request /, '').slice(0, 300)}). Ask without tools, or the relay's operator chooses a model that supports them.`)
}
