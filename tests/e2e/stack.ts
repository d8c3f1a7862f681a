import { readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser } from '@playwright/test'
import config from '../../playwright.config.ts'
import { loadConfig, type RelayLimits } from '../../relay/config.ts'
import { startRelay } from '../../relay/node.ts'
import type { RecordedRequest, Scenario } from '../fakes/llm-upstream.ts'
import { startFakeSpeech, type FakeSpeech } from '../fakes/speech-upstream.ts'
import { decodeWav, encodeWav } from '../../web/lib/audio/wav.ts'

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url))

/**
 * speech.wav's first question alone (its first 5 s: the sentence ends at 3.8 s), as a file of its
 * own: for tests of one spoken turn whose models may still be loading while the user speaks, where
 * the file's next sentence would come as a second turn before the first was answered.
 */
export function firstQuestionWav(): string {
  const { sampleRate, samples } = decodeWav(readFileSync(`${fixtures}speech.wav`))
  const path = join(tmpdir(), `parley-first-question-${process.pid}.wav`)
  writeFileSync(path, encodeWav({ sampleRate, samples: samples.slice(0, sampleRate * 5) }))
  return path
}

/**
 * A fixture with `seconds` of silence put in at `atSeconds` (written to a file of this process's
 * own; its path): more time for an answer to play before what the user says next.
 */
export function wavWithSilence(fixture: string, atSeconds: number, seconds: number): string {
  const { sampleRate, samples } = decodeWav(readFileSync(`${fixtures}${fixture}`))
  const at = Math.round(atSeconds * sampleRate)
  const out = new Float32Array(samples.length + Math.round(seconds * sampleRate))
  out.set(samples.subarray(0, at))
  out.set(samples.subarray(at), at + Math.round(seconds * sampleRate))
  const path = join(tmpdir(), `parley-${fixture.replace(/\.wav$/, '')}-${seconds}s-${process.pid}.wav`)
  writeFileSync(path, encodeWav({ sampleRate, samples: out }))
  return path
}

/**
 * Chromium whose microphone plays a fixture (or the file at an absolute path) once (no loop), the
 * permission prompt answered yes; with `null`, a fake microphone whose permission is denied.
 */
export function browserWithMic(wav: string | null): Promise<Browser> {
  const launch = config.use!.launchOptions!
  const file = wav?.startsWith('/') ? wav : `${fixtures}${wav}`
  const mic = wav ? ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${file}%noloop`] : ['--use-fake-device-for-media-stream']
  return chromium.launch({ executablePath: launch.executablePath, args: [...launch.args!, ...mic] })
}

// This worker's own stack (global-setup.ts starts one per worker): its URLs are this process's E2E_* env.
const stack = process.env[`E2E_STACK_${process.env.TEST_PARALLEL_INDEX}`]
if (stack) Object.assign(process.env, JSON.parse(stack) as Record<string, string>)

/** The upstream key the e2e relays hold; nothing the browser receives may contain it. */
export const E2E_KEY = 'sk-parley-e2e-5e7d1c9a2b4f6e8d0c3a'

export const relayUrl = () => process.env.E2E_RELAY_URL!
export const offlineUrl = () => process.env.E2E_OFFLINE_URL!

/** Drives the fake LLM (started by globalSetup in another process) over its control API. */
export const fakeLlm = {
  async next(...scenarios: Scenario[]) {
    await fetch(`${process.env.E2E_FAKE_URL}/__control/scenario`, { method: 'POST', body: JSON.stringify(scenarios) })
  },
  async reset() {
    await fetch(`${process.env.E2E_FAKE_URL}/__control/reset`, { method: 'POST' })
  },
  async requests(): Promise<RecordedRequest[]> {
    return (await (await fetch(`${process.env.E2E_FAKE_URL}/__control/requests`)).json()) as RecordedRequest[]
  },
}

/**
 * A relay of the test's own with every cloud stage: the shared fake LLM and transcriber, and a
 * fake text-to-speech server (whose requests the test can read); `extra` settings on top.
 */
export async function startVoiceRelay(extra: Record<string, string> = {}, options: { limits?: Partial<RelayLimits>; log?: (entry: Record<string, unknown>) => void } = {}): Promise<{ url: string; speech: FakeSpeech; close(): Promise<void> }> {
  const speech = await startFakeSpeech({ apiKey: E2E_KEY })
  const relay = await startRelay(
    loadConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      LLM_BASE_URL: `${process.env.E2E_FAKE_URL}/v1`,
      LLM_API_KEY: E2E_KEY,
      LLM_MODEL: 'fake-model',
      ASR_BASE_URL: `${process.env.E2E_TRANSCRIBER_URL}/v1`,
      ASR_API_KEY: E2E_KEY,
      TTS_BASE_URL: speech.baseUrl,
      TTS_API_KEY: E2E_KEY,
      ...extra,
    }, options.limits),
    { log: options.log ?? (() => {}) },
  )
  return {
    url: relay.url,
    speech,
    async close() {
      await relay.close()
      await speech.close()
    },
  }
}
