import { expect, test, type Page } from '@playwright/test'
import { TINY_KOKORO } from './models.ts'
import { offlineUrl } from './stack.ts'

/** The loudest the stage's voice level got (it follows the playback's output). */
async function watchVoice(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { maxVoice: number }
    w.maxVoice = 0
    const presence = document.querySelector('[data-testid="presence"]') as HTMLElement
    const tick = () => {
      w.maxVoice = Math.max(w.maxVoice, Number(getComputedStyle(presence).getPropertyValue('--voice') || 0))
      requestAnimationFrame(tick)
    }
    tick()
  })
}

const useKokoro = (page: Page, model: string) =>
  page.evaluate((m) => localStorage.setItem('parley.settings.v1', JSON.stringify({ voiceEngine: 'kokoro', kokoroModel: m, allowRemoteModels: false })), model)

test('Kokoro speaks the answer on the device: the model loads from this server, nothing else is asked', async ({ page }) => {
  const requests: string[] = []
  page.on('request', (r) => requests.push(r.url()))
  await page.goto(offlineUrl())
  await useKokoro(page, TINY_KOKORO)
  await page.reload()
  await watchVoice(page)
  await page.getByTestId('composer').fill('hello')
  await page.getByTestId('composer').press('Enter')
  await expect.poll(() => page.evaluate(() => (window as unknown as { maxVoice: number }).maxVoice), { timeout: 30_000 }).toBeGreaterThan(0.1)
  await expect(page.locator('.stage__placement')).toContainText(/voice: Kokoro · (WebGPU|WASM)/)
  // The model, its tokenizer and the voice came from this server; no text went anywhere.
  expect(requests.some((u) => u.includes(`/models/${TINY_KOKORO}/onnx/`))).toBe(true)
  expect(requests.some((u) => u.includes(`/models/${TINY_KOKORO}/voices/af_heart.bin`))).toBe(true)
  expect(requests.filter((u) => !u.startsWith(offlineUrl()) && !u.startsWith('data:') && !u.startsWith('blob:'))).toEqual([])
  expect(requests.some((u) => u.includes('/audio/speech'))).toBe(false)
})

test('a Kokoro model that is not on the server is explained with the fix, and the answer is still written', async ({ page }) => {
  await page.goto(offlineUrl())
  await useKokoro(page, 'parley-test/no-such-kokoro')
  await page.reload()
  await page.getByTestId('composer').fill('hello')
  await page.getByTestId('composer').press('Enter')
  const banner = page.getByTestId('error-banner').first()
  await expect(banner).toContainText('npm run models:fetch -- parley-test/no-such-kokoro', { timeout: 30_000 })
  await expect(banner).toContainText('allow downloads from Hugging Face in Settings')
  await expect(page.getByTestId('message-assistant').first()).toHaveAttribute('data-status', 'done')
  // …and spoken all the same: eSpeak NG stands in, and the stage says so (no "loading 0%" forever).
  await expect(banner).toContainText('eSpeak NG speaks instead')
  await expect(page.locator('.stage__placement')).toContainText('voice: eSpeak NG · on device (Kokoro could not load)')
  await expect(page.getByTestId('stage')).toHaveAttribute('data-mood', 'answering', { timeout: 15_000 })
})
