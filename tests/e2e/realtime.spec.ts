// Realtime as the brain, in real Chromium: the fake microphone plays speech.wav, the app streams
// it through the real relay to the strict fake Realtime server (tests/fakes/realtime-upstream.ts),
// and the model's audio answer plays through Parley's playback, with the face moving to it.
import { expect, test, type Browser, type Page } from '@playwright/test'
import { loadConfig } from '../../relay/config.ts'
import { startRelay, type RunningRelay } from '../../relay/node.ts'
import type { RealtimeLimits } from '../../relay/realtime/session.ts'
import { startFakeRealtime, type FakeRealtime, type FakeRealtimeOptions } from '../fakes/realtime-upstream.ts'
import { browserWithMic, E2E_KEY } from './stack.ts'

const QUESTION = 'Hello Parley, can you hear me clearly today?'
const ANSWER = 'Yes, I hear you well. The line is clear and I am ready to help with anything you like.'

let fake: FakeRealtime
let relay: RunningRelay
let browser: Browser | undefined

async function start(options: FakeRealtimeOptions = {}, realtimeLimits: Partial<RealtimeLimits> = {}) {
  fake = await startFakeRealtime({ apiKey: E2E_KEY, transcript: QUESTION, answer: { text: ANSWER, audioMs: 4000 }, pace: 'realtime', ...options })
  relay = await startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0', REALTIME_URL: fake.url, REALTIME_API_KEY: E2E_KEY, REALTIME_MODELS: 'gpt-realtime' }), { log: () => {}, realtimeLimits })
}

test.setTimeout(90_000)
test.afterEach(async () => {
  await browser?.close()
  browser = undefined
  await relay?.close()
  await fake?.close()
})

/** The app with Realtime chosen (as Settings → Answers are made by would save it), and a level meter on its voice. */
async function openApp(settings: Record<string, unknown> = {}): Promise<Page> {
  browser = await browserWithMic('speech.wav')
  const page = await browser.newPage()
  await page.addInitScript((s) => localStorage.setItem('parley.settings.v1', JSON.stringify({ brain: 'realtime', ...s })), settings)
  await page.goto(`${relay.url}/?debug`)
  await page.evaluate(() => {
    const w = window as unknown as { audibleAt?: number; maxVoice: number; answeringAloud?: boolean }
    w.maxVoice = 0
    const presence = document.querySelector('[data-testid="presence"]') as HTMLElement
    const stage = document.querySelector('[data-testid="stage"]') as HTMLElement
    const tick = () => {
      const v = Number(getComputedStyle(presence).getPropertyValue('--voice') || 0)
      w.maxVoice = Math.max(w.maxVoice, v)
      if (v > 0.05 && stage.dataset.mood === 'answering') w.answeringAloud = true
      if (v > 0.05 && w.audibleAt === undefined) w.audibleAt = performance.now()
      requestAnimationFrame(tick)
    }
    tick()
  })
  return page
}

async function exportLog(page: Page) {
  const download = page.waitForEvent('download')
  await page.getByTestId('export').click()
  const text = await (await (await download).createReadStream()).toArray().then((c) => Buffer.concat(c).toString('utf8'))
  return JSON.parse(text) as {
    placement: Record<string, string>
    stages: Record<string, { label: string; reason: string }>
    turns: { user: string; assistant: string; spoken: boolean; interrupted: boolean; interruptedBy: string | null; heardMs: number | null; timestamps: Record<string, number | null> }[]
  }
}

for (const dialect of ['ga', 'beta'] as const) test(`a spoken question gets a spoken Realtime answer, the face moving to its voice (${dialect === 'ga' ? 'OpenAI’s GA protocol' : 'OpenRealtime’s beta dialect'})`, async () => {
  // The answer comes at once (an instant model); its voice still takes its 3 s to play.
  await start({ dialect, pace: 'instant', answer: { text: ANSWER, audioMs: 3000 } })
  const page = await openApp()
  await expect(page.locator('.stage__placement')).toContainText('Answers: Realtime · gpt-realtime · via relay')
  await page.getByTestId('mic-toggle').click()
  await expect(page.getByTestId('message-user').first()).toContainText(QUESTION, { timeout: 20_000 })
  // One whole turn is what is checked here: the fixture's next sentence would cut in.
  await page.getByTestId('mic-toggle').click()
  await expect(page.getByTestId('message-assistant').first()).toContainText(ANSWER, { timeout: 20_000 })
  await expect.poll(() => page.evaluate(() => (window as unknown as { maxVoice: number }).maxVoice), { timeout: 15_000 }).toBeGreaterThan(0.1)
  // The face moves while the voice plays (its mouth is driven from the answer's audio).
  const face = page.getByTestId('face')
  const shots = []
  for (let i = 0; i < 4; i++) shots.push((await face.screenshot({ animations: 'allow', timeout: 5000 })).toString('base64'), await page.waitForTimeout(120))
  expect(new Set(shots.filter(Boolean)).size).toBeGreaterThan(1)
  expect(await page.evaluate(() => (window as unknown as { answeringAloud?: boolean }).answeringAloud)).toBe(true)
  await expect(page.getByTestId('message-assistant').first()).toHaveAttribute('data-status', 'done', { timeout: 20_000 })

  const upstream = fake.sessions.at(-1)!
  // The microphone went up as PCM16 at the session's rate (OpenRealtime's is 16 kHz), and the model's VAD ended the turn.
  const rate = dialect === 'ga' ? 24000 : 16000
  expect(upstream.samples).toBeGreaterThan(rate)
  const update = upstream.events.find((e) => e.type === 'session.update')
  if (dialect === 'ga') expect(update).toMatchObject({ session: { audio: { input: { format: { type: 'audio/pcm', rate }, turn_detection: { type: 'server_vad' } } } } })
  else expect(update).toMatchObject({ session: { input_audio_format: 'pcm16', turn_detection: { type: 'server_vad' }, modalities: ['text'] } })
  expect(upstream.headers.authorization).toBe(`Bearer ${E2E_KEY}`)

  const log = await exportLog(page)
  expect(log.placement).toMatchObject({ vad: 'local-wasm', asr: 'relay', agent: 'relay', tts: 'relay' })
  expect(log.stages.agent!.reason).toBe('answers: Realtime · gpt-realtime · via relay')
  const t = log.turns[0]!
  expect(t).toMatchObject({ user: QUESTION, assistant: ANSWER, spoken: true, interrupted: false })
  for (const stage of ['speechEnd', 'asrFinal', 'llmFirstToken', 'ttsFirstAudio', 'playbackStart']) expect(t.timestamps[stage], stage).toBeGreaterThan(0)
  expect(t.timestamps.playbackStart!).toBeGreaterThan(t.timestamps.speechEnd!)
})

test('speaking over the answer stops it at once and truncates it at the heard position, by the playback clock', async () => {
  // A long answer, still speaking when the fixture's second sentence (5.3 s) begins.
  await start({ answer: { text: Array.from({ length: 12 }, (_, i) => `Sentence ${i + 1} of a long spoken answer.`).join(' '), audioMs: 12_000 } })
  const page = await openApp()
  await page.getByTestId('mic-toggle').click()
  const first = page.getByTestId('message-assistant').first()
  await expect(first).toHaveAttribute('data-status', 'stopped', { timeout: 30_000 })
  await expect(first).toContainText('Interrupted')
  await expect(page.getByTestId('message-user').nth(1)).toBeVisible({ timeout: 20_000 })
  await page.getByTestId('mic-toggle').click()

  // The model was told where the listener stopped hearing it, and it accepted that.
  await expect.poll(() => fake.sessions.flatMap((s) => s.truncations).length, { timeout: 10_000 }).toBeGreaterThan(0)
  const cut = fake.sessions.flatMap((s) => s.truncations)[0]! as { audio_end_ms: number; sentMs: number | null; outcome: string }
  expect(cut.outcome).toBe('truncated')
  expect(cut.audio_end_ms).toBeGreaterThan(0)
  expect(cut.audio_end_ms).toBeLessThanOrEqual(cut.sentMs!)
  const log = await exportLog(page)
  const [answer, next] = log.turns
  expect(answer).toMatchObject({ interrupted: true, interruptedBy: 'barge-in', spoken: true })
  // audio_end_ms is the playback clock's reading when the voice stopped (within 50 ms)…
  expect(Math.abs(cut.audio_end_ms - answer!.heardMs!)).toBeLessThanOrEqual(50)
  // …which is, give or take a frame or two, the time from the first audible sample to the user's first sound.
  const heardWall = next!.timestamps.speechStart! - answer!.timestamps.playbackStart!
  expect(Math.abs(cut.audio_end_ms - heardWall)).toBeLessThan(250)
  // The conversation keeps only what was heard.
  const heard = (await first.locator('.message__text').textContent())!.trim()
  expect(heard.length).toBeLessThan(120)
  expect(answer!.assistant.length).toBeLessThan(200)
})

test('Parley’s own turn detection: it commits each sentence and asks for the answer itself', async () => {
  await start({ pace: 'instant', answer: { text: ANSWER, audioMs: 1500 } })
  const page = await openApp({ realtimeTurns: 'parley' })
  await page.getByTestId('mic-toggle').click()
  await expect(page.getByTestId('message-user').first()).toContainText(QUESTION, { timeout: 20_000 })
  await page.getByTestId('mic-toggle').click()
  await expect(page.getByTestId('message-assistant').first()).toContainText(ANSWER, { timeout: 20_000 })
  const events = fake.sessions.at(-1)!.events
  expect(events.find((e) => e.type === 'session.update')).toMatchObject({ session: { audio: { input: { turn_detection: null, transcription: { model: 'whisper-1' } } } } })
  const types = events.map((e) => e.type)
  expect(types.indexOf('input_audio_buffer.commit')).toBeGreaterThan(types.indexOf('input_audio_buffer.append'))
  expect(types.indexOf('response.create')).toBeGreaterThan(types.indexOf('input_audio_buffer.commit'))
})

test('a Realtime model that drops the connection mid-answer is explained, and the next turn works', async () => {
  await start({ behaviour: { kind: 'drop', afterDeltas: 5 } })
  const page = await openApp()
  await page.getByTestId('composer').fill('Tell me a story')
  await page.getByTestId('composer').press('Enter')
  const banner = page.getByTestId('error-banner').first()
  await expect(banner).toContainText('The Realtime model broke off', { timeout: 20_000 })
  await expect(banner).toContainText('dropped the connection in the middle of an answer')
  fake.set({ kind: 'normal' })
  await page.getByTestId('composer').fill('Again, please')
  await page.getByTestId('composer').press('Enter')
  await expect(page.getByTestId('message-assistant').last()).toContainText(ANSWER, { timeout: 20_000 })
  await expect(page.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done', { timeout: 20_000 })
  // A new session on a new socket: it is told the conversation so far, then the new question, as text.
  expect(fake.sessions.length).toBe(2)
  const items = fake.sessions[1]!.events.filter((e) => e.type === 'conversation.item.create').map((e) => e.item as { role: string; content: { type: string; text: string }[] })
  expect(items.map((i) => [i.role, i.content[0]!.type])).toEqual([
    ['user', 'input_text'],
    ['assistant', 'output_text'],
    ['user', 'input_text'],
  ])
  expect(items[0]!.content[0]!.text).toBe('Tell me a story')
  // What the first answer wrote before the model broke off.
  expect(ANSWER.startsWith(items[1]!.content[0]!.text.trim())).toBe(true)
  expect(items[2]!.content[0]!.text).toBe('Again, please')
})

test('a session that ends while the microphone is on (its time limit): the next sentence opens a new one, told the conversation so far', async () => {
  // The first session ends between the fixture's first answer and its second sentence (5.3 s).
  await start({ pace: 'instant', answer: { text: ANSWER, audioMs: 800 } }, { maxSessionMs: 5500 })
  const page = await openApp()
  await page.getByTestId('mic-toggle').click()
  await expect(page.getByTestId('message-assistant').first()).toHaveAttribute('data-status', 'done', { timeout: 20_000 })
  await expect(page.getByTestId('message-assistant').nth(1)).toContainText(ANSWER, { timeout: 25_000 })
  await page.getByTestId('mic-toggle').click()
  expect(fake.sessions.length).toBeGreaterThanOrEqual(2)
  // The new session heard the microphone, and was told the first turn before anything else.
  const second = fake.sessions[1]!
  expect(second.samples).toBeGreaterThan(16000)
  const told = second.events.filter((e) => e.type === 'conversation.item.create').map((e) => (e.item as { role: string; content: { text: string }[] }))
  expect(told.slice(0, 2).map((i) => [i.role, i.content[0]!.text])).toEqual([['user', QUESTION], ['assistant', ANSWER]])
  expect(second.events.findIndex((e) => e.type === 'conversation.item.create')).toBeLessThan(second.events.findIndex((e) => e.type === 'input_audio_buffer.append'))
})

test('after a reload, the first spoken turn’s session is told the conversation before it hears a word', async () => {
  await start({ pace: 'instant', answer: { text: ANSWER, audioMs: 800 } })
  const page = await openApp()
  await page.getByTestId('composer').fill('Remember the word tangerine.')
  await page.getByTestId('composer').press('Enter')
  await expect(page.getByTestId('message-assistant').first()).toHaveAttribute('data-status', 'done', { timeout: 20_000 })
  await page.waitForTimeout(600) // the transcript is saved a moment after its last change
  await page.reload()
  await expect(page.getByTestId('message-user').first()).toContainText('tangerine')
  await page.getByTestId('mic-toggle').click()
  await expect(page.getByTestId('message-user').nth(1)).toContainText(QUESTION, { timeout: 20_000 })
  await page.getByTestId('mic-toggle').click()
  const session = fake.sessions.at(-1)!
  expect(fake.sessions.length).toBe(2)
  const told = session.events.filter((e) => e.type === 'conversation.item.create').map((e) => e.item as { role: string; content: { text: string }[] })
  expect(told.map((i) => [i.role, i.content[0]!.text])).toEqual([['user', 'Remember the word tangerine.'], ['assistant', ANSWER]])
  expect(session.events.findIndex((e) => e.type === 'conversation.item.create')).toBeLessThan(session.events.findIndex((e) => e.type === 'input_audio_buffer.append'))
})

test('the Realtime model calls set_expression: it is shown, the model gets the output and goes on speaking', async () => {
  await start({ pace: 'instant', answer: { text: ANSWER, audioMs: 2000 }, calls: [{ name: 'set_expression', arguments: '{"expression":"happy","intensity":0.8}' }] })
  const page = await openApp()
  await expect(page.locator('.stage__face--ready')).toBeVisible({ timeout: 15_000 })
  await page.getByTestId('composer').fill('Tell me something cheerful')
  await page.getByTestId('composer').press('Enter')
  const answer = page.getByTestId('message-assistant').first()
  await expect(answer.getByTestId('tool-chip')).toHaveText('expression: happy', { timeout: 20_000 })
  await expect(answer.locator('.message__text')).toHaveText(ANSWER, { timeout: 20_000 })
  await expect.poll(() => page.evaluate(() => (window as unknown as { maxVoice: number }).maxVoice), { timeout: 15_000 }).toBeGreaterThan(0.1)
  await expect(answer).toHaveAttribute('data-status', 'done', { timeout: 20_000 })

  // The session offered the functions; the call was answered by its id, then the model was asked to go on.
  const events = fake.sessions.at(-1)!.events
  const offered = events.find((e) => e.type === 'session.update' && Array.isArray((e.session as { tools?: unknown }).tools)) as { session: { tools: { type: string; name: string }[]; tool_choice: string } }
  expect(offered.session.tool_choice).toBe('auto')
  expect(offered.session.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['set_expression', 'get_time', 'remember']))
  const call = fake.sessions.at(-1)!.sent.find((e) => e.type === 'response.function_call_arguments.done') as { call_id: string }
  const output = events.find((e) => e.type === 'conversation.item.create' && (e.item as { type: string }).type === 'function_call_output') as { item: { call_id: string; output: string } }
  expect(output.item).toMatchObject({ call_id: call.call_id, output: '{"shown":"happy"}' })
  expect(events.filter((e) => e.type === 'response.create')).toHaveLength(2)
  expect(events.indexOf(output as never)).toBeLessThan(events.lastIndexOf(events.filter((e) => e.type === 'response.create').at(-1)!))
})
