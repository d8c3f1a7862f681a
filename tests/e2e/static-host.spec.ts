// Static hosting plus a relay elsewhere, as the README documents it: the app built with
// VITE_PARLEY_RELAY_URL, its files served by a plain static host on another origin (listed in the
// relay's PARLEY_ALLOWED_ORIGINS), and everything else — config, chat, speech both ways, the
// avatar socket and the self-hosted models — from the relay across origins. An origin that is
// not listed gets nothing.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, test, type Page, type Request } from '@playwright/test'
import { startStaticHost, type StaticHost } from '../fakes/static-host.ts'
import { TINY_WHISPER, TINY_WHISPER_TEXT } from './models.ts'
import { browserWithMic, fakeLlm, startVoiceRelay } from './stack.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))
let out: string
let host: StaticHost
let stranger: StaticHost
let relay: Awaited<ReturnType<typeof startVoiceRelay>>

test.beforeAll(async () => {
  // The extra build takes ~8 s on an idle machine; a busy one may take several times that.
  test.setTimeout(240_000)
  out = mkdtempSync(join(tmpdir(), 'parley-static-'))
  // The hosts first (the relay must know the allowed origin), then the relay, then the build that names it.
  host = await startStaticHost(out)
  stranger = await startStaticHost(out)
  relay = await startVoiceRelay({ PARLEY_ALLOWED_ORIGINS: host.url, AVATAR_MOCKFACE_BACKEND: 'mock' })
  await promisify(execFile)(join(root, 'node_modules/.bin/vite'), ['build', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: root,
    env: { ...process.env, VITE_PARLEY_RELAY_URL: relay.url },
  })
})
test.afterAll(async () => {
  await relay?.close()
  await host?.close()
  await stranger?.close()
  if (out) rmSync(out, { recursive: true, force: true })
})
test.beforeEach(() => fakeLlm.reset())
test.setTimeout(90_000)

async function open(page: Page, at: StaticHost, settings: Record<string, unknown>) {
  await page.goto(at.url)
  await page.evaluate((s) => localStorage.setItem('parley.settings.v1', JSON.stringify(s)), settings)
  await page.reload()
}

/** Where the page's (and its workers') requests went, by origin, for paths under `prefix`. */
function watchRequests(page: Page, prefix: string) {
  const seen: string[] = []
  page.on('request', (r: Request) => new URL(r.url()).pathname.startsWith(prefix) && seen.push(r.url()))
  return seen
}

test('from the static host: the config, a streamed answer in the relay’s voice, and the remote face', async ({ page }) => {
  // The build records the relay it was made for (so `npm start` rebuilds it before serving it itself).
  expect(JSON.parse(readFileSync(join(out, 'build-settings.json'), 'utf8')).settings).toMatchObject({ VITE_PARLEY_RELAY_URL: relay.url })
  const api = watchRequests(page, '/api/')
  await open(page, host, { remoteAvatar: 'mockface' })
  await expect(page.getByTestId('agent-badge')).toContainText('LLM · fake-model', { timeout: 20_000 })
  await expect(page.getByTestId('error-banner')).toHaveCount(0)
  // The avatar socket (WS /api/v1/avatar/mockface) is open and the stage shows its frames.
  await expect(page.getByTestId('stage')).toContainText('face: remote mockface, through the relay', { timeout: 30_000 })

  relay.speech.reset()
  await fakeLlm.next({ kind: 'reply', text: 'Hello from across origins. This answer streams in and is spoken.', chunkDelayMs: 40 })
  await page.getByTestId('composer').fill('Are you there?')
  await page.getByTestId('composer').press('Enter')
  const answer = page.getByTestId('message-assistant').last()
  await expect(answer).toHaveAttribute('data-status', 'done', { timeout: 30_000 })
  await expect(answer).toContainText('Hello from across origins.')
  // Each sentence was spoken by the relay's text-to-speech (the fake upstream behind it).
  await expect.poll(() => relay.speech.requests.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(2)
  expect(relay.speech.requests.map((r) => r.body.input)).toContain('Hello from across origins.')

  // Every API call went to the relay; the static host was asked for none.
  expect(api.length).toBeGreaterThan(0)
  for (const url of api) expect(url.startsWith(`${relay.url}/api/`), url).toBe(true)
  expect(host.paths.filter((p) => p.startsWith('/api/'))).toEqual([])
})

test('from the static host: speech recognised by the relay', async () => {
  test.setTimeout(150_000)
  const browser = await browserWithMic('speech.wav')
  try {
    const page = await browser.newPage()
    await open(page, host, { asrPlacement: 'relay', speakAnswers: false })
    await expect(page.getByTestId('asr-placement')).toContainText('relay', { timeout: 20_000 })
    await page.getByTestId('mic-toggle').click()
    // The fake transcriber answers with the size of what it was sent.
    await expect(page.getByTestId('message-user').first()).toContainText(/I heard \d+ bytes of audio/, { timeout: 60_000 })
    await expect(page.getByTestId('message-assistant').first()).toHaveAttribute('data-status', 'done', { timeout: 30_000 })
  } finally {
    await browser.close()
  }
})

test('from the static host: the on-device speech model loads from the relay’s /models/', async () => {
  // Loading and running the model on WASM took ~55 s here with other tests running.
  test.setTimeout(240_000)
  const browser = await browserWithMic('speech.wav')
  try {
    const page = await browser.newPage()
    const models = watchRequests(page, '/models/')
    const uploads = watchRequests(page, '/api/v1/audio/transcriptions')
    // No hub: the model must come from the relay, or not at all.
    await open(page, host, { asrModel: TINY_WHISPER, asrPlacement: 'on-device', modelDevice: 'wasm', allowRemoteModels: false, speakAnswers: false })
    await expect(page.getByTestId('asr-placement')).toContainText('on device · WASM', { timeout: 20_000 })
    await page.getByTestId('mic-toggle').click()
    await expect(page.getByTestId('message-user').first()).toContainText(TINY_WHISPER_TEXT, { timeout: 200_000 })
    expect(models.some((u) => u.startsWith(`${relay.url}/models/${TINY_WHISPER}/`) && u.endsWith('.onnx')), models.join('\n')).toBe(true)
    for (const url of models) expect(url.startsWith(`${relay.url}/models/`), url).toBe(true)
    expect(host.paths.filter((p) => p.startsWith('/models/'))).toEqual([])
    expect(uploads).toEqual([])
  } finally {
    await browser.close()
  }
})

test('an origin the relay does not list is refused: no config, no chat, no socket, no models', async ({ page }) => {
  await open(page, stranger, { remoteAvatar: 'mockface' })
  // The relay answers /api/config without CORS for it, so the browser keeps the answer from the page.
  await expect(page.getByTestId('error-banner').filter({ hasText: 'Can’t reach the Parley relay' })).toBeVisible({ timeout: 20_000 })
  await expect(page.getByTestId('agent-badge')).not.toContainText('fake-model')

  // What the browser lets that page do with the relay, tried directly from it.
  const tried = await page.evaluate(async ({ relayUrl, model }) => {
    const outcome = (p: Promise<Response>) => p.then((r) => `status ${r.status}`, () => 'blocked')
    const socket = await new Promise<string>((done) => {
      const ws = new WebSocket(`${relayUrl.replace('http', 'ws')}/api/v1/avatar/mockface`, ['parley'])
      ws.onopen = () => (done('open'), ws.close())
      ws.onerror = () => done('refused')
    })
    return {
      config: await outcome(fetch(`${relayUrl}/api/config`)),
      chat: await outcome(fetch(`${relayUrl}/api/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"messages":[]}' })),
      model: await outcome(fetch(`${relayUrl}/models/${model}/config.json`)),
      socket,
    }
  }, { relayUrl: relay.url, model: TINY_WHISPER })
  expect(tried).toEqual({ config: 'blocked', chat: 'blocked', model: 'blocked', socket: 'refused' })

  // And what the relay itself says to such a request (a browser would send this Origin).
  const headers = { origin: stranger.url, 'content-type': 'application/json' }
  const chat = await fetch(`${relay.url}/api/v1/chat/completions`, { method: 'POST', headers, body: '{"messages":[{"role":"user","content":"hi"}]}' })
  expect(chat.status).toBe(403)
  expect(((await chat.json()) as { error: { code: string } }).error.code).toBe('origin_not_allowed')
  const model = await fetch(`${relay.url}/models/${TINY_WHISPER}/config.json`, { headers: { origin: stranger.url } })
  expect(model.headers.get('access-control-allow-origin')).toBeNull()
  // The listed origin, by contrast, is answered by name.
  const allowed = await fetch(`${relay.url}/models/${TINY_WHISPER}/config.json`, { headers: { origin: host.url } })
  expect(allowed.headers.get('access-control-allow-origin')).toBe(host.url)
})
