// A heavy avatar through the relay, in real Chromium: frames from a fake OmniRT (native protocol,
// auth required) reach the avatar worker through WS /api/v1/avatar/:model and are shown on the
// playback clock; a server that dies mid-answer hands the face back to the local renderer.
import { expect, test, type Page } from '@playwright/test'
import { loadConfig } from '../../relay/config.ts'
import { startRelay, type RunningRelay } from '../../relay/node.ts'
import { loudnessOfGrey, startFakeOmniRt, type FakeOmniRt } from '../fakes/omnirt-upstream.ts'

type Lab = Record<string, (...a: never[]) => unknown>
const KEY = 'omnirt-e2e-key-7d2c'
let omnirt: FakeOmniRt
let relay: RunningRelay

test.beforeAll(async () => {
  omnirt = await startFakeOmniRt({ apiKey: KEY, chunkSamples: 2560, fps: 25, frames: 'chunk', lookahead: 1 })
  relay = await startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0', OMNIRT_ENDPOINT: omnirt.url, OMNIRT_API_KEY: KEY, AVATAR_QUICKTALK_BACKEND: 'omnirt' }), { log: () => {} })
})
test.afterAll(async () => {
  await relay.close()
  await omnirt.close()
})
test.beforeEach(() => omnirt.reset())

/** Plays `seconds` of a voice through the lab's playback, taking snapshots as it goes. */
function playAndWatch(page: Page, seconds: number, onStep?: string) {
  return page.evaluate(
    async ([seconds, step]) => {
      const lab = (window as unknown as { parleyLab: Lab }).parleyLab
      const rate = 24000
      const samples = new Float32Array(rate * seconds).map((_, i) => 0.3 * Math.sin(i / 7))
      const playing = lab.play!(samples as never, rate as never) as Promise<void>
      const seen: { audioMs: number; source: string; grey: number }[] = []
      for (let i = 0; i < seconds * 6; i++) {
        await new Promise((r) => setTimeout(r, 150))
        if (step && i === 3) await fetch(step, { method: 'POST' }).catch(() => {})
        const s = (await lab.snapshot!()) as { audioMs: number; source: string; width: number; height: number; pixels: Uint8ClampedArray }
        const c = ((s.height / 2) * s.width + s.width / 2) * 4
        seen.push({ audioMs: s.audioMs, source: s.source, grey: s.pixels[c]! })
      }
      await playing
      return seen
    },
    [seconds, onStep ?? ''] as const,
  )
}

test("the remote model's frames come through the relay and are shown on the playback clock", async ({ page }) => {
  await page.goto(`${relay.url}/lab/avatar.html?manual`)
  await page.waitForSelector('body[data-ready="true"]')
  await page.evaluate(() => (window as unknown as { parleyLab: Lab }).parleyLab.start!({ avatar: 'mira', prefer: 'canvas2d', size: 256, remote: 'quicktalk' } as never))
  await expect.poll(() => page.evaluate(() => ((window as unknown as { parleyLab: Lab }).parleyLab.remoteState!() as { state: string }).state)).toBe('ready')
  // The relay added OmniRT's key; the browser never had it.
  expect(omnirt.sessions[0]!.headers.authorization).toBe(`Bearer ${KEY}`)
  const seen = await playAndWatch(page, 2)
  const remote = seen.filter((s) => s.source === 'remote')
  expect(remote.length).toBeGreaterThan(seen.length * 0.7)
  // Each shown frame was made from the reply's voice (a steady tone: mean |x| = 0.3 × 2/π).
  for (const s of remote) expect(loudnessOfGrey(s.grey), `at ${s.audioMs.toFixed(0)} ms`).toBeCloseTo(0.191, 1)
  expect(await page.evaluate(() => (window as unknown as { parleyLab: Lab }).parleyLab.visibleCanvas!())).toBe('canvas2d')
})

test('when the server dies mid-answer, the local face takes over and the page says why', async ({ page }) => {
  await page.goto(`${relay.url}/lab/avatar.html?manual`)
  await page.waitForSelector('body[data-ready="true"]')
  await page.evaluate(() => (window as unknown as { parleyLab: Lab }).parleyLab.start!({ avatar: 'mira', prefer: 'canvas2d', size: 256, remote: 'quicktalk' } as never))
  await expect.poll(() => page.evaluate(() => ((window as unknown as { parleyLab: Lab }).parleyLab.remoteState!() as { state: string }).state)).toBe('ready')
  const playing = playAndWatch(page, 2)
  await page.waitForTimeout(700)
  omnirt.kill()
  const seen = await playing
  expect(seen.slice(0, 3).some((s) => s.source === 'remote')).toBe(true)
  expect(seen.at(-1)!.source).toBe('local')
  const state = (await page.evaluate(() => (window as unknown as { parleyLab: Lab }).parleyLab.remoteState!())) as { state: string; why: string }
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
  await page.getByTestId('composer').fill('What is Parley?')
  await page.getByTestId('composer').press('Enter')
  await expect(page.getByTestId('message-assistant').first()).toHaveAttribute('data-status', 'done', { timeout: 20_000 })
  await expect.poll(() => omnirt.sessions.reduce((n, s) => n + s.chunks, 0), { timeout: 20_000 }).toBeGreaterThan(2)
  // One session for the page, opened when it loaded (the model's start-up is not on the answer's path).
  expect(omnirt.sessions).toHaveLength(1)
  await page.waitForTimeout(1000)
  const download = page.waitForEvent('download')
  await page.getByTestId('export').click()
  const log = JSON.parse(Buffer.concat(await (await (await download).createReadStream()).toArray()).toString('utf8')) as { turns: { timestamps: Record<string, number | null> }[] }
  const t = log.turns[0]!.timestamps
  expect(t.firstFrame).toBeGreaterThan(0)
  expect(t.firstFrame!).toBeGreaterThan(t.ttsFirstAudio!)
})
