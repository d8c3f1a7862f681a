// Turn-taking in the whole app: the fake microphone plays the turn fixtures (tests/fixtures/
// make-turns.sh), the relay's (fake) recogniser and language model answer, and the turn model is
// the tiny generated one (models/tools/make-tiny-smart-turn.py) with a scripted verdict — these
// tests prove what the app does with a verdict, not that a verdict is right.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, test, type Page } from '@playwright/test'
import { TINY_TURN_COMPLETE, TINY_TURN_INCOMPLETE } from './models.ts'
import { browserWithMic, fakeLlm, offlineUrl, relayUrl, wavWithSilence } from './stack.ts'

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url))
const truth = JSON.parse(readFileSync(`${fixtures}speech.json`, 'utf8')) as { files: Record<string, { speech: { start: number; end: number }[] }> }

interface Log {
  turns: { user: string; assistant: string; interruptedBy: string | null; heardMs: number | null; timestamps: Record<string, number | null> }[]
  turnTaking: { preemptive: boolean; turnModel: string; echoLoopback: { latencyMs: number; receivedEnergy: number } | null; ahead: { started: number; committed: number; abandoned: number; wasted: { llm: number; tts: number; asr: number } }; pauses: { recognised: number; reused: number; discarded: number } }
}

async function exportLog(page: Page): Promise<Log> {
  const download = page.waitForEvent('download')
  await page.getByTestId('menu-export').click()
  return JSON.parse(Buffer.concat(await (await (await download).createReadStream()).toArray()).toString('utf8')) as Log
}

/** `warmUp`: a typed message answered aloud before the microphone is on (its voice's cold start out of the way). */
async function talk(page: Page, settings: Record<string, unknown>, warmUp?: string) {
  await page.goto(relayUrl())
  await page.evaluate((s) => localStorage.setItem('parley.settings.v1', JSON.stringify(s)), { asrPlacement: 'relay', speakAnswers: false, ...settings })
  await page.reload()
  if (warmUp) {
    await page.getByTestId('composer').fill(warmUp)
    await page.getByTestId('composer').press('Enter')
    await expect(page.locator('[data-testid="message-assistant"][data-status="done"]')).toHaveCount(1, { timeout: 45_000 })
  }
  await page.getByTestId('mic-toggle').click()
}

/**
 * A room between the page's speaker and its microphone, in the test's browser: whatever the page
 * plays through a media element (the avatar's voice) comes back into the microphone's stream,
 * delayed 60 ms and 10 dB down, mixed with what the fake microphone hears. The app is not touched:
 * this is the acoustic path a laptop's speakers make.
 */
async function withSpeakers(page: Page) {
  await page.addInitScript(() => {
    const room = new AudioContext()
    const into = room.createMediaStreamDestination()
    const delay = room.createDelay(1)
    delay.delayTime.value = 0.06
    const level = room.createGain()
    level.gain.value = 10 ** (-10 / 20)
    delay.connect(level).connect(into)
    const srcObject = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'srcObject')!
    Object.defineProperty(HTMLMediaElement.prototype, 'srcObject', {
      get() {
        return srcObject.get!.call(this)
      },
      set(stream: MediaStream | null) {
        if (stream instanceof MediaStream && stream.getAudioTracks().length) room.createMediaStreamSource(stream).connect(delay)
        srcObject.set!.call(this, stream)
      },
    })
    const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices)
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      const mic = await open(constraints)
      room.createMediaStreamSource(mic).connect(into)
      await room.resume()
      return into.stream
    }
  })
}

const span = async (page: Page, n: number) =>
  page
    .getByTestId('message-user')
    .nth(n)
    .evaluate((e) => [Number(e.getAttribute('data-speech-start')), Number(e.getAttribute('data-speech-end'))] as const)

test.describe('turn-taking', () => {
  test.setTimeout(90_000)
  test.beforeEach(() => fakeLlm.reset())

  test('a complete question is answered at its first short pause when the turn model says so, not after the end-of-speech wait', async () => {
    const browser = await browserWithMic('questions.wav')
    try {
      const page = await browser.newPage()
      // Spoken answers (eSpeak NG on the device), short enough to be over before the next question: the voice made ahead is held, then played.
      await fakeLlm.next(...Array.from({ length: 6 }, () => ({ kind: 'reply' as const, text: 'Sure.' })))
      await talk(page, { turnModel: TINY_TURN_COMPLETE, endOfSpeechMs: 1500, speakAnswers: true, voiceEngine: 'espeak' })
      await expect(page.getByTestId('message-user')).toHaveCount(3, { timeout: 40_000 })
      await expect(page.getByTestId('message-assistant')).toHaveCount(3, { timeout: 20_000 })
      // Each answer heard (its first sample played) before the log is read.
      await expect.poll(async () => (await exportLog(page)).turns.filter((t) => t.timestamps.playbackStart).length, { timeout: 20_000 }).toBe(3)
      const log = await exportLog(page)
      expect(log.turnTaking.turnModel).toBe('ready')
      for (const t of log.turns) {
        // Heard only once the turn was over, though made before.
        expect(t.timestamps.playbackStart, JSON.stringify(t)).toBeGreaterThan(t.timestamps.speechEnd!)
        // The speech's end to the turn's end, in ms of audio: the pause and the verdict, far short of 1.5 s of silence.
        const waited = t.timestamps.speechEnd! - t.timestamps.speechStop!
        expect(waited, JSON.stringify(t)).toBeGreaterThanOrEqual(190)
        expect(waited, JSON.stringify(t)).toBeLessThan(1200)
      }
      // Each answer was started at the pause and became the turn: its words were recognised once,
      // there. Not raced: a question begun while the last answer still played (a loaded machine's
      // slow first voice) pauses that answer, and is answered at its end instead.
      const overAnswer = log.turns.filter((t) => t.interruptedBy === 'barge-in').length
      expect(overAnswer).toBeLessThanOrEqual(1)
      expect(log.turnTaking.ahead.committed).toBe(3 - overAnswer)
      expect(log.turnTaking.pauses.reused).toBe(3)
      expect((await fakeLlm.requests()).filter((r) => r.aborted)).toEqual([])
      await page.getByRole('button', { name: 'Settings' }).click()
      await expect(page.getByTestId('turn-model')).toContainText('Smart Turn runs on this device')
    } finally {
      await browser.close()
    }
  })

  test('"I would like to order … a large pizza please": a pause the turn model calls unfinished waits for the rest, one message', async () => {
    const said = truth.files['pause-0.wav']!.speech
    for (const [model, messages] of [[TINY_TURN_INCOMPLETE, 1], [null, 2]] as const) {
      const browser = await browserWithMic('pause-0.wav')
      try {
        const page = await browser.newPage()
        await talk(page, { turnModel: model })
        await expect(page.getByTestId('message-assistant').first()).toBeVisible({ timeout: 40_000 })
        await page.waitForTimeout(2500)
        await expect(page.getByTestId('message-user')).toHaveCount(messages)
        if (model) {
          // One message from the first word to the last, and no answer in the middle of it.
          const [start, end] = await span(page, 0)
          expect(end - start).toBeGreaterThan((said[1]!.end - said[0]!.start) * 1000 - 300)
          await expect(page.getByTestId('message-assistant')).toHaveCount(1)
        }
        // Without the model, the 600 ms pause is longer than the 500 ms end-of-speech wait: the sentence is cut (what the model is for).
      } finally {
        await browser.close()
      }
    }
  })

  test('an answer started at a pause is dropped when the user goes on: its request aborted upstream, nothing of it shown', async () => {
    // The first request (made at the pause) takes long enough to be in flight when the user goes on.
    await fakeLlm.next({ kind: 'reply', text: 'An answer nobody should see.', firstByteDelayMs: 3000 }, { kind: 'reply', text: 'Here is your pizza.' })
    const browser = await browserWithMic('pause-0.wav')
    try {
      const page = await browser.newPage()
      // No turn model; a 1.2 s end-of-speech wait rides out the 600 ms pause, and the words at it sound finished.
      await talk(page, { turnModel: null, endOfSpeechMs: 1200 })
      await expect(page.getByTestId('message-assistant').first()).toContainText('Here is your pizza.', { timeout: 40_000 })
      await expect(page.getByTestId('message-user')).toHaveCount(1)
      await expect(page.getByText('An answer nobody should see.')).toHaveCount(0)
      const requests = await fakeLlm.requests()
      expect(requests).toHaveLength(2)
      expect(requests[0]!.aborted).toBe(true)
      expect(requests[1]!.aborted).toBe(false)
      const log = await exportLog(page)
      expect(log.turns).toHaveLength(1)
      expect(log.turnTaking.ahead).toMatchObject({ started: 2, committed: 1, abandoned: 1, wasted: { llm: 1 } })
    } finally {
      await browser.close()
    }
  })

  test('on speakers the avatar does not interrupt itself, and the user speaking over it still does', async () => {
    // A short first sentence, so that the voice starts soon even on a slow machine; the rest plays on while it speaks.
    const LONG = ['Sure.', ...Array.from({ length: 12 }, (_, i) => `This is sentence number ${i + 1} of a long spoken answer.`)].join(' ')
    await fakeLlm.reset()
    await fakeLlm.next({ kind: 'reply', text: 'Hello.' }, { kind: 'reply', text: LONG, chunkDelayMs: 2 }, { kind: 'reply', text: 'A second answer.' }, { kind: 'reply', text: 'A third answer.' })
    // 6 s more between the question and the cut-in (10 s in all): time for the answer to start and play on a slow machine.
    const EXTRA_S = 6
    const browser = await browserWithMic(wavWithSilence('barge-in.wav', 5, EXTRA_S))
    try {
      const page = await browser.newPage()
      await withSpeakers(page)
      // A typed hello first: on a loaded machine eSpeak's cold start alone could take the 4 s before the cut-in.
      await talk(page, { audioOutput: 'auto', speakAnswers: true, voiceEngine: 'espeak', turnModel: null, preemptive: false }, 'Hi')
      await expect(page.getByTestId('message-assistant').nth(2)).toBeVisible({ timeout: 45_000 })
      const [, answer, cutIn] = (await exportLog(page)).turns
      // The answer played on, its own voice coming back 10 dB down, until the user cut in 10 s after
      // their question: the speech that stopped it is the user's (where the file has it, 12.8 s
      // after the question began), and the answer had been heard for a good while before it.
      const said = truth.files['barge-in.wav']!.speech
      expect(answer).toMatchObject({ interruptedBy: 'barge-in' })
      const [question, user] = [await span(page, 1), await span(page, 2)]
      expect(Math.abs(user[0] - question[0] - (said[1]!.start - said[0]!.start + EXTRA_S) * 1000)).toBeLessThan(150)
      expect(answer!.heardMs).toBeGreaterThan(2000)
    } finally {
      await browser.close()
    }
  })

  test('told "speakers", the voice plays through a peer-connection loopback (what Chromium\'s echo canceller needs): it arrives, and its delay is measured', async ({ page }) => {
    test.setTimeout(60_000)
    const answer = async () => {
      await page.getByTestId('composer').fill('hello')
      await page.getByTestId('composer').press('Enter')
      await expect(page.locator('.app')).toHaveAttribute('data-turn', 'speaking', { timeout: 30_000 })
      await expect(page.locator('.app')).toHaveAttribute('data-turn', 'listening', { timeout: 30_000 })
    }
    await page.goto(offlineUrl())
    await page.evaluate(() => localStorage.setItem('parley.settings.v1', JSON.stringify({ audioOutput: 'speakers' })))
    await page.reload()
    await expect(page.locator('.stage__placement')).toContainText('voice: eSpeak NG · on device', { timeout: 15_000 })
    await answer()
    // The receiver's statistics are read once a second.
    await expect.poll(async () => (await exportLog(page)).turnTaking.echoLoopback?.receivedEnergy ?? 0, { timeout: 10_000 }).toBeGreaterThan(0)
    const loop = (await exportLog(page)).turnTaking.echoLoopback!
    console.log(`echo loopback: ${loop.latencyMs} ms added, received energy ${loop.receivedEnergy}`)
    expect(loop.latencyMs).toBeGreaterThan(0)
    expect(loop.latencyMs).toBeLessThan(300)

    // "Find out" (the default) plays the voice as made: no loopback.
    await page.evaluate(() => localStorage.setItem('parley.settings.v1', JSON.stringify({ audioOutput: 'auto' })))
    await page.reload()
    await expect(page.locator('.stage__placement')).toContainText('voice: eSpeak NG · on device', { timeout: 15_000 })
    await answer()
    expect((await exportLog(page)).turnTaking.echoLoopback).toBeNull()
  })
})
