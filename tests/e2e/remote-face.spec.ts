// A heavy avatar through the relay, in real Chromium: frames from a fake OmniRT (native protocol,
// its key on HTTP) reach the avatar worker through WS /api/v1/avatar/:model and are shown with the
// voice they were made from, whatever the model's frame count and lookahead; one session serves
// reply after reply; a server that dies mid-answer hands the face back to the local renderer.
import { expect, test } from '@playwright/test'
import { loadConfig } from '../../relay/config.ts'
import { startRelay, type RunningRelay } from '../../relay/node.ts'
import { startFakeOmniRt, type FakeOmniRt } from '../fakes/omnirt-upstream.ts'
import { openRemoteLab, shiftsInFrames, watchReply } from './remote-sync.ts'

const KEY = 'omnirt-e2e-key-7d2c'
let omnirt: FakeOmniRt
let oneFrame: FakeOmniRt
let relay: RunningRelay

test.beforeAll(async () => {
  // QuickTalk-like: 160 ms chunks, chunk × fps frames, a one-chunk lookahead.
  omnirt = await startFakeOmniRt({ apiKey: KEY, serving: { quicktalk: 'runtime' }, chunkSamples: 2560, fps: 25, frames: 'chunk', lookahead: 1 })
  // OmniRT's own fake runtime: one frame a chunk.
  oneFrame = await startFakeOmniRt({ chunkSamples: 2560, frames: 'one', lookahead: 0 })
  relay = await startRelay(
    loadConfig({ HOST: '127.0.0.1', PORT: '0', OMNIRT_ENDPOINT: omnirt.url, OMNIRT_API_KEY: KEY, AVATAR_QUICKTALK_BACKEND: 'omnirt', AVATAR_FAKERUNTIME_WS_URL: `${oneFrame.url.replace('http', 'ws')}/v1/audio2video/wav2lip` }),
    { log: () => {} },
  )
})
test.afterAll(async () => {
  await relay.close()
  await omnirt.close()
  await oneFrame.close()
})
test.beforeEach(() => {
  omnirt.reset()
  oneFrame.reset()
})

test("the remote model's frames are shown with the voice they were made from, to the end of the reply", async ({ page }) => {
  await openRemoteLab(page, relay.url, 'quicktalk')
  // The relay added OmniRT's key; the browser never had it.
  expect(omnirt.sessions[0]!.headers.authorization).toBe(`Bearer ${KEY}`)
  const w = await watchReply(page, 2, 40)
  const remote = w.seen.filter((s) => s.source === 'remote')
  expect(remote.length, JSON.stringify(w.seen)).toBeGreaterThan(w.seen.length * 0.7)
  // Each picture is of the voice heard at that moment, within a frame.
  for (const shift of shiftsInFrames(w, 40)) expect(Math.abs(shift), JSON.stringify(w.seen)).toBeLessThanOrEqual(1)
  // The last chunk's frames came: the model's lookahead was flushed with a padding chunk.
  expect(remote.some((s) => s.heardMs > 1700 && s.shiftMs !== null)).toBe(true)
  // Warm-up (lookahead + 1 chunks), then 2 s in 160 ms chunks (the last padded), then one silent chunk.
  expect(omnirt.sessions[0]!.chunks).toBe(2 + 13 + 1)
  expect(await page.evaluate(() => (window as unknown as { parleyLab: Record<string, () => unknown> }).parleyLab.visibleCanvas!())).toBe('canvas2d')
})

test("one frame a chunk (OmniRT's fake runtime): the whole reply is remote, each frame held for its chunk", async ({ page }) => {
  await openRemoteLab(page, relay.url, 'fakeruntime')
  const w = await watchReply(page, 2, 160)
  const remote = w.seen.filter((s) => s.source === 'remote')
  expect(remote.length, JSON.stringify(w.seen)).toBeGreaterThan(w.seen.length * 0.7)
  expect(remote.filter((s) => s.heardMs > 1200).length).toBeGreaterThan(0)
  const shifts = shiftsInFrames(w, 160)
  for (const shift of shifts) expect(Math.abs(shift), JSON.stringify(w.seen)).toBeLessThanOrEqual(1)
  expect(shifts.filter((s) => s === 0).length).toBeGreaterThan(shifts.length * 0.7)
})

test('reply after reply on one session: each shows remote video, and a reply that finished needs no cancel', async ({ page }) => {
  await openRemoteLab(page, relay.url, 'quicktalk')
  for (let reply = 0; reply < 4; reply++) {
    const w = await watchReply(page, 0.8, 40)
    expect(w.firstFrameMs, `reply ${reply}`).not.toBeNull()
    expect(w.seen.filter((s) => s.source === 'remote').length, `reply ${reply}: ${JSON.stringify(w.seen)}`).toBeGreaterThan(0)
  }
  expect(omnirt.sessions).toHaveLength(1)
  expect(omnirt.sessions[0]!.messages.map((m) => m.type)).toEqual(['session.create'])
  expect(omnirt.tracebacks()).toEqual([])
})

test('when the server dies mid-answer, the local face takes over and the page says why', async ({ page }) => {
  await openRemoteLab(page, relay.url, 'quicktalk')
  const watching = watchReply(page, 2, 40)
  // Mid-answer: the voice well under way with a remote picture, however busy the machine (the
  // frames come before the voice, which waits for them: a picture alone is not yet mid-answer).
  const shown = () =>
    page.evaluate(async () => {
      const lab = (window as unknown as { parleyLab: Record<string, () => unknown> }).parleyLab
      // 400 ms into the voice: the test's sampler (every 90 ms) has seen remote pictures by then.
      const clock = lab.playbackMs!() as { playing: boolean; audioMs: number } | null
      return clock?.playing && clock.audioMs >= 400 ? ((await lab.snapshot!()) as { source: string }).source : 'not yet'
    })
  await expect.poll(shown, { timeout: 20_000, intervals: [50] }).toBe('remote')
  omnirt.kill()
  const w = await watching
  expect(w.seen.some((s) => s.source === 'remote'), JSON.stringify(w.seen)).toBe(true)
  expect(w.seen.at(-1)!.source).toBe('local')
  const state = (await page.evaluate(() => (window as unknown as { parleyLab: Record<string, () => unknown> }).parleyLab.remoteState!())) as { state: string; why: string }
  expect(state).toMatchObject({ state: 'failed', why: expect.stringMatching(/avatar server closed|connection closed|session ended/) })
  await expect(page.locator('#status')).toContainText('the local face draws')
})

test('in the app: a remote avatar chosen in Settings draws the answer, and the session log has its first frame', async ({ page }) => {
  await page.goto(relay.url)
  await page.evaluate(() => localStorage.setItem('parley.settings.v1', JSON.stringify({ remoteAvatar: 'quicktalk', showTimings: true })))
  await page.reload()
  await expect(page.locator('.stage__placement')).toContainText('face: remote quicktalk, through the relay')
  await page.getByRole('button', { name: 'Settings' }).click()
  await expect(page.getByTestId('remote-avatar')).toHaveValue('quicktalk')
  await page.keyboard.press('Escape')
  for (const question of ['What is Parley?', 'And what else?']) {
    await page.getByTestId('composer').fill(question)
    await page.getByTestId('composer').press('Enter')
    await expect(page.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done', { timeout: 20_000 })
  }
  await expect.poll(() => omnirt.sessions.reduce((n, s) => n + s.chunks, 0), { timeout: 20_000 }).toBeGreaterThan(4)
  // One session for the page, opened when it loaded (the model's start-up is not on the answer's path).
  expect(omnirt.sessions).toHaveLength(1)
  type Log = { turns: { timestamps: Record<string, number | null> }[] }
  const exportLog = async (): Promise<Log> => {
    const download = page.waitForEvent('download')
    await page.getByTestId('export').click()
    return JSON.parse(Buffer.concat(await (await (await download).createReadStream()).toArray()).toString('utf8')) as Log
  }
  // A busy machine may draw an answer's first remote frame a moment after its text is done.
  let log: Log = { turns: [] }
  await expect
    .poll(async () => ((log = await exportLog()), log.turns.filter((t) => (t.timestamps.firstFrame ?? 0) > 0).length), { timeout: 20_000 })
    .toBe(2)
  expect(log.turns).toHaveLength(2)
  for (const turn of log.turns) {
    const t = turn.timestamps
    expect(t.firstFrame).toBeGreaterThan(0)
    expect(t.firstFrame!).toBeGreaterThan(t.ttsFirstAudio!)
  }
})

test('in Settings, how long the voice may wait for a remote face is chosen; the face takes it up at once', async ({ page }) => {
  await page.goto(relay.url)
  await page.evaluate(() => localStorage.setItem('parley.settings.v1', JSON.stringify({ remoteAvatar: 'quicktalk' })))
  await page.reload()
  await expect(page.locator('.stage__placement')).toContainText('face: remote quicktalk, through the relay')
  await expect.poll(() => omnirt.sessions.length, { timeout: 20_000 }).toBe(1)
  await page.getByRole('button', { name: 'Settings' }).click()
  const delay = page.getByTestId('remote-avatar-delay')
  await expect(delay).toHaveValue('1500')
  await delay.selectOption('0')
  // The face's remote session is opened again with the new bound (a session's delay is set when it opens).
  await expect.poll(() => omnirt.sessions.length, { timeout: 20_000 }).toBe(2)
  await page.keyboard.press('Escape')
  await page.reload()
  await page.getByRole('button', { name: 'Settings' }).click()
  await expect(page.getByTestId('remote-avatar-delay')).toHaveValue('0')
})
