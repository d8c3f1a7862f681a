// The voice session without React (/lab/session.html), in real Chromium with real stages: the VAD
// worker on a fake microphone, recognition and the LLM through the real relay (fake upstreams),
// eSpeak NG in its worker or the relay's voice, real playback and the face in its worker. Checks
// the order of the stream events, that one abort per turn reaches every stage, and that a stage
// added from outside (a counter tapping avatar.audio and avatar.video) works unedited.
import { expect, test, type Browser, type Page } from '@playwright/test'
import { browserWithMic, fakeLlm, startVoiceRelay, relayUrl } from './stack.ts'

type Lab = Record<string, (...a: never[]) => unknown>
interface Seen {
  kind: string
  at: number
  turnId?: string
  detail?: string
}

let voice: Awaited<ReturnType<typeof startVoiceRelay>>
test.beforeAll(async () => (voice = await startVoiceRelay()))
test.afterAll(() => voice.close())
test.beforeEach(() => fakeLlm.reset())
test.setTimeout(90_000)

const LONG = Array.from({ length: 10 }, (_, i) => `This is sentence number ${i + 1} of a long answer.`).join(' ')

async function openLab(page: Page, base: string, settings: Record<string, unknown> = {}) {
  await page.goto(`${base}/lab/session.html`)
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true')
  await page.evaluate((s) => {
    const lab = (window as unknown as { parleySessionLab: Lab }).parleySessionLab
    lab.create!(s as never)
    ;(window as unknown as { counter: unknown }).counter = lab.counter!()
  }, settings)
  await page.evaluate(() => (window as unknown as { parleySessionLab: Lab }).parleySessionLab.ready!())
}

const lab = <T>(page: Page, name: string, ...args: unknown[]) =>
  page.evaluate(([n, a]) => (window as unknown as { parleySessionLab: Lab }).parleySessionLab[n as string]!(...(a as never[])), [name, args] as const) as Promise<T>
const events = (page: Page) => lab<Seen[]>(page, 'events')
const counted = (page: Page) => page.evaluate(() => (window as unknown as { counter: { read(): Record<string, number> } }).counter.read())
const waitFor = (page: Page, kind: string, detail?: string, timeout = 30_000) =>
  expect.poll(async () => (await events(page)).some((e) => e.kind === kind && (detail === undefined || e.detail === detail)), { timeout }).toBe(true)

/** Index of the first event of `kind` (for `turnId` when given), -1 if none. */
const first = (seen: Seen[], kind: string, turnId?: string) => seen.findIndex((e) => e.kind === kind && (turnId === undefined || e.turnId === turnId))

/** The stages that dropped what they held for `turnId`. */
const stopped = (seen: Seen[], turnId: string) => [...new Set(seen.filter((e) => e.kind === 'stage.stopped' && e.turnId === turnId).map((e) => e.detail))].sort()

test('a whole typed turn: the streams in order, a tapped counter sees the voice and the face, and the log tells the truth', async ({ page }) => {
  await openLab(page, relayUrl(), { voiceEngine: 'espeak' })
  await fakeLlm.next({ kind: 'reply', text: 'Hello there. This is Parley, speaking from this page.', chunkDelayMs: 5 })
  await lab(page, 'send', 'hi')
  await waitFor(page, 'turn.done')
  const seen = await events(page)
  const turnId = seen[first(seen, 'turn.started')]!.turnId!
  const order = ['turn.started', 'avatar.text', 'turn.written', 'avatar.audio', 'turn.audible', 'avatar.audio.end', 'turn.done'].map((k) => first(seen, k, turnId))
  expect(order.every((i) => i >= 0), JSON.stringify(seen.map((e) => e.kind))).toBe(true)
  expect(order[0]).toBeLessThan(order[1]!)
  expect(order[1]).toBeLessThan(order[2]!)
  expect(order[3]).toBeLessThan(order[4]!)
  expect(order[5]).toBeLessThan(order[6]!)
  expect(first(seen, 'turn.interrupted')).toBe(-1)

  const c = await counted(page)
  expect(c.audioChunks).toBe(seen.filter((e) => e.kind === 'avatar.audio').length)
  expect(c.audioSeconds).toBeGreaterThan(1)
  expect(c.turns).toBe(1)
  expect(c.videoFrames).toBeGreaterThan(10)

  const log = await lab<{ app: { version: string }; placement: Record<string, string>; stages: Record<string, { label: string }>; turns: { interrupted: boolean; spoken: boolean; timestamps: Record<string, number | null>; durations: Record<string, number> }[] }>(page, 'log')
  expect(log.app.version).toMatch(/^\d+\.\d+\.\d+/)
  expect(log.placement).toMatchObject({ vad: 'local-wasm', agent: 'relay', tts: 'local-wasm' })
  expect(log.placement.avatar).toMatch(/^local-(webgpu|canvas2d)$/)
  expect(log.stages.tts!.label).toContain('eSpeak NG')
  const [turn] = log.turns
  expect(turn).toMatchObject({ interrupted: false, spoken: false })
  // A typed turn was never recognised: no asrFinal; its clock starts when it was sent.
  expect(turn!.timestamps.asrFinal).toBeNull()
  expect(turn!.timestamps.sent).toBeGreaterThan(0)
  expect(turn!.durations.llmFirstToken).toBeGreaterThanOrEqual(0)
  expect(turn!.durations.playbackStart).toBeGreaterThanOrEqual(0)
})

test('Stop: the turn’s one abort reaches the agent, the voice, playback and the face; the next turn works', async ({ page }) => {
  await openLab(page, relayUrl(), { voiceEngine: 'espeak' })
  // Slow enough that the answer is still being written when Stop comes.
  await fakeLlm.next({ kind: 'reply', text: LONG, chunkDelayMs: 100 }, { kind: 'reply', text: 'A short one.' })
  await lab(page, 'send', 'talk for a while')
  await waitFor(page, 'turn.audible')
  await lab(page, 'stop')
  await waitFor(page, 'turn.interrupted', 'stop')
  let seen = await events(page)
  const turnId = seen[first(seen, 'turn.started')]!.turnId!
  expect(stopped(seen, turnId)).toEqual(['agent', 'avatar', 'playback', 'tts'])
  // Nothing of the stopped turn after its abort: no more voice, no end of it.
  const cut = first(seen, 'turn.interrupted', turnId)
  expect(seen.slice(cut + 1).filter((e) => e.turnId === turnId && (e.kind === 'avatar.audio' || e.kind === 'turn.done' || e.kind === 'turn.audible'))).toEqual([])
  // The model's request was closed, not left streaming.
  await expect.poll(async () => (await fakeLlm.requests())[0]?.aborted).toBe(true)

  await lab(page, 'send', 'and now?')
  await expect.poll(async () => (await events(page)).filter((e) => e.kind === 'turn.done').length, { timeout: 30_000 }).toBe(1)
  seen = await events(page)
  const log = await lab<{ turns: { interrupted: boolean; interruptedBy: string | null }[] }>(page, 'log')
  expect(log.turns.map((t) => [t.interrupted, t.interruptedBy])).toEqual([
    [true, 'stop'],
    [false, null],
  ])
})

async function listeningLab(browser: Browser): Promise<Page> {
  const page = await browser.newPage()
  // One request per turn, in order (the scripted replies): no answers started ahead at pauses.
  await openLab(page, voice.url, { asrPlacement: 'relay', preemptive: false })
  return page
}

test('barge-in: speech over the answer pauses it, the words cancel it with one abort, and a new turn starts', async () => {
  const browser = await browserWithMic('speech.wav')
  try {
    const page = await listeningLab(browser)
    await fakeLlm.next({ kind: 'reply', text: LONG, chunkDelayMs: 5 }, { kind: 'reply', text: 'A new answer.' }, { kind: 'reply', text: 'And another.' })
    await lab(page, 'listen')
    await waitFor(page, 'turn.interrupted', 'barge-in', 45_000)
    const seen = await events(page)
    const turnId = seen[first(seen, 'turn.started')]!.turnId!
    const paused = first(seen, 'turn.paused', turnId)
    const cut = first(seen, 'turn.interrupted', turnId)
    expect(paused).toBeGreaterThan(first(seen, 'turn.started', turnId))
    // Paused at the speech's first likely frame (its onset, or its start when that came at once), cancelled by its words.
    expect(['speech.onset', 'speech.started']).toContain(seen[paused - 1]!.kind)
    expect(seen.slice(paused, cut).some((e) => e.kind === 'human.text')).toBe(true)
    expect(cut).toBeGreaterThan(paused)
    expect(stopped(seen, turnId)).toEqual(['agent', 'avatar', 'playback', 'tts'])
    // The words that cut in start the next turn, right after.
    const next = seen.slice(cut).find((e) => e.kind === 'turn.started')
    expect(next?.turnId).toBeDefined()
    expect(next!.turnId).not.toBe(turnId)
    const messages = await lab<{ role: string; status: string; interrupted?: boolean }[]>(page, 'messages')
    expect(messages[1]).toMatchObject({ role: 'assistant', status: 'stopped', interrupted: true })
  } finally {
    await browser.close()
  }
})

test('a false interrupt (a cough during the answer) pauses and resumes it: no abort, the answer ends whole', async () => {
  const browser = await browserWithMic('speech-cough.wav')
  try {
    const page = await listeningLab(browser)
    await fakeLlm.next({ kind: 'reply', text: LONG, chunkDelayMs: 5 })
    await lab(page, 'listen')
    await waitFor(page, 'turn.resumed', undefined, 45_000)
    await waitFor(page, 'turn.done', undefined, 60_000)
    const seen = await events(page)
    const turnId = seen[first(seen, 'turn.started')]!.turnId!
    expect(first(seen, 'turn.paused', turnId)).toBeLessThan(first(seen, 'turn.resumed', turnId))
    expect(first(seen, 'turn.interrupted')).toBe(-1)
    expect(seen.filter((e) => e.kind === 'stage.stopped')).toEqual([])
    expect(seen.filter((e) => e.kind === 'turn.started')).toHaveLength(1)
    const messages = await lab<{ role: string; status: string; text: string }[]>(page, 'messages')
    expect(messages.map((m) => [m.role, m.status])).toEqual([
      ['user', 'done'],
      ['assistant', 'done'],
    ])
    expect(messages[1]!.text).toBe(LONG)
    const c = await counted(page)
    expect(c.audioChunks).toBe(10)
  } finally {
    await browser.close()
  }
})
