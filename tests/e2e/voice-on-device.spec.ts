import { expect, test, type Page } from '@playwright/test'
import { BROKEN_WHISPER, INCOMPLETE_WHISPER, TINY_WHISPER, TINY_WHISPER_TEXT } from './models.ts'
import { browserWithMic, fakeLlm, relayUrl } from './stack.ts'

// The tiny model's transcript is fixed by construction (it ignores the audio): these tests prove
// the real transformers.js loading and decoding path runs in a worker, on WASM and on WebGPU
// (SwiftShader here), not recognition accuracy, which needs real weights.

async function openWith(page: Page, settings: Record<string, unknown>) {
  await page.goto(relayUrl())
  await page.evaluate((s) => localStorage.setItem('parley.settings.v1', JSON.stringify(s)), settings)
  await page.reload()
}

test.describe('on-device speech recognition (transformers.js in a worker)', () => {
  test.setTimeout(90_000)
  test.beforeEach(() => fakeLlm.reset())

  for (const [device, settings, badge] of [
    ['WASM', { modelDevice: 'wasm' }, 'on device · WASM'],
    // SwiftShader is this machine's only adapter: software, so only a forced choice uses it.
    ['WebGPU', { modelDevice: 'webgpu' }, 'on device · WebGPU'],
    ['a software WebGPU adapter', {}, 'on device · WASM (WebGPU here is software-only)'],
  ] as const) {
    test(`${device}: speech becomes text on the device, and no audio goes to the relay`, async () => {
      // Software WebGPU (SwiftShader) is correct but slow: ~24 s to a first transcript on an idle
      // machine, minutes on a busy one. This checks correctness, so it gets the time.
      const forced = device === 'WebGPU'
      if (forced) test.setTimeout(240_000)
      const browser = await browserWithMic('speech.wav')
      try {
        const page = await browser.newPage()
        const uploads: string[] = []
        page.on('request', (r) => r.url().includes('/audio/transcriptions') && uploads.push(r.url()))
        await openWith(page, { asrModel: TINY_WHISPER, asrPlacement: 'on-device', ...settings })
        await expect(page.getByTestId('asr-placement')).toContainText(badge)
        await page.getByTestId('mic-toggle').click()
        const first = page.getByTestId('message-user').first()
        await expect(first).toContainText(TINY_WHISPER_TEXT, { timeout: forced ? 200_000 : 60_000 })
        // One whole turn is what is checked: the fixture's next sentence would cut into a slow answer (a loaded machine).
        await page.getByTestId('mic-toggle').click()
        await expect(page.getByTestId('asr-placement')).toContainText(badge)
        await expect(page.getByTestId('message-assistant').first()).toContainText(`You said: ${TINY_WHISPER_TEXT}`, { timeout: 15_000 })
        expect(uploads).toEqual([])

        if (device === 'WASM') {
          // The browser keeps the model: after a reload it loads without downloading it again.
          const downloads: string[] = []
          page.on('request', (r) => r.url().includes('/models/') && r.url().endsWith('.onnx') && downloads.push(r.url()))
          await page.reload()
          await page.getByTestId('mic-toggle').click()
          await expect(page.getByTestId('message-user').first()).toContainText(TINY_WHISPER_TEXT, { timeout: 30_000 })
          expect(downloads).toEqual([])
        }
      } finally {
        await browser.close()
      }
    })
  }

  test('a missing model is named with the fix, and the relay is offered instead', async () => {
    const browser = await browserWithMic('speech.wav')
    try {
      const page = await browser.newPage()
      await openWith(page, { asrModel: 'parley-test/no-such-model', asrPlacement: 'auto', allowRemoteModels: false, modelDevice: 'wasm' })
      await expect(page.getByTestId('asr-placement')).toContainText('relay · no local model')
      // Forcing on-device with nothing to load: explained, and nothing is sent anywhere.
      await openWith(page, { asrModel: 'parley-test/no-such-model', asrPlacement: 'on-device', allowRemoteModels: false, modelDevice: 'wasm' })
      await expect(page.getByTestId('voice-status')).toContainText('no local speech model')
      await expect(page.getByTestId('mic-toggle')).toBeDisabled()

      // A model that the server lists but whose files are damaged.
      await openWith(page, { asrModel: BROKEN_WHISPER, asrPlacement: 'on-device', modelDevice: 'wasm' })
      await page.getByTestId('mic-toggle').click()
      const banner = page.getByTestId('error-banner')
      await expect(banner).toContainText(BROKEN_WHISPER, { timeout: 30_000 })
      await expect(banner).toContainText(/damaged|could not be loaded/)
      await banner.getByRole('button', { name: /relay’s speech recognition/ }).click()
      await expect(page.getByTestId('asr-placement')).toContainText('relay · your choice')

      // A model with a file missing on the server (404): the file is named.
      await openWith(page, { asrModel: INCOMPLETE_WHISPER, asrPlacement: 'on-device', modelDevice: 'wasm', allowRemoteModels: false })
      await page.getByTestId('mic-toggle').click()
      await expect(page.getByTestId('error-banner')).toContainText('encoder_model_quantized.onnx', { timeout: 30_000 })
      await expect(page.getByTestId('error-banner')).toContainText('npm run models:fetch')
    } finally {
      await browser.close()
    }
  })
})
