/**
 * What a first-time user downloads before the first spoken answer, in real Chromium with a new
 * profile (empty cache) and the fake microphone: every response of the page and its workers (encoded bytes on
 * the wire, headers included) from opening the app to the answer's first audible sample. The
 * models are the tiny generated ones, so the runtime's share is what this measures; real
 * weights add their own size on top.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Request } from '@playwright/test'
import { loadConfig } from '../../relay/config.ts'
import { startRelay } from '../../relay/node.ts'
import { startFakeLlm } from '../fakes/llm-upstream.ts'
import { startFakeSpeech } from '../fakes/speech-upstream.ts'
import { startFakeTranscriber } from '../fakes/transcription-upstream.ts'
import { prepareTestModels, TINY_KOKORO, TINY_WHISPER } from '../e2e/models.ts'
import { type Benchmark, markdownTable, mb, root } from './harness.ts'

const KEY = 'sk-bench-not-a-real-key'
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const args = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--enable-unsafe-webgpu',
  '--autoplay-policy=no-user-gesture-required',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  `--use-file-for-fake-audio-capture=${root}tests/fixtures/speech.wav%noloop`,
]

interface Scenario {
  label: string
  relay: 'offline' | 'upstreams'
  settings: Record<string, unknown>
}

const SCENARIOS: Scenario[] = [
  {
    label: 'all on the device: VAD, Whisper (tiny, WASM), offline guide, eSpeak NG',
    relay: 'offline',
    settings: { asrPlacement: 'on-device', asrModel: TINY_WHISPER, modelDevice: 'wasm' },
  },
  {
    label: 'all on the device, Kokoro voice: VAD, Whisper (tiny, WASM), offline guide, Kokoro (tiny)',
    relay: 'offline',
    settings: { asrPlacement: 'on-device', asrModel: TINY_WHISPER, modelDevice: 'wasm', voiceEngine: 'kokoro', kokoroModel: TINY_KOKORO, allowRemoteModels: false },
  },
  {
    label: 'VAD on the device, recognition, answer and voice on the relay',
    relay: 'upstreams',
    settings: { asrPlacement: 'relay' },
  },
]

type Kind = 'wasm' | 'model' | 'script' | 'other'
interface Transfer {
  path: string
  kind: Kind
  bytes: number
}
interface Measured {
  label: string
  totalBytes: number
  byKind: Record<Kind, number>
  wasm: Transfer[]
  requests: number
}

function kindOf(path: string): Kind {
  if (path.endsWith('.wasm')) return 'wasm'
  if (path.startsWith('/models/') || path.startsWith('/vendor/silero-vad/') || path.endsWith('.onnx')) return 'model'
  if (/\.m?js$/.test(path)) return 'script'
  return 'other'
}

export const download: Benchmark = {
  name: 'download',
  async run() {
    execFileSync(`${root}node_modules/.bin/vite`, ['build', '--mode', 'bench', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' })
    prepareTestModels()
    const llm = await startFakeLlm({ apiKey: KEY, chunkDelayMs: 0 })
    const asr = await startFakeTranscriber({ apiKey: KEY })
    const speech = await startFakeSpeech({ apiKey: KEY })
    const quiet = { distDir: `${root}build/bench`, log: () => {} }
    const offline = await startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0' }), quiet)
    const upstreams = await startRelay(
      loadConfig({ HOST: '127.0.0.1', PORT: '0', LLM_BASE_URL: llm.baseUrl, LLM_API_KEY: KEY, LLM_MODEL: 'fake-model', ASR_BASE_URL: asr.baseUrl, ASR_API_KEY: KEY, TTS_BASE_URL: speech.baseUrl, TTS_API_KEY: KEY }),
      quiet,
    )
    try {
      const results: Measured[] = []
      for (const s of SCENARIOS) {
        if (s.relay === 'upstreams') {
          llm.next({ kind: 'reply', text: 'Yes, I can hear you.', chunkDelayMs: 0 })
          speech.next({ kind: 'audio', seconds: 0.5, chunkDelayMs: 0 })
        }
        results.push(await firstAnswer(s, s.relay === 'offline' ? offline.url : upstreams.url))
      }
      const table = markdownTable(
        ['before the first spoken answer (new profile)', 'total', 'WebAssembly', 'models', 'scripts', 'other', 'requests'],
        results.map((r) => [r.label, mb(r.totalBytes), mb(r.byKind.wasm), mb(r.byKind.model), mb(r.byKind.script), mb(r.byKind.other), r.requests]),
      )
      const files = results.flatMap((r) => r.wasm.map((w) => [r.label, w.path, w.bytes ? mb(w.bytes) : 'from the cache']))
      return { name: this.name, data: { scenarios: results }, table: `${table}\n\n${markdownTable(['scenario', 'WebAssembly file', 'bytes'], files)}` }
    } finally {
      await offline.close()
      await upstreams.close()
      await llm.close()
      await asr.close()
      await speech.close()
    }
  },
}

/** Opens the app in a fresh browser, talks through the fake microphone, and counts until the answer is heard. */
async function firstAnswer(scenario: Scenario, url: string): Promise<Measured> {
  // A profile on disk, as a real user has: an incognito context's memory cache keeps no entry this
  // big, so every worker would download the runtime again.
  const profile = mkdtempSync(join(tmpdir(), 'parley-download-'))
  const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, args })
  try {
    await context.addInitScript((s) => localStorage.setItem('parley.settings.v1', JSON.stringify(s)), scenario.settings)
    // Counted when they finish; a response still arriving when the answer is heard is not needed for it.
    const finished: Promise<Transfer>[] = []
    let counting = true
    const count = (request: Request) => {
      const u = new URL(request.url())
      if (!counting || (u.protocol !== 'http:' && u.protocol !== 'https:')) return
      finished.push(request.sizes().then((s) => ({ path: u.pathname, kind: kindOf(u.pathname), bytes: s.responseBodySize + s.responseHeadersSize })))
    }
    context.on('requestfinished', count)
    const page = context.pages()[0] ?? (await context.newPage())
    await page.goto(url)
    await page.evaluate(() => {
      const w = window as unknown as { maxVoice: number }
      w.maxVoice = 0
      const presence = document.querySelector('[data-testid="presence"]') as HTMLElement
      // Not a named function: tsx would wrap it in a helper the page does not have.
      setInterval(() => (w.maxVoice = Math.max(w.maxVoice, Number(getComputedStyle(presence).getPropertyValue('--voice') || 0))), 5)
    })
    await page.getByTestId('mic-toggle').click({ timeout: 60_000 })
    await page.waitForFunction(() => (window as unknown as { maxVoice: number }).maxVoice > 0.05, null, { timeout: 120_000, polling: 20 })
    counting = false
    const transfers = await Promise.all(finished)
    const byKind: Record<Kind, number> = { wasm: 0, model: 0, script: 0, other: 0 }
    for (const t of transfers) byKind[t.kind] += t.bytes
    return {
      label: scenario.label,
      totalBytes: transfers.reduce((n, t) => n + t.bytes, 0),
      byKind,
      wasm: transfers.filter((t) => t.kind === 'wasm'),
      requests: transfers.length,
    }
  } finally {
    await context.close()
    rmSync(profile, { recursive: true, force: true })
  }
}
