import { expect } from 'vitest'
import { loadConfig, type Env, type RelayLimits } from '../../relay/config.ts'
import { startRelay, type RunningRelay } from '../../relay/node.ts'
import { startFakeLlm, type FakeLlm, type FakeLlmOptions } from '../fakes/llm-upstream.ts'

/** A key that must never be seen by a client; long enough that partial quotes are caught too. */
export const UPSTREAM_KEY = 'sk-parley-test-9f3c2a7b4e1d8c6a5b0f'

export interface Stack {
  fake: FakeLlm
  relay: RunningRelay
  api: (path: string, init?: RequestInit) => Promise<Response>
  close(): Promise<void>
}

/** The real relay on a loopback port in front of a real fake LLM server. */
export async function startStack(
  options: { env?: Env; limits?: Partial<RelayLimits>; fake?: FakeLlmOptions; distDir?: string | null } = {},
): Promise<Stack> {
  const fake = await startFakeLlm({ apiKey: UPSTREAM_KEY, chunkDelayMs: 5, ...options.fake })
  const config = loadConfig(
    {
      HOST: '127.0.0.1',
      PORT: '0',
      LLM_BASE_URL: fake.baseUrl,
      LLM_API_KEY: UPSTREAM_KEY,
      LLM_MODEL: 'fake-model',
      LLM_MODELS: 'fake-model,other-model',
      ...options.env,
    },
    { upstreamFirstByteMs: 1000, upstreamIdleMs: 1000, ...options.limits },
  )
  const relay = await startRelay(config, { distDir: options.distDir ?? null, log: () => {} })
  return {
    fake,
    relay,
    api: (path, init) => fetch(`${relay.url}${path}`, init),
    async close() {
      await relay.close()
      await fake.close()
    },
  }
}

export function chatBody(overrides: Record<string, unknown> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'Hello there' }], ...overrides }),
  }
}

/** Reads an SSE body to its end, keeping each network chunk with the time it arrived. */
export async function readChunks(res: Response): Promise<{ text: string; times: number[] }> {
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  const times: number[] = []
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    times.push(performance.now())
    text += decoder.decode(value, { stream: true })
  }
  return { text, times }
}

/** The `content` deltas of an OpenAI chat-completion SSE stream, joined. */
export function streamedContent(sse: string): string {
  return sse
    .split('\n')
    .filter((l) => l.startsWith('data: {'))
    .map((l) => (JSON.parse(l.slice(6)) as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta?.content ?? '')
    .join('')
}

export async function until(check: () => boolean, timeoutMs = 2000): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (check()) return true
    await new Promise((r) => setTimeout(r, 10))
  }
  return check()
}

export interface ApiErrorJson {
  message: string
  type: string
  code: string
}

/**
 * Asserts a relay error answer: the status, OpenAI's JSON shape with the expected code, a message
 * that says something, and none of the given secrets in it.
 */
export async function expectApiError(res: Response, status: number, code: string, secrets: string[] = [UPSTREAM_KEY]): Promise<ApiErrorJson> {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toContain('application/json')
  const { error } = (await res.json()) as { error: ApiErrorJson }
  expect(error.code).toBe(code)
  expect(error.message.length).toBeGreaterThan(10)
  expect(typeof error.type).toBe('string')
  for (const secret of secrets) expect(error.message).not.toContain(secret)
  return error
}
