import { expect, test, type Browser, type Page } from '@playwright/test'
import { browserWithMic, fakeLlm, startVoiceRelay, offlineUrl } from './stack.ts'

let voice: Awaited<ReturnType<typeof startVoiceRelay>>
test.beforeAll(async () => (voice = await startVoiceRelay()))
test.afterAll(() => voice.close())


/** The app in a new page, recognising speech through the relay (the fake transcriber). */
async function withRelayAsr(browser: Browser): Promise<Page> {
  const page = await browser.newPage()
  await page.goto(voice.url)
  // One request per turn, in the order scripted: no answers started ahead at pauses (turn-taking.spec.ts has those, spoken).
  await page.evaluate(() => localStorage.setItem('parley.settings.v1', JSON.stringify({ asrPlacement: 'relay', showTimings: true, preemptive: false })))
  await page.reload()
  return page
}

/** Records, in page time, when the voice first becomes audible on the stage (the output level). */
async function watchVoice(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { audibleAt?: number; maxVoice: number }
    w.maxVoice = 0
    const presence = document.querySelector('[data-testid="presence"]') as HTMLElement
    const tick = () => {
      const v = Number(getComputedStyle(presence).getPropertyValue('--voice') || 0)
      w.maxVoice = Math.max(w.maxVoice, v)
      if (v > 0.05 && w.audibleAt === undefined) w.audibleAt = performance.now()
      requestAnimationFrame(tick)
    }
    tick()
  })
}

test('with no voice on the relay, eSpeak NG speaks the answer on the device', async ({ page }) => {
  const speechRequests: string[] = []
  page.on('request', (r) => r.url().includes('/audio/speech') && speechRequests.push(r.url()))
  await page.goto(`${offlineUrl()}/?debug`) // ?debug: the timings are shown
  await expect(page.locator('.stage__placement')).toContainText('voice: eSpeak NG · on device')
  await watchVoice(page)
  await page.getByTestId('composer').fill('hello')
  await page.getByTestId('composer').press('Enter')
  await expect.poll(() => page.evaluate(() => (window as unknown as { maxVoice: number }).maxVoice), { timeout: 20_000 }).toBeGreaterThan(0.1)
  await expect(page.getByTestId('waterfall')).toContainText('voice')
  expect(speechRequests).toEqual([])
})

test.describe('answering aloud (relay TTS, sentence by sentence)', () => {
  test.setTimeout(60_000)
  test.beforeEach(() => fakeLlm.reset())

  test('a spoken question gets a spoken answer that starts after the question ended', async () => {
    const browser = await browserWithMic('speech.wav')
    try {
      const page = await withRelayAsr(browser)
      await watchVoice(page)
      await fakeLlm.next({ kind: 'reply', text: 'Sure, I can hear you. The weather tomorrow looks bright and warm.', chunkDelayMs: 10 })
      await page.getByTestId('mic-toggle').click()
      await expect(page.getByTestId('message-user').first()).toBeVisible({ timeout: 15_000 })
      // The fixture's next question would cut into this answer (it starts 1.5 s after the first
      // ends): stop listening, so that what is checked here is one whole turn, however slow the machine.
      await page.getByTestId('mic-toggle').click()
      // The answer is audible: the output level on the playback path rises (not silence).
      await expect.poll(() => page.evaluate(() => (window as unknown as { audibleAt?: number }).audibleAt), { timeout: 15_000 }).toBeGreaterThan(0)
      expect(await page.evaluate(() => (window as unknown as { maxVoice: number }).maxVoice)).toBeGreaterThan(0.1)
      // Each sentence went to the relay's TTS as soon as it was complete.
      await expect.poll(() => voice.speech.requests.length).toBeGreaterThanOrEqual(2)
      expect(voice.speech.requests[0]!.body).toMatchObject({ input: 'Sure, I can hear you.', response_format: 'pcm' })

      // The turn's latency is shown, stage by stage, and the session log exports it (DESIGN §7).
      const waterfall = page.getByTestId('waterfall').first()
      await expect(waterfall).toContainText('recognition')
      await expect(waterfall).toContainText('playback')
      const download = page.waitForEvent('download')
      await page.getByTestId('export').click()
      const log = JSON.parse(await (await (await download).createReadStream()).toArray().then((c) => Buffer.concat(c).toString('utf8'))) as {
        turns: { user: string; assistant: string; spoken: boolean; interrupted: boolean; timestamps: Record<string, number | null> }[]
        placement: Record<string, string>
      }
      expect(log.placement).toMatchObject({ vad: 'local-wasm', asr: 'relay', tts: 'relay' })
      const turn = log.turns[0]!
      expect(turn).toMatchObject({ spoken: true, interrupted: false, assistant: 'Sure, I can hear you. The weather tomorrow looks bright and warm.' })
      const t = turn.timestamps
      for (const stage of ['speechStart', 'speechEnd', 'asrFinal', 'llmFirstToken', 'firstSentence', 'ttsFirstAudio', 'playbackStart']) expect(t[stage], stage).toBeGreaterThan(0)
      expect(t.speechStart!).toBeLessThan(t.speechEnd!)
      expect(t.speechEnd!).toBeLessThanOrEqual(t.asrFinal!)
      expect(t.asrFinal!).toBeLessThanOrEqual(t.llmFirstToken!)
      // playbackStart is the speakers' clock mapped to page time (its output timestamp), ttsFirstAudio a
      // callback's time: on a loaded machine the two can cross by a few hundred ms.
      expect(t.ttsFirstAudio!).toBeLessThanOrEqual(t.playbackStart! + 500)
      // The answer started after the question ended.
      expect(t.playbackStart!).toBeGreaterThan(t.speechEnd!)
      expect(t.firstFrame).toBeNull()
    } finally {
      await browser.close()
    }
  })

  test('a voice that fails mid-answer ends the turn with a clear error, and the conversation goes on', async ({ page }) => {
    await page.goto(voice.url)
    await fakeLlm.next({ kind: 'reply', text: 'This answer will lose its voice halfway. The words stay on screen.', chunkDelayMs: 5 }, { kind: 'reply', text: 'And this one is fine.' })
    voice.speech.next({ kind: 'drop', afterChunks: 2 })
    await page.getByTestId('composer').fill('Talk to me')
    await page.getByTestId('composer').press('Enter')
    await expect(page.getByTestId('error-banner').first()).toContainText('The voice broke off', { timeout: 15_000 })
    await expect(page.getByTestId('message-assistant').first()).toContainText('The words stay on screen.')
    await expect(page.getByTestId('message-assistant').first()).toHaveAttribute('data-status', 'done')
    // The conversation goes on: the next answer comes, and is spoken.
    await page.getByTestId('composer').fill('Again')
    await page.getByTestId('composer').press('Enter')
    await expect(page.getByTestId('message-assistant').nth(1)).toContainText('And this one is fine.')
    await expect(page.getByTestId('stage')).toHaveAttribute('data-mood', /answering|ready/)
  })

  test('speaking over the answer interrupts it: audio stops, the answer keeps what was heard, a new turn starts', async () => {
    const browser = await browserWithMic('speech.wav')
    try {
      const page = await withRelayAsr(browser)
      // A long answer (many sentences, a second of voice each) still playing when sentence 2 starts.
      const long = Array.from({ length: 10 }, (_, i) => `This is sentence number ${i + 1} of a long answer.`).join(' ')
      await fakeLlm.next({ kind: 'reply', text: long, chunkDelayMs: 5 }, { kind: 'reply', text: 'Fine, a new answer to your new question.' })
      await page.getByTestId('mic-toggle').click()
      const first = page.getByTestId('message-assistant').first()
      await expect(first).toHaveAttribute('data-status', 'stopped', { timeout: 30_000 })
      await expect(first).toContainText('Interrupted')
      const heard = (await first.locator('.message__text').textContent())!
      expect(heard.length).toBeLessThan(long.length)
      // The words that cut in are the next question (on a slow machine the fixture's third may follow).
      await expect(page.getByTestId('message-user').nth(1)).toBeVisible()
      await expect(page.getByTestId('message-assistant').nth(1)).toContainText('Fine, a new answer')
      // The model was told only what the user heard (on a slow machine the user can cut in before
      // the first word is heard: then nothing of the answer stays in the history).
      const requests = await fakeLlm.requests()
      const history = requests[1]!.body!.messages as { role: string; content: string }[]
      expect(history.find((m) => m.role === 'assistant')?.content ?? '').toBe(heard.trim())
    } finally {
      await browser.close()
    }
  })

  test('a cough or a short noise during the answer does not interrupt it: the answer pauses at most, then goes on', async () => {
    const browser = await browserWithMic('speech-cough.wav')
    try {
      const page = await withRelayAsr(browser)
      // Every phase the turn machine passes through, in order.
      await page.evaluate(() => {
        const w = window as unknown as { phases: string[] }
        const app = document.querySelector('.app') as HTMLElement
        w.phases = [app.dataset.turn!]
        new MutationObserver(() => w.phases.at(-1) !== app.dataset.turn && w.phases.push(app.dataset.turn!)).observe(app, { attributes: true, attributeFilter: ['data-turn'] })
      })
      // Eight sentences of about a second each: still playing when the "ah!" and the thud come.
      const long = Array.from({ length: 8 }, (_, i) => `Here is part ${i + 1} of an answer that goes on.`).join(' ')
      await fakeLlm.next({ kind: 'reply', text: long, chunkDelayMs: 5 })
      await page.getByTestId('mic-toggle').click()
      const answer = page.getByTestId('message-assistant').first()
      await expect(answer).toHaveAttribute('data-status', 'done', { timeout: 40_000 })
      await expect(page.locator('.app')).toHaveAttribute('data-turn', 'listening', { timeout: 20_000 })
      // The "ah!" was heard as the start of speech — the answer paused — and then judged no words.
      const phases = await page.evaluate(() => (window as unknown as { phases: string[] }).phases)
      // (On a slow machine the "ah!" can come before the first word is heard: paused while thinking.)
      const answering = phases.indexOf('thinking')
      expect(answering, phases.join(' → ')).toBeGreaterThan(0)
      expect(phases.slice(answering), phases.join(' → ')).toEqual(expect.arrayContaining(['user-speaking']))
      expect(phases.lastIndexOf('speaking'), phases.join(' → ')).toBeGreaterThan(phases.indexOf('user-speaking', answering))
      // Not interrupted: one question, the whole answer, and the model was asked only once.
      await expect(page.getByTestId('message-user')).toHaveCount(1)
      await expect(answer).not.toContainText('Interrupted')
      await expect(answer.locator('.message__text')).toHaveText(long)
      expect(await fakeLlm.requests()).toHaveLength(1)
    } finally {
      await browser.close()
    }
  })
})

test('switching the voice and the avatar mid-answer: the answer goes on and ends well, with no error', async ({ page }) => {
  test.setTimeout(60_000)
  await fakeLlm.reset()
  await page.goto(voice.url)
  await page.evaluate(() => localStorage.setItem('parley.settings.v1', JSON.stringify({ voiceEngine: 'espeak' })))
  await page.reload()
  await expect(page.locator('.stage__placement')).toContainText('voice: eSpeak NG · on device')
  await expect(page.locator('.stage__face--ready')).toBeVisible({ timeout: 20_000 })
  await fakeLlm.next({ kind: 'reply', text: 'One sentence comes first. Then another one follows it. And a third one ends the answer here.', chunkDelayMs: 120, wordsPerChunk: 1 })
  await page.getByTestId('composer').fill('Tell me three things.')
  await page.getByTestId('composer').press('Enter')
  const answer = page.getByTestId('message-assistant').last()
  await expect(answer).toHaveAttribute('data-status', 'streaming')
  await page.getByRole('button', { name: 'Settings' }).click()
  voice.speech.reset()
  await page.getByTestId('voice-engine').selectOption('auto') // the relay's voice
  await page.getByTestId('avatar-theo').click()
  await page.keyboard.press('Escape')
  await expect(answer).toHaveAttribute('data-status', 'done', { timeout: 30_000 })
  await expect(answer).toContainText('a third one ends the answer here')
  await expect(page.getByTestId('error-banner')).toHaveCount(0)
  await expect(page.locator('.stage__placement')).toContainText('voice: relay')
  await expect(page.locator('.stage__name')).toHaveText('Theo')
  // The sentences after the switch were said by the new voice.
  expect(voice.speech.requests.length).toBeGreaterThan(0)
})
