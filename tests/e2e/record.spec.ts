import { expect, test, type Page } from '@playwright/test'
import { ALL_FORMATS, BufferSource, EncodedPacketSink, Input } from 'mediabunny'
import { offlineUrl } from './stack.ts'

/** Mira's bundle draws at 30 fps (public/avatars/mira/manifest.json). */
const FPS = 30

/** Page-time stamps of the voice becoming audible (the stage's output level) and of clicks on Record. */
async function watch(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { audibleAt?: number; clicks: number[] }
    w.clicks = []
    document.addEventListener('click', (e) => (e.target as Element).closest('[data-testid="record"]') && w.clicks.push(performance.timeOrigin + performance.now()), true)
    const presence = document.querySelector('[data-testid="presence"]') as HTMLElement
    const tick = () => {
      const v = Number(getComputedStyle(presence).getPropertyValue('--voice') || 0)
      if (v > 0.05 && w.audibleAt === undefined) w.audibleAt = performance.timeOrigin + performance.now()
      requestAnimationFrame(tick)
    }
    tick()
  })
}

test('a recorded spoken answer is an MP4 with the face at its fps and the voice, as long as the recording', async ({ page }) => {
  test.setTimeout(60_000)
  await page.goto(offlineUrl())
  await expect(page.locator('.stage__placement')).toContainText('voice: eSpeak NG · on device')
  await expect(page.getByTestId('record')).toBeEnabled({ timeout: 15_000 })
  await watch(page)

  await page.getByTestId('record').click()
  await expect(page.getByTestId('recorder')).toHaveAttribute('data-status', 'recording')
  await expect(page.getByTestId('record-elapsed')).toContainText('0:0')
  const startedAt = Number(await page.getByTestId('recorder').getAttribute('data-started-at'))

  await page.getByTestId('composer').fill('hello')
  await page.getByTestId('composer').press('Enter')
  // The answer is heard, then over (the turn machine listens again).
  await expect.poll(() => page.evaluate(() => (window as unknown as { audibleAt?: number }).audibleAt), { timeout: 30_000 }).toBeGreaterThan(0)
  await expect(page.locator('.app')).toHaveAttribute('data-turn', 'listening', { timeout: 30_000 })
  await page.waitForTimeout(300)

  const download = page.waitForEvent('download')
  await page.getByTestId('record').click()
  const link = page.getByTestId('record-download')
  await expect(link).toBeVisible({ timeout: 15_000 })
  const measured = { frames: await link.getAttribute('data-frames'), dropped: await link.getAttribute('data-dropped'), encodeMsPerFrame: await link.getAttribute('data-encode-ms') }
  await link.click()
  const file = await download
  expect(file.suggestedFilename()).toMatch(/^parley-mira-\d{4}-\d{2}-\d{2}-\d{6}\.mp4$/)
  const bytes = Buffer.concat(await (await file.createReadStream()).toArray())

  const { clicks, audibleAt } = await page.evaluate(() => {
    const w = window as unknown as { clicks: number[]; audibleAt?: number }
    return { clicks: w.clicks, audibleAt: w.audibleAt }
  })
  const stoppedAt = clicks.at(-1)!
  const lengthS = (stoppedAt - startedAt) / 1000
  expect(lengthS).toBeGreaterThan(1)

  const input = new Input({ source: new BufferSource(bytes), formats: ALL_FORMATS })
  expect((await input.getFormat()).name).toBe('MP4')
  const videoTracks = await input.getVideoTracks()
  const audioTracks = await input.getAudioTracks()
  expect(videoTracks).toHaveLength(1)
  expect(audioTracks).toHaveLength(1)
  const [video, audio] = [videoTracks[0]!, audioTracks[0]!]
  expect(video.codec).toBe('avc')
  expect(audio.codec).toBe('opus')

  // The picture lasts as long as the recording ran, within a frame either way, one frame per 1/fps.
  const videoS = await video.computeDuration()
  expect(Math.abs(videoS - lengthS)).toBeLessThanOrEqual(1.5 / FPS)
  let frames = 0
  for await (const _ of new EncodedPacketSink(video).packets()) frames++
  expect(Math.abs(frames - FPS * videoS)).toBeLessThanOrEqual(1)
  expect(Math.abs(frames - FPS * lengthS)).toBeLessThanOrEqual(2)

  // The sound runs as long as the picture (an Opus packet is 20 ms).
  const audioS = await audio.computeDuration()
  expect(Math.abs(audioS - videoS)).toBeLessThanOrEqual(0.05)

  // The voice is in the file where it was heard: silence packets are a few bytes, speech ones far more.
  let voiceAt: number | undefined
  for await (const p of new EncodedPacketSink(audio).packets()) if (p.byteLength > 40) { voiceAt = p.timestamp; break }
  expect(voiceAt).toBeDefined()
  expect(audibleAt).toBeDefined()
  console.log(`recording ${lengthS.toFixed(2)} s, ${frames} frames, ${bytes.length} bytes; voice in the file at ${voiceAt!.toFixed(2)} s, heard at ${((audibleAt! - startedAt) / 1000).toFixed(2)} s; worker: ${JSON.stringify(measured)}`)
  // The reference lags: the stage's level is smoothed and read once per animation frame.
  expect(Math.abs(voiceAt! - (audibleAt! - startedAt) / 1000)).toBeLessThan(0.3)
  expect(Number(measured.frames)).toBe(frames)
})
