import { expect, test, type Page } from '@playwright/test'
import { ALL_FORMATS, BufferSource, EncodedPacketSink, Input } from 'mediabunny'
import { offlineUrl } from './stack.ts'

// The recording as it is kept: written to the origin's private file system as it is made, so a
// closed or crashed tab leaves a file to recover; a full disk stops it and keeps what was written;
// a browser without the encoder says so and keeps nothing.

async function readFile(download: Promise<import('@playwright/test').Download>): Promise<Buffer> {
  return Buffer.concat(await (await (await download).createReadStream()).toArray())
}

async function tracks(bytes: Buffer) {
  const input = new Input({ source: new BufferSource(bytes), formats: ALL_FORMATS })
  const video = (await input.getVideoTracks())[0]!
  const audio = (await input.getAudioTracks())[0]
  let frames = 0
  for await (const _ of new EncodedPacketSink(video).packets()) frames++
  return { format: (await input.getFormat()).name, video: video.codec, audio: audio?.codec, seconds: await video.computeDuration(), frames }
}

async function startRecording(page: Page): Promise<number> {
  await expect(page.getByTestId('record')).toBeEnabled({ timeout: 15_000 })
  await page.getByTestId('record').click()
  await expect(page.getByTestId('recorder')).toHaveAttribute('data-status', 'recording')
  // Something to record: the offline guide answers (and its voice plays) for a while.
  await page.getByTestId('composer').fill('hello')
  await page.getByTestId('composer').press('Enter')
  return Number(await page.getByTestId('recorder').getAttribute('data-started-at'))
}

/** The recordings the private file system holds, by file name. */
const storedFiles = (page: Page) =>
  page.evaluate(async () => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('recordings', { create: true })
    const names: string[] = []
    for await (const [name] of (dir as unknown as { entries(): AsyncIterable<[string, unknown]> }).entries()) names.push(name)
    return names.sort()
  })

test('WebM, chosen in Settings: VP9 and Opus, as long as the recording; stopping twice makes one file', async ({ page }) => {
  test.setTimeout(60_000)
  await page.goto(offlineUrl())
  await page.evaluate(() => localStorage.setItem('parley.settings.v1', JSON.stringify({ recordFormat: 'webm' })))
  await page.reload()
  const startedAt = await startRecording(page)
  await page.waitForTimeout(3000)
  const download = page.waitForEvent('download')
  const stoppedAt = await page.evaluate(() => performance.timeOrigin + performance.now())
  // The shortcut twice in a row: the second finds the recording finishing and does nothing.
  await page.keyboard.press('Alt+Shift+R')
  await page.keyboard.press('Alt+Shift+R')
  await page.getByTestId('record-download').click()
  const file = await download
  expect(file.suggestedFilename()).toMatch(/^parley-mira-.*\.webm$/)
  const t = await tracks(await readFile(Promise.resolve(file)))
  expect(t).toMatchObject({ format: 'WebM', video: 'vp9', audio: 'opus' })
  expect(Math.abs(t.seconds - (stoppedAt - startedAt) / 1000)).toBeLessThan(0.25)
  await expect(page.getByTestId('record-error')).toHaveCount(0)
  await expect(page.getByTestId('recorder')).toHaveAttribute('data-status', 'idle')
  expect((await storedFiles(page)).filter((n) => !n.endsWith('.json'))).toHaveLength(1)
})

test('a tab closed mid-recording, and a renderer that crashed: the next visit recovers each, all but the last 2 s', async ({ context }) => {
  test.setTimeout(120_000)
  for (const end of ['close', 'crash'] as const) {
    const page = await context.newPage()
    await page.goto(offlineUrl())
    const startedAt = await startRecording(page)
    await page.waitForTimeout(5000)
    const endedAt = await page.evaluate(() => performance.timeOrigin + performance.now())
    if (end === 'close') await page.close()
    else {
      await page.goto('chrome://crash').catch(() => {})
      await page.close().catch(() => {})
    }

    const next = await context.newPage()
    await next.goto(offlineUrl())
    const offer = next.getByTestId('record-interrupted')
    await expect(offer).toBeVisible({ timeout: 15_000 })
    const download = next.waitForEvent('download')
    await next.getByTestId('record-recover').click()
    await next.getByTestId('record-download').click({ timeout: 20_000 })
    const t = await tracks(await readFile(download))
    const lengthS = (endedAt - startedAt) / 1000
    console.log(`${end}: ran ${lengthS.toFixed(2)} s, recovered ${t.seconds.toFixed(2)} s (${t.frames} frames)`)
    expect(t).toMatchObject({ format: 'MP4', video: 'avc', audio: 'opus' })
    expect(t.seconds).toBeGreaterThanOrEqual(lengthS - 2)
    expect(t.seconds).toBeLessThanOrEqual(lengthS + 0.5)
    await expect(offer).toHaveCount(0)
    // Recovered is finished: the live file is gone, the finished one and its description stay.
    expect((await storedFiles(next)).filter((n) => n.includes('.live.'))).toEqual([])
    await next.close()
  }
})

test('a full disk stops the recording with the reason and keeps what was written', async ({ page }) => {
  test.setTimeout(100_000)
  await page.goto(offlineUrl())
  await expect(page.getByTestId('record')).toBeEnabled({ timeout: 15_000 })
  // A tiny quota: about 300 kB more than the site already stores — once the service worker has
  // stored the app for offline use (it does so in the background after the first load).
  const usage = await page.evaluate(async () => {
    await navigator.serviceWorker?.ready
    let last = -1
    for (;;) {
      const now = (await navigator.storage.estimate()).usage ?? 0
      if (now === last) return now
      last = now
      await new Promise((r) => setTimeout(r, 1000))
    }
  })
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(offlineUrl()).origin, quotaSize: usage + 300_000 })
  await startRecording(page)
  // Chromium enforces a quota lazily: on a loaded machine 1.1 MB went in over 30 s before the write failed.
  await expect(page.getByTestId('record-error')).toContainText('The disk is full', { timeout: 60_000 })
  await expect(page.getByTestId('record-error')).toContainText('What was recorded up to then is kept')
  await expect(page.getByTestId('recorder')).toHaveAttribute('data-status', 'idle')
  const download = page.waitForEvent('download')
  await page.getByTestId('record-download').click()
  const t = await tracks(await readFile(download))
  expect(t.format).toBe('MP4')
  // What was written plays: at least the first fragments (the quota gives a few seconds).
  expect(t.seconds).toBeGreaterThanOrEqual(0.5)
  // Recording again is possible (and fails the same way while the disk is full).
  await expect(page.getByTestId('record')).toBeEnabled()
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(offlineUrl()).origin })
})

test('a browser without the encoder says so and keeps nothing', async ({ page }) => {
  test.setTimeout(60_000)
  // The recorder worker in a browser that encodes no video (its WebCodecs say no to every codec).
  await page.route(/\/assets\/recorder\.worker-[\w-]+\.js$/, async (route) => {
    const res = await route.fetch()
    const body = `VideoEncoder.isConfigSupported = async (config) => ({ supported: false, config });\n${await res.text()}`
    await route.fulfill({ response: res, body })
  })
  await page.goto(offlineUrl())
  await expect(page.getByTestId('record')).toBeEnabled({ timeout: 15_000 })
  await page.getByTestId('record').click()
  await expect(page.getByTestId('record-error')).toContainText(/cannot encode a \d+×\d+ MP4 video \(none of avc, vp9, av1\)/, { timeout: 15_000 })
  await expect(page.getByTestId('recorder')).toHaveAttribute('data-status', 'idle')
  await expect(page.getByTestId('record-download')).toHaveCount(0)
  expect(await storedFiles(page)).toEqual([])
  await expect(page.getByTestId('record')).toBeEnabled()
})
