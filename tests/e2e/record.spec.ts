import { expect, test, type Page } from '@playwright/test'
import { ALL_FORMATS, BufferSource, EncodedPacketSink, Input } from 'mediabunny'
import { browserWithMic, fakeLlm, offlineUrl, startVoiceRelay } from './stack.ts'

/** Mira's bundle draws at 30 fps (public/avatars/mira/manifest.json). */
const FPS = 30

/** The first packet of sound in the file (s): silence packets are a few bytes, speech ones far more. */
async function firstSound(bytes: Buffer): Promise<number | undefined> {
  const input = new Input({ source: new BufferSource(bytes), formats: ALL_FORMATS })
  const audio = (await input.getAudioTracks())[0]!
  for await (const p of new EncodedPacketSink(audio).packets()) if (p.byteLength > 40) return p.timestamp
}

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

  // The voice is in the file where it was heard.
  const voiceAt = await firstSound(bytes)
  expect(voiceAt).toBeDefined()
  expect(audibleAt).toBeDefined()
  console.log(`recording ${lengthS.toFixed(2)} s, ${frames} frames, ${bytes.length} bytes; voice in the file at ${voiceAt!.toFixed(2)} s, heard at ${((audibleAt! - startedAt) / 1000).toFixed(2)} s; worker: ${JSON.stringify(measured)}`)
  // The reference lags: the stage's level is smoothed and read once per animation frame.
  expect(Math.abs(voiceAt! - (audibleAt! - startedAt) / 1000)).toBeLessThan(0.3)
  expect(Number(measured.frames)).toBe(frames)
})

test('the user\'s speech is in the recording where it was said, before the answer\'s voice', async () => {
  test.setTimeout(90_000)
  await fakeLlm.reset()
  const voice = await startVoiceRelay()
  const browser = await browserWithMic('speech.wav')
  try {
    const page = await browser.newPage()
    await page.goto(voice.url)
    // One scripted reply for the one turn: no answer started ahead at the question's comma.
    await page.evaluate(() => localStorage.setItem('parley.settings.v1', JSON.stringify({ asrPlacement: 'relay', preemptive: false })))
    await page.reload()
    await expect(page.getByTestId('record')).toBeEnabled({ timeout: 15_000 })
    await watch(page)
    // When the detector hears the user begin (the stage's mood), in epoch ms.
    await page.evaluate(() => {
      const w = window as unknown as { hearingAt?: number }
      const stage = document.querySelector('[data-testid="stage"]')!
      new MutationObserver(() => stage.getAttribute('data-mood') === 'hearing' && (w.hearingAt ??= performance.timeOrigin + performance.now())).observe(stage, { attributes: true })
    })
    await fakeLlm.next({ kind: 'reply', text: 'Sure, I can hear you.', chunkDelayMs: 10 })
    await page.getByTestId('record').click()
    await expect(page.getByTestId('recorder')).toHaveAttribute('data-status', 'recording')
    const startedAt = Number(await page.getByTestId('recorder').getAttribute('data-started-at'))
    await page.getByTestId('mic-toggle').click()
    await expect(page.getByTestId('message-user').first()).toBeVisible({ timeout: 20_000 })
    await page.getByTestId('mic-toggle').click()
    await expect.poll(() => page.evaluate(() => (window as unknown as { audibleAt?: number }).audibleAt), { timeout: 20_000 }).toBeGreaterThan(0)
    await expect(page.locator('.app')).toHaveAttribute('data-turn', 'listening', { timeout: 20_000 })

    const download = page.waitForEvent('download')
    await page.getByTestId('record').click()
    await page.getByTestId('record-download').click()
    const bytes = Buffer.concat(await (await (await download).createReadStream()).toArray())

    // Captions: the user's words and the answer's, in the file's WebVTT track and in a .vtt beside it.
    // The message shows "You · spoken, 2.8 s" above the words.
    const said = (await page.getByTestId('message-user').first().innerText()).trim().split('\n').at(-1)!
    // The preview plays the file (its length read by the player) and offers the captions.
    await page.getByTestId('record-preview').click()
    await expect.poll(() => page.getByTestId('preview-player').evaluate((v: HTMLVideoElement) => v.duration), { timeout: 10_000 }).toBeGreaterThan(1)
    const vttDownload = page.waitForEvent('download')
    await page.getByTestId('preview-captions').click()
    expect((await vttDownload).suggestedFilename()).toMatch(/^parley-mira-.*\.vtt$/)
    const vtt = Buffer.concat(await (await (await vttDownload).createReadStream()).toArray()).toString('utf8')
    await page.keyboard.press('Escape')
    expect(bytes.includes('wvtt')).toBe(true)
    expect(bytes.includes(said)).toBe(true)
    expect(bytes.includes('Sure, I can hear you.')).toBe(true)
    const cues = [...vtt.matchAll(/(\d\d):(\d\d):(\d\d)\.(\d{3}) --> [\d:.]+\n<v (\w+)>(.*)/g)].map((m) => ({ at: +m[1]! * 3600 + +m[2]! * 60 + +m[3]! + +m[4]! / 1000, who: m[5], text: m[6] }))
    expect(cues.map((c) => [c.who, c.text])).toEqual([['You', said], ['Avatar', 'Sure, I can hear you.']])

    // The session log says what was recorded.
    const logDownload = page.waitForEvent('download')
    if (!(await page.getByTestId('menu-export').isVisible())) await page.getByTestId('menu').click()
    await page.getByTestId('menu-export').click()
    const log = JSON.parse(Buffer.concat(await (await (await logDownload).createReadStream()).toArray()).toString('utf8')) as { recordings: { name: string; container: string; captions: number; recovered: boolean; videoCodec: string; bytes: number }[] }
    expect(log.recordings).toHaveLength(1)
    expect(log.recordings[0]).toMatchObject({ container: 'mp4', captions: 2, recovered: false, videoCodec: 'avc', bytes: bytes.length })
    expect(log.recordings[0]!.name).toMatch(/^parley-mira-.*\.mp4$/)

    const { hearingAt, audibleAt } = await page.evaluate(() => {
      const w = window as unknown as { hearingAt?: number; audibleAt?: number }
      return { hearingAt: w.hearingAt, audibleAt: w.audibleAt }
    })
    const soundAt = await firstSound(bytes)
    const heardS = (hearingAt! - startedAt) / 1000
    console.log(`user's speech in the file at ${soundAt?.toFixed(2)} s; the detector heard it begin at ${heardS.toFixed(2)} s; the answer heard at ${((audibleAt! - startedAt) / 1000).toFixed(2)} s`)
    // The reference is rough: the detector says "speech" some frames after it begins, and its event
    // reaches the page a moment later on a busy machine (measured: the file 0.4 s before it to 0.03 s after).
    expect(soundAt).toBeDefined()
    expect(soundAt!).toBeLessThanOrEqual(heardS + 0.25)
    expect(soundAt!).toBeGreaterThan(heardS - 0.6)
    expect(soundAt!).toBeLessThan((audibleAt! - startedAt) / 1000 - 0.5)
    // The user's caption starts where they began speaking; the answer's where it was heard.
    expect(Math.abs(cues[0]!.at - heardS)).toBeLessThan(0.7)
    expect(Math.abs(cues[1]!.at - (audibleAt! - startedAt) / 1000)).toBeLessThan(0.3)
  } finally {
    await browser.close()
    await voice.close()
  }
})

test('a recording started mid-answer has the rest of the sentence being said, from its first moment', async ({ page }) => {
  test.setTimeout(60_000)
  await page.goto(offlineUrl())
  await expect(page.getByTestId('record')).toBeEnabled({ timeout: 15_000 })
  await watch(page)
  await page.getByTestId('composer').fill('hello')
  await page.getByTestId('composer').press('Enter')
  await expect.poll(() => page.evaluate(() => (window as unknown as { audibleAt?: number }).audibleAt), { timeout: 30_000 }).toBeGreaterThan(0)
  await page.waitForTimeout(800)
  await expect(page.locator('.app')).toHaveAttribute('data-turn', 'speaking')
  await page.getByTestId('record').click()
  await expect(page.getByTestId('recorder')).toHaveAttribute('data-status', 'recording')
  await page.waitForTimeout(1500)
  const download = page.waitForEvent('download')
  await page.getByTestId('record').click()
  await page.getByTestId('record-download').click()
  const bytes = Buffer.concat(await (await (await download).createReadStream()).toArray())
  // Speech has pauses between words; it is under way within the file's first few tenths.
  expect(await firstSound(bytes)).toBeLessThan(0.3)
})
