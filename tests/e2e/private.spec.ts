import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, expect, test, type BrowserContext, type Page } from '@playwright/test'
import config from '../../playwright.config.ts'
import { TINY_LLM, TINY_LLM_TEXT, TINY_WHISPER, TINY_WHISPER_TEXT } from './models.ts'
import { fakeLlm, firstQuestionWav, relayUrl } from './stack.ts'

/**
 * A browser with a profile on disk, whose fake microphone says speech.wav's first question once:
 * closed and opened again, it keeps its service worker and stored models (a user's next visit)
 * and its microphone plays the file from the start. One question only: the on-device recognizer
 * loads while it is spoken, and a second sentence heard meanwhile would rightly be a second turn,
 * cutting the first answer short.
 */
function browserWithProfile(profile: string): Promise<BrowserContext> {
  const launch = config.use!.launchOptions!
  const mic = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${firstQuestionWav()}%noloop`]
  return chromium.launchPersistentContext(profile, { executablePath: launch.executablePath, args: [...launch.args!, ...mic], serviceWorkers: 'allow', viewport: { width: 1280, height: 800 } })
}

// The tiny models answer and transcribe the same words whatever they hear (fixed by
// construction): these tests prove the private path — every stage in the page, the browser's
// policy, the ledger, offline — not recognition or answer quality, which need real weights.

const SETTINGS = { asrModel: TINY_WHISPER, llmModel: TINY_LLM, modelDevice: 'wasm', voiceEngine: 'espeak', allowRemoteModels: null }

async function openPrivate(page: Page) {
  await page.goto(relayUrl())
  await page.evaluate((s) => localStorage.setItem('parley.settings.v1', JSON.stringify(s)), SETTINGS)
  // The first private visit installs the service worker and loads the page again under it.
  await page.goto(`${relayUrl()}/?private`)
  await expect(page.getByTestId('private-badge')).toBeVisible({ timeout: 20_000 })
  // Under the service worker now: its answer carries the private session's policy.
  const res = await page.reload()
  await expect(page.getByTestId('private-badge')).toBeVisible()
  return res!.headers()['content-security-policy'] ?? ''
}

async function spokenTurn(page: Page) {
  await expect(page.getByTestId('agent-badge')).toContainText('On device · tiny-llm', { timeout: 20_000 })
  await page.getByTestId('mic-toggle').click()
  await expect(page.getByTestId('message-user').first()).toContainText(TINY_WHISPER_TEXT, { timeout: 60_000 })
  await page.getByTestId('mic-toggle').click()
  const answer = page.getByTestId('message-assistant').first()
  await expect(answer).toContainText(TINY_LLM_TEXT, { timeout: 30_000 })
  await expect(answer).toHaveAttribute('data-status', 'done')
  // Spoken by the on-device voice, with the local face.
  await expect(page.locator('.stage__placement')).toContainText('voice: eSpeak NG · on device')
  await expect(page.getByTestId('face')).toHaveAttribute('data-renderer', /webgpu|canvas2d/)
}

test.describe('private sessions', () => {
  test.use({ serviceWorkers: 'allow' })
  // Three visits, each a whole spoken conversation with on-device models.
  test.setTimeout(240_000)
  test.beforeEach(() => fakeLlm.reset())

  test('a spoken question gets a spoken answer from the on-device model, nothing goes to the relay or elsewhere, and it works offline', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'parley-private-'))
    let context = await browserWithProfile(profile)
    try {
      let page = context.pages()[0] ?? (await context.newPage())
      const csp = await openPrivate(page)
      // The page's policy is the strict one: connect-src names only the app's own files.
      expect(csp).toMatch(/connect-src http:\/\/127\.0\.0\.1:\d+\/assets\/ /)
      expect(csp).not.toMatch(/connect-src[^;]*'self'/)
      expect(csp).not.toContain('huggingface')
      // A first private conversation downloads the models from this server (never from the hub)…
      await spokenTurn(page)
      await context.close()

      // …and the next visit's, in a new private session, uses what is stored: nothing leaves the device.
      context = await browserWithProfile(profile)
      const requests: { url: string; bySw: boolean }[] = []
      context.on('request', (r) => requests.push({ url: r.url(), bySw: r.serviceWorker() !== null }))
      page = context.pages()[0] ?? (await context.newPage())
      const violations: string[] = []
      page.on('console', (m) => /Refused to connect/i.test(m.text()) && violations.push(m.text()))
      await page.goto(`${relayUrl()}/?private`)
      await page.getByRole('button', { name: 'New conversation' }).click()
      await spokenTurn(page)
      expect(requests.filter((r) => r.bySw).map((r) => r.url)).toEqual([])
      expect(requests.filter((r) => new URL(r.url).pathname.startsWith('/api/')).map((r) => r.url)).toEqual([])
      expect(requests.filter((r) => !r.url.startsWith(relayUrl()) && !/^(data|blob):/.test(r.url)).map((r) => r.url)).toEqual([])
      expect(await fakeLlm.requests()).toEqual([])

      // The browser itself refuses what the app would not do anyway: the relay's API, another site.
      const refused = await page.evaluate(async () => {
        const out: string[] = []
        for (const url of ['/api/config', 'https://huggingface.co/x']) out.push(await fetch(url).then(() => 'sent', () => 'refused'))
        return out
      })
      expect(refused).toEqual(['refused', 'refused'])
      expect(violations.length).toBeGreaterThanOrEqual(2)

      // The in-app ledger agrees with Playwright: 0 requests left, the two refused ones listed.
      await expect(page.getByTestId('private-left')).toHaveText('0 requests left this device')
      await page.getByTestId('private-badge').click()
      await expect(page.getByTestId('ledger-total')).toContainText('0 requests left this device')
      await expect(page.getByTestId('network-ledger').locator('[data-status="network"]')).toHaveCount(0)
      await expect(page.getByTestId('network-ledger').locator('[data-status="blocked"]')).toHaveCount(2)

      // The exported session log carries the same ledger, and the on-device model's counts.
      await page.keyboard.press('Escape')
      const download = page.waitForEvent('download')
      await page.getByTestId('menu-export').click()
      const log = JSON.parse(Buffer.concat(await (await (await download).createReadStream()).toArray()).toString('utf8')) as { settings: { private: boolean }; network: { watching: boolean; leftDevice: number; requests: { status: string; path: string }[] }; turns: { llm: { promptTokens: number; prefillTokens: number; generatedTokens: number } | null }[] }
      expect(log.settings.private).toBe(true)
      expect(log.network).toMatchObject({ watching: true, leftDevice: 0 })
      expect(log.network.requests.filter((r) => r.status === 'blocked').map((r) => r.path)).toEqual(['/api/config', '/x'])
      expect(log.turns[0]!.llm).toMatchObject({ generatedTokens: 11 })
      expect(log.turns[0]!.llm!.prefillTokens).toBe(log.turns[0]!.llm!.promptTokens)
      await context.close()

      // With the network off, the next visit loads and talks all the same.
      context = await browserWithProfile(profile)
      await context.setOffline(true)
      page = context.pages()[0] ?? (await context.newPage())
      await page.goto(`${relayUrl()}/?private`)
      await page.getByRole('button', { name: 'New conversation' }).click()
      await spokenTurn(page)
      await expect(page.getByTestId('private-left')).toHaveText('0 requests left this device')
    } finally {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    }
  })
})
