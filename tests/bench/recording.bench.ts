/**
 * Recording benchmarks, in the real app in headless Chromium (H.264 and Opus by WebCodecs here are
 * software encoders, on this machine's cores):
 * - live recording: the recorder worker's time to hand a frame to the encoder, frames the face drew
 *   that the file could not take, and the main thread's busy time per second while the face talks,
 *   recording against not, in the same answer;
 * - bytes per minute of the file at the default quality (MP4, H.264 + Opus, the face at 1100×700's
 *   stage size);
 * - a video made after the fact: 30 s of kept voice rendered at 512 px wide, as × real time.
 */
import { chromium, type Page } from '@playwright/test'
import { loadConfig } from '../../relay/config.ts'
import { startRelay } from '../../relay/node.ts'
import { mainThreadBusy } from './face.bench.ts'
import { type Benchmark, markdownTable, ms } from './harness.ts'

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const args = ['--disable-background-networking', '--disable-component-update', '--no-first-run', '--autoplay-policy=no-user-gesture-required']

/** 30 s of voice as one kept answer: tone bursts at the pace of syllables, 24 kHz, in sentences of 5 s. */
async function keepSyntheticAnswer(page: Page, seconds: number) {
  await page.evaluate(async (seconds) => {
    const rate = 24000
    const sentences: { text: string; startMs: number; sampleRate: number; samples: Float32Array }[] = []
    for (let s = 0; s < seconds / 5; s++) {
      const samples = new Float32Array(rate * 5)
      for (let i = 0; i < samples.length; i++) samples[i] = (i / (rate * 0.18)) % 1 < 0.7 ? 0.3 * Math.sin((2 * Math.PI * 220 * i) / rate) : 0
      sentences.push({ text: `Sentence ${s + 1} of the answer.`, startMs: s * 5000, sampleRate: rate, samples })
    }
    const db = await new Promise<IDBDatabase>((r, j) => Object.assign(indexedDB.open('parley-voices'), { onsuccess(this: IDBOpenDBRequest) { r(this.result) }, onerror: j }))
    // Only this answer: the export is of exactly `seconds` of voice.
    await new Promise((r) => (db.transaction('answers', 'readwrite').objectStore('answers').clear().onsuccess = r))
    await new Promise((r) => (db.transaction('answers', 'readwrite').objectStore('answers').put({ assistantId: 'bench-answer', question: 'A long question?', at: Date.now(), sentences, heardMs: null }).onsuccess = r))
  }, seconds)
}

export const recording: Benchmark = {
  name: 'recording',
  async run() {
    const relay = await startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0' }), { log: () => {} })
    const browser = await chromium.launch({ executablePath: chromiumPath, args })
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 700 } })
      await page.goto(relay.url)
      await page.getByTestId('record').waitFor({ state: 'visible' })
      await page.waitForFunction(() => !(document.querySelector('[data-testid="record"]') as HTMLButtonElement).disabled, null, { timeout: 20_000 })
      // The main thread with the face on screen, not recording and recording, alternated (the
      // machine's load drifts: one pair says little). The face at rest: talking adds its own
      // cost, which varies more from second to second than the recorder's.
      if (process.env.NOANIM) await page.evaluate(() => { for (const s of document.styleSheets) try { s.insertRule('*{animation:none!important;transition:none!important}', s.cssRules.length) } catch {} })
      const off: number[] = []
      const on: number[] = []
      for (let round = 0; round < 3; round++) {
        await page.waitForTimeout(1000)
        off.push(await mainThreadBusy(page, 3))
        await page.getByTestId('record').click()
        await page.waitForSelector('[data-testid="recorder"][data-status="recording"]')
        await page.waitForTimeout(1000)
        on.push(await mainThreadBusy(page, 3))
        if (round < 2) {
          await page.getByTestId('record').click()
          await page.getByTestId('record-download').waitFor({ timeout: 20_000 })
        }
      }
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
      const notRecording = mean(off)
      const whileRecording = mean(on)
      // The last recording goes on through a spoken answer (the offline guide's to "hello", ~20 s).
      await page.getByTestId('composer').fill('hello')
      await page.getByTestId('composer').press('Enter')
      await page.waitForSelector('.app[data-turn="speaking"]', { timeout: 30_000 })
      await page.waitForTimeout(6000)
      await page.getByTestId('record').click()
      const link = page.getByTestId('record-download')
      await page.waitForSelector('[data-testid="recorder"][data-status="idle"]', { timeout: 20_000 })
      const live = {
        frames: Number(await link.getAttribute('data-frames')),
        dropped: Number(await link.getAttribute('data-dropped')),
        encodeMsPerFrame: Number(await link.getAttribute('data-encode-ms')),
        bytes: await page.evaluate(async () => {
          const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('recordings')
          let n = 0
          for await (const [name, h] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemFileHandle]> }).entries()) if (name.endsWith('.mp4')) n += (await h.getFile()).size
          return n
        }),
      }
      // Mira draws at 30 fps: the file has a frame per 1/30 s.
      const seconds = live.frames / 30
      const bytesPerMinute = (live.bytes / seconds) * 60

      // 30 s made after the fact.
      await keepSyntheticAnswer(page, 30)
      await page.reload()
      await page.getByTestId('record').waitFor({ state: 'visible' })
      await page.waitForTimeout(1000)
      if (!(await page.getByTestId('menu-export-video').isVisible())) await page.getByTestId('menu').click()
      const begun = Date.now()
      await page.getByTestId('menu-export-video').click()
      await page.getByTestId('preview-download').waitFor({ timeout: 120_000 })
      const wallMs = Date.now() - begun
      const dialog = page.getByTestId('export-dialog')
      const made = { seconds: Number(await dialog.getAttribute('data-made-s')), workerMs: Number(await dialog.getAttribute('data-made-ms')), wallMs }
      const exportSpeed = made.seconds / (made.workerMs / 1000)

      const data = { live: { ...live, seconds }, bytesPerMinute, mainThreadMsPerSecond: { notRecording, recording: whileRecording, added: whileRecording - notRecording }, export: { ...made, timesRealTime: exportSpeed, timesRealTimeWall: made.seconds / (wallMs / 1000) } }
      const table = markdownTable(
        ['metric', 'value', 'target'],
        [
          ['live: recorder worker time to hand one frame to the H.264 encoder, mean', ms(live.encodeMsPerFrame), ''],
          ['live: frames the face drew that the file could not take', `${live.dropped} of ${live.frames}`, '0 (the face keeps its fps)'],
          ['live: main-thread busy time per second, the face on screen, not recording → recording (CDP TaskDuration, 3 × 3 s each, alternated)', `${ms(notRecording)} → ${ms(whileRecording)} (${whileRecording - notRecording >= 0 ? '+' : ''}${ms(whileRecording - notRecording)})`, '≤ +2 ms/s'],
          ['file size at the default quality (MP4, H.264 + Opus, the face resting, then talking)', `${(bytesPerMinute / 1e6).toFixed(2)} MB per minute`, ''],
          [`after the fact: ${made.seconds.toFixed(1)} s of video (512 px wide) made in the export worker`, `${(made.workerMs / 1000).toFixed(2)} s: ×${exportSpeed.toFixed(1)} real time`, '≥ ×5'],
          ['… from the click to the player (worker start, bundle, reading the kept voice)', `${(wallMs / 1000).toFixed(2)} s: ×${(made.seconds / (wallMs / 1000)).toFixed(1)}`, ''],
        ],
      )
      return { name: this.name, data, table }
    } finally {
      await browser.close()
      await relay.close()
    }
  },
}
