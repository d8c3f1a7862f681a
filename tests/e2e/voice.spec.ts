import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, test, type Page } from '@playwright/test'
import { browserWithMic, fakeLlm, relayUrl } from './stack.ts'

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url))
const expected = JSON.parse(readFileSync(`${fixtures}speech.json`, 'utf8')) as { files: Record<string, { duration: number; speech: { start: number; end: number }[] }> }

async function listen(page: Page) {
  await page.goto(relayUrl())
  // These tests are about capture and VAD: recognition goes to the relay's (fake) service. The fake
  // microphone hears no echo of the answers (headphones): the echo gate's cautious start in the
  // first answer (tested on the echo fixtures) would hold back a quiet sentence begun under it.
  await page.evaluate(() => localStorage.setItem('parley.settings.v1', JSON.stringify({ asrPlacement: 'relay', audioOutput: 'headphones' })))
  await page.reload()
  await expect(page.getByTestId('asr-placement')).toContainText('relay')
  await page.getByTestId('mic-toggle').click()
  await expect(page.getByTestId('voice')).toHaveAttribute('data-status', /listening|hearing/, { timeout: 30_000 })
}

test.describe('speaking to Parley (fake microphone → capture worklet → Silero VAD worker → relay ASR)', () => {
  test.setTimeout(60_000)
  test.beforeEach(() => fakeLlm.reset())

  for (const file of ['speech.wav', 'speech-quiet.wav', 'speech-noisy.wav']) {
    test(`${file}: each spoken sentence becomes one message, with boundaries within ±150 ms`, async () => {
      const browser = await browserWithMic(file)
      try {
        const page = await browser.newPage()
        await listen(page)
        const want = expected.files[file]!.speech
        const messages = page.getByTestId('message-user')
        await expect(messages).toHaveCount(want.length, { timeout: (expected.files[file]!.duration + 10) * 1000 })
        // No more after the file ends.
        await page.waitForTimeout(1500)
        await expect(messages).toHaveCount(want.length)

        const found = await messages.evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-speech-start')), Number(e.getAttribute('data-speech-end'))]))
        // VAD time starts when listening starts, not when the file starts: align on the first onset,
        // then every other boundary must match the fixture's known intervals.
        const offset = found[0]![0]! - want[0]!.start * 1000
        expect(Math.abs(offset)).toBeLessThan(5000)
        found.forEach(([start, end], i) => {
          expect(Math.abs(start! - offset - want[i]!.start * 1000), `segment ${i} start`).toBeLessThanOrEqual(150)
          expect(Math.abs(end! - offset - want[i]!.end * 1000), `segment ${i} end`).toBeLessThanOrEqual(150)
        })
        // Each message was answered.
        await expect(page.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done')
      } finally {
        await browser.close()
      }
    })
  }

  test('noise.wav: pure noise makes no message', async () => {
    const browser = await browserWithMic('noise.wav')
    try {
      const page = await browser.newPage()
      await listen(page)
      await page.waitForTimeout((expected.files['noise.wav']!.duration + 1.5) * 1000)
      await expect(page.getByTestId('message-user')).toHaveCount(0)
      // The meter moved: the microphone was live.
      await expect(page.getByTestId('voice')).toHaveAttribute('data-status', 'listening')
    } finally {
      await browser.close()
    }
  })

  test('a sentence that stops on an unfinished word waits for the rest: the words after the pause join it in one message', async () => {
    // The recognizer (the relay's fake) hears the fixture's first sentence as unfinished.
    await fetch(`${process.env.E2E_TRANSCRIBER_URL}/__control/scenario`, {
      method: 'POST',
      body: JSON.stringify([
        { kind: 'reply', text: 'I would like to' },
        { kind: 'reply', text: 'know what the weather will be like tomorrow.' },
        { kind: 'reply', text: 'Thank you, that is all for now.' },
      ]),
    })
    const browser = await browserWithMic('speech.wav')
    try {
      const page = await browser.newPage()
      await page.goto(relayUrl())
      // 900 ms of silence ends speech; the unfinished one waits 1 s more, past the fixture's 1.5 s gaps.
      // Nothing is recognised at short pauses (no answers ahead, no turn model): the scripted replies go one per sentence.
      await page.evaluate(() => localStorage.setItem('parley.settings.v1', JSON.stringify({ asrPlacement: 'relay', endOfSpeechMs: 900, preemptive: false, turnModel: null })))
      await page.reload()
      await page.getByTestId('mic-toggle').click()
      const messages = page.getByTestId('message-user')
      await expect(messages.first()).toHaveText(/I would like to know what the weather will be like tomorrow\./, { timeout: 40_000 })
      await expect(messages).toHaveCount(2, { timeout: 20_000 })
      await expect(messages.nth(1)).toContainText('Thank you, that is all for now.')
      // The joined message spans both pieces of speech (the first one's start to the second one's end).
      const [start, end] = await messages.first().evaluate((e) => [Number(e.getAttribute('data-speech-start')), Number(e.getAttribute('data-speech-end'))])
      expect(end! - start!).toBeGreaterThan(5000)
    } finally {
      await browser.close()
    }
  })

  test('a speech-detection worker that crashes is restarted, the user is told, and listening goes on', async () => {
    const browser = await browserWithMic('speech.wav')
    try {
      const page = await browser.newPage()
      await listen(page)
      // A real uncaught error inside the running VAD worker.
      const vadWorker = page.workers().find((w) => w.url().includes('vad.worker'))!
      await vadWorker.evaluate(() => void setTimeout(() => {
        throw new Error('simulated crash')
      }))
      await expect(page.getByTestId('error-banner')).toContainText('speech detector stopped working')
      await expect(page.getByTestId('voice')).toHaveAttribute('data-status', /listening|hearing|transcribing/, { timeout: 15_000 })
      // The restarted chain still turns speech into messages.
      await expect(page.getByTestId('message-user').first()).toBeVisible({ timeout: 20_000 })
    } finally {
      await browser.close()
    }
  })

  test('push-to-talk: only speech while Space is held becomes a message', async () => {
    const browser = await browserWithMic('speech.wav')
    try {
      const page = await browser.newPage()
      await page.goto(relayUrl())
      await page.evaluate(() => localStorage.setItem('parley.settings.v1', JSON.stringify({ asrPlacement: 'relay', pushToTalk: true })))
      await page.reload()
      await page.getByTestId('mic-toggle').click()
      await expect(page.getByTestId('voice-status')).toHaveText('Hold Space to talk', { timeout: 15_000 })
      // The first sentence plays with the key up: nothing is sent.
      await page.waitForTimeout(4500)
      await expect(page.getByTestId('message-user')).toHaveCount(0)
      await page.keyboard.down('Space')
      await expect(page.getByTestId('voice')).toHaveAttribute('data-status', 'hearing')
      await page.waitForTimeout(1500)
      await page.keyboard.up('Space')
      await expect(page.getByTestId('message-user')).toHaveCount(1)
      const [start, end] = await page.getByTestId('message-user').evaluate((e) => [Number(e.getAttribute('data-speech-start')), Number(e.getAttribute('data-speech-end'))])
      expect(end! - start!).toBeGreaterThan(1200)
      // Held 1.5 s; a busy machine delivers the key events late, hence the margin.
      expect(end! - start!).toBeLessThan(2600)
    } finally {
      await browser.close()
    }
  })

  test('a denied microphone is explained, and typing still works', async () => {
    const browser = await browserWithMic(null)
    try {
      const page = await browser.newPage()
      await page.goto(relayUrl())
      await page.getByTestId('mic-toggle').click()
      // The microphone is asked for once the speech detector has loaded (seconds on a busy machine).
      await expect(page.getByTestId('error-banner')).toContainText('Microphone access is blocked', { timeout: 20_000 })
      await expect(page.getByTestId('error-banner')).toContainText('keep typing')
      await expect(page.getByTestId('voice')).toHaveAttribute('data-status', 'off')
      await page.getByTestId('composer').fill('Typing instead')
      await page.getByTestId('composer').press('Enter')
      await expect(page.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done')

      // After a reload the browser remembers the "no": the page says so at once, loading no speech detector.
      await page.reload()
      await page.getByTestId('mic-toggle').click()
      await expect(page.getByTestId('error-banner')).toContainText('Microphone access is blocked', { timeout: 5_000 })
      expect(page.workers().filter((w) => w.url().includes('vad.worker'))).toEqual([])
    } finally {
      await browser.close()
    }
  })
})
