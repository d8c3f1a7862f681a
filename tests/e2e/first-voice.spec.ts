// A newcomer's first words, on a server without a speech model (weights are not shipped): the page
// asks how to get one instead of a dead microphone, one tap downloads it into the browser (once:
// the browser keeps it), and a sentence no recognizer could take yet is kept and recognised as
// soon as one can. The Hugging Face hub cannot be reached from here: Playwright answers its
// URLs with the tiny test model's files, as the hub lays them out (<id>/resolve/main/<file>).
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { expect, test, type Page } from '@playwright/test'
import { BROKEN_WHISPER, TINY_WHISPER, TINY_WHISPER_TEXT } from './models.ts'
import { browserWithMic, fakeLlm, relayUrl } from './stack.ts'

/** A model id the server does not host: only "the hub" has it. */
const HUB_ONLY = 'parley-test/only-on-the-hub'
const modelFiles = fileURLToPath(new URL(`../../models/${TINY_WHISPER}/`, import.meta.url))

/** Serves HUB_ONLY from the tiny model's files at the hub's URLs; returns the files asked for. */
async function fakeHub(page: Page): Promise<string[]> {
  const asked: string[] = []
  await page.context().route(`https://huggingface.co/${HUB_ONLY}/resolve/main/**`, async (route) => {
    const file = new URL(route.request().url()).pathname.split('/resolve/main/')[1]!
    asked.push(file)
    const body = await readFile(`${modelFiles}${file}`).catch(() => null)
    await route.fulfill(body ? { status: 200, body, headers: { 'access-control-allow-origin': '*', 'content-length': String(body.length) } } : { status: 404, headers: { 'access-control-allow-origin': '*' }, body: 'Entry not found' })
  })
  return asked
}

async function openWith(page: Page, settings: Record<string, unknown>) {
  await page.goto(relayUrl())
  await page.evaluate((s) => localStorage.setItem('parley.settings.v1', JSON.stringify(s)), settings)
  await page.reload()
}

test.describe('the first voice', () => {
  test.setTimeout(120_000)
  test.beforeEach(() => fakeLlm.reset())

  test('no speech model on the server: the page asks, one tap downloads it into the browser, once', async () => {
    const browser = await browserWithMic('speech.wav')
    try {
      const page = await browser.newPage()
      const asked = await fakeHub(page)
      const consoleErrors: string[] = []
      page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()))
      await openWith(page, { asrModel: HUB_ONLY, asrPlacement: 'on-device', modelDevice: 'wasm' })
      const choice = page.getByTestId('speech-model-choice')
      await expect(choice).toBeVisible({ timeout: 20_000 })
      await expect(choice).toContainText(`npm run models:fetch -- ${HUB_ONLY}`)
      // The relay's recognition is offered too, saying what it sends.
      await expect(choice.getByTestId('use-relay-asr')).toBeVisible()
      await expect(choice).toContainText('sent to the relay')
      await expect(page.getByTestId('mic-toggle')).toBeDisabled()
      // Nothing was fetched from the hub before the user said so, and finding out that the server
      // lacks the model (from its list of models) left no 404 in the console.
      expect(asked).toEqual([])
      expect(consoleErrors).toEqual([])
      // "Not now" folds the question into one line, for someone who only types; it comes back in a tap.
      await choice.getByTestId('dismiss-model-choice').click()
      await expect(choice).toBeHidden()
      await page.getByTestId('set-up-voice').click()
      await expect(choice).toBeVisible()

      await choice.getByTestId('download-speech-model').click()
      await expect(choice).toBeHidden()
      await expect(page.getByTestId('asr-placement')).toContainText('on device · WASM')
      await expect(page.getByTestId('message-user').first()).toContainText(TINY_WHISPER_TEXT, { timeout: 60_000 })
      expect(asked.filter((f) => f.endsWith('.onnx')).length).toBeGreaterThan(0)
      // Settings remembers the choice.
      await page.getByRole('button', { name: 'Settings' }).click()
      await expect(page.getByTestId('allow-remote-models')).toBeChecked()
      await page.keyboard.press('Escape')

      // After a reload the browser has the model: it loads without asking the hub for it again.
      asked.length = 0
      await page.reload()
      await page.getByTestId('mic-toggle').click()
      await expect(page.getByTestId('message-user').first()).toContainText(TINY_WHISPER_TEXT, { timeout: 60_000 })
      expect(asked.filter((f) => f.endsWith('.onnx'))).toEqual([])
    } finally {
      await browser.close()
    }
  })

  test('a sentence the model could not recognise is kept, and recognised once the relay is chosen', async () => {
    // The microphone plays its sentence once: what reaches the relay afterwards can only be the kept one.
    const browser = await browserWithMic('speech.wav')
    try {
      const page = await browser.newPage()
      await openWith(page, { asrModel: BROKEN_WHISPER, asrPlacement: 'on-device', modelDevice: 'wasm' })
      await page.getByTestId('mic-toggle').click()
      const banner = page.getByTestId('error-banner')
      await expect(banner).toContainText(BROKEN_WHISPER, { timeout: 60_000 })
      await expect(page.getByTestId('voice-held')).toContainText('What you just said is kept', { timeout: 60_000 })
      await expect(page.getByTestId('message-user')).toHaveCount(0)

      await banner.getByRole('button', { name: /relay’s speech recognition/ }).click()
      await expect(page.getByTestId('asr-placement')).toContainText('relay · your choice')
      await expect(page.getByTestId('message-user').first()).toContainText(/I heard \d+ bytes of audio/, { timeout: 30_000 })
      await expect(page.getByTestId('voice-held')).toBeHidden()
    } finally {
      await browser.close()
    }
  })
})
