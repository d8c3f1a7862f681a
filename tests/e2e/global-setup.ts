import { existsSync } from 'node:fs'
import type { FullConfig } from '@playwright/test'
import { loadConfig } from '../../relay/config.ts'
import { DEFAULT_DIST, startRelay } from '../../relay/node.ts'
import { startFakeLlm } from '../fakes/llm-upstream.ts'
import { startFakeTranscriber } from '../fakes/transcription-upstream.ts'
import { prepareTestModels } from './models.ts'
import { E2E_KEY } from './stack.ts'

/**
 * Starts, for each Playwright worker, a fake LLM, a fake transcriber and two relays (with and
 * without an LLM): the workers run side by side, and each drives its own fakes' scenario queues.
 * A worker reads its stack's URLs from env (stack.ts picks `E2E_STACK_<its parallel index>`).
 */
export default async function globalSetup(config: FullConfig) {
  if (!existsSync(`${DEFAULT_DIST}/index.html`)) throw new Error('dist/ is missing: run `npm run build` before the e2e tests (npm test does).')
  prepareTestModels()
  const stacks = await Promise.all(Array.from({ length: Math.max(1, config.workers) }, () => startStack()))
  stacks.forEach((s, i) => (process.env[`E2E_STACK_${i}`] = JSON.stringify(s.env)))
  Object.assign(process.env, stacks[0]!.env)
  return async () => {
    for (const s of stacks) await s.close()
  }
}

async function startStack() {
  const fake = await startFakeLlm({ apiKey: E2E_KEY, chunkDelayMs: 15 })
  const transcriber = await startFakeTranscriber({ apiKey: E2E_KEY })
  const quiet = { log: () => {} }
  const withLlm = await startRelay(
    loadConfig({ HOST: '127.0.0.1', PORT: '0', LLM_BASE_URL: fake.baseUrl, LLM_API_KEY: E2E_KEY, LLM_MODELS: 'fake-model,other-model', ASR_BASE_URL: transcriber.baseUrl, ASR_API_KEY: E2E_KEY }),
    quiet,
  )
  const offline = await startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0' }), quiet)
  return {
    env: { E2E_RELAY_URL: withLlm.url, E2E_OFFLINE_URL: offline.url, E2E_FAKE_URL: fake.url, E2E_TRANSCRIBER_URL: transcriber.url },
    async close() {
      await withLlm.close()
      await offline.close()
      await fake.close()
      await transcriber.close()
    },
  }
}
