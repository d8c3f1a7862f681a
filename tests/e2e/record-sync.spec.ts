import { expect, test, type Page } from '@playwright/test'
import { offlineUrl } from './stack.ts'

// Lips and voice together in the file, driven by a known track: tone bursts at set times, an open
// "a" in the phonemes on each (the face engine, its bundle and the muxing are the live recording's). Each frame's mouth opening (how far the mouth box
// differs from frame 1's closed mouth) against the sound's loudness in the same 1/fps, and the lag
// at which they agree best. The browser itself decodes the file (<video> seeked frame by frame,
// decodeAudioData), as a player would.

/** The lag (in frames; > 0: the picture late) at which the mouth follows the sound best, and how well. */
async function lipLag(page: Page, opfsName: string): Promise<{ lag: number; r: number; frames: number }> {
  return page.evaluate(
    async (opfsName) => {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('recordings')
      const blob = await (await dir.getFileHandle(opfsName)).getFile()
      const manifest = (await (await fetch('/avatars/mira/manifest.json')).json()) as { width: number; fps: number; mouthBox: { x: number; y: number; width: number; height: number } }
      const fps = manifest.fps
      const video = document.createElement('video')
      video.muted = true
      video.src = URL.createObjectURL(blob)
      await new Promise((r) => (video.onloadeddata = r))
      const frames = Math.floor(video.duration * fps) - 1
      const scale = video.videoWidth / manifest.width
      const box = { x: Math.round(manifest.mouthBox.x * scale), y: Math.round(manifest.mouthBox.y * scale), w: Math.round(manifest.mouthBox.width * scale), h: Math.round(manifest.mouthBox.height * scale) }
      const canvas = new OffscreenCanvas(video.videoWidth, video.videoHeight)
      const ctx = canvas.getContext('2d', { willReadFrequently: true })!
      const pixels = (n: number) =>
        new Promise<Uint8ClampedArray>((resolve) => {
          video.onseeked = () => {
            ctx.drawImage(video, 0, 0)
            resolve(ctx.getImageData(box.x, box.y, box.w, box.h).data)
          }
          video.currentTime = (n + 0.5) / fps
        })
      // The first seek can draw before the decoder's first picture: the reference is frame 1.
      const rest = await pixels(1)
      const mouth: number[] = [0]
      for (let n = 1; n < frames; n++) {
        const p = await pixels(n)
        let d = 0
        for (let i = 0; i < p.length; i += 4) d += Math.abs(p[i]! - rest[i]!) + Math.abs(p[i + 1]! - rest[i + 1]!) + Math.abs(p[i + 2]! - rest[i + 2]!)
        mouth.push(d)
      }
      const sound = await new AudioContext({ sampleRate: 48000 }).decodeAudioData(await blob.arrayBuffer())
      const data = sound.getChannelData(0)
      const per = 48000 / fps
      const loud: number[] = []
      for (let n = 0; n < frames; n++) {
        let e = 0
        for (let i = Math.round(n * per); i < Math.round((n + 1) * per) && i < data.length; i++) e += data[i]! * data[i]!
        loud.push(Math.sqrt(e / per))
      }
      const [from, to] = [0, frames]
      const corr = (lag: number) => {
        const xs: number[] = []
        const ys: number[] = []
        for (let n = Math.max(from, from + lag); n < to && n - lag < to; n++) (xs.push(mouth[n]!), ys.push(loud[n - lag]!))
        const mx = xs.reduce((a, b) => a + b, 0) / xs.length
        const my = ys.reduce((a, b) => a + b, 0) / ys.length
        let sxy = 0
        let sxx = 0
        let syy = 0
        for (let i = 0; i < xs.length; i++) (sxy += (xs[i]! - mx) * (ys[i]! - my), sxx += (xs[i]! - mx) ** 2, syy += (ys[i]! - my) ** 2)
        return sxy / Math.sqrt(sxx * syy || 1)
      }
      let best = { lag: 0, r: -2 }
      for (let lag = -8; lag <= 8; lag++) {
        const r = corr(lag)
        if (r > best.r) best = { lag, r }
      }
      return { ...best, frames }
    },
    opfsName,
  )
}

test('a video made later of tone bursts with the mouth open on them: in step, within a frame', async ({ page }) => {
  test.setTimeout(90_000)
  await page.goto(offlineUrl())
  await expect(page.getByTestId('record')).toBeEnabled({ timeout: 15_000 })
  // A kept answer whose voice is bursts of tone at known times, each an open "a" in its phonemes, silence between.
  await page.evaluate(async () => {
    const rate = 24000
    const samples = new Float32Array(rate * 6)
    const phonemes: { symbol: string; startMs: number; endMs: number }[] = []
    for (let k = 0; k < 8; k++) {
      const from = 400 + k * 700
      const to = from + 250 + (k % 3) * 80
      phonemes.push({ symbol: 'a', startMs: from, endMs: to })
      for (let i = Math.round((from * rate) / 1000); i < Math.round((to * rate) / 1000); i++) samples[i] = 0.4 * Math.sin((2 * Math.PI * 300 * i) / rate)
    }
    const db = await new Promise<IDBDatabase>((r, j) => Object.assign(indexedDB.open('parley-voices'), { onsuccess(this: IDBOpenDBRequest) { r(this.result) }, onerror: j }))
    await new Promise((r) => (db.transaction('answers', 'readwrite').objectStore('answers').put({ assistantId: 'sync-answer', question: '', at: Date.now(), sentences: [{ text: 'Ah ah ah.', startMs: 0, sampleRate: rate, samples, phonemes }], heardMs: null }).onsuccess = r))
  })
  await page.reload()
  await expect(page.getByTestId('record')).toBeEnabled({ timeout: 15_000 })
  if (!(await page.getByTestId('menu-export-video').isVisible())) await page.getByTestId('menu').click()
  await page.getByTestId('menu-export-video').click()
  await expect(page.getByTestId('preview-download')).toBeVisible({ timeout: 60_000 })
  const id = await page.getByTestId('preview-download').getAttribute('download')
  const names = await page.evaluate(async () => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('recordings')
    const out: [string, string][] = []
    for await (const [n, h] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemFileHandle]> }).entries()) if (n.endsWith('.json')) out.push([n, await (await h.getFile()).text()])
    return out
  })
  const info = names.map(([, t]) => JSON.parse(t) as { id: string; name: string }).find((r) => r.name === id)!
  const got = await lipLag(page, `${info.id}.mp4`)
  console.log(`made later: mouth vs voice best at ${got.lag} frames (r ${got.r.toFixed(2)}, ${got.frames} frames)`)
  expect(got.r).toBeGreaterThan(0.6)
  expect(Math.abs(got.lag)).toBeLessThanOrEqual(1)
})
