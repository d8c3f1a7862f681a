import { existsSync } from 'node:fs'
import { loadConfig } from '../../relay/config.ts'
import { DEFAULT_DIST, startRelay } from '../../relay/node.ts'
import { startFakeLlm } from '../fakes/llm-upstream.ts'
import { startFakeTranscriber } from '../fakes/transcription-upstream.ts'
import { prepareTestModels } from './models.ts'
import { E2E_KEY } from './stack.ts'

/** Starts the fake LLM and two relays (with and without an LLM); tests read their URLs from env. */
export default async function globalSetup() {
  if (!existsSync(`${DEFAULT_DIST}/index.html`)) throw new Error('dist/ is missing: run `npm run build` before the e2e tests (npm test does).')
  prepareTestModels()
  const fake = await startFakeLlm({ apiKey: E2E_KEY, chunkDelayMs: 15 })
  const transcriber = await startFakeTranscriber({ apiKey: E2E_KEY })
  const quiet = { log: () => {} }
  const withLlm = await startRelay(
    loadConfig({ HOST: '127.0.0.1', PORT: '0', LLM_BASE_URL: fake.baseUrl, LLM_API_KEY: E2E_KEY, LLM_MODELS: 'fake-model,other-model', ASR_BASE_URL: transcriber.baseUrl, ASR_API_KEY: E2E_KEY }),
    quiet,
  )
  const offline = await startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0' }), quiet)
  process.env.E2E_RELAY_URL = withLlm.url
  process.env.E2E_OFFLINE_URL = offline.url
  process.env.E2E_FAKE_URL = fake.url
  process.env.E2E_TRANSCRIBER_URL = transcriber.url
  return async () => {
    await withLlm.close()
    await offline.close()
    await fake.close()
    await transcriber.close()
  }
}
