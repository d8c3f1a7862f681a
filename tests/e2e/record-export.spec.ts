import { expect, test, type Page } from '@playwright/test'
import { ALL_FORMATS, BufferSource, EncodedPacketSink, Input } from 'mediabunny'
import { fakeLlm, startVoiceRelay } from './stack.ts'

// A video made after the fact from what the session kept: each answer's voice (PCM per sentence),
// drawn by the same face engine in a worker of its own, faster than real time.

const bytesOf = async (d: import('@playwright/test').Download) => Buffer.concat(await (await d.createReadStream()).toArray())

async function videoPackets(bytes: Buffer) {
  const input = new Input({ source: new BufferSource(bytes), formats: ALL_FORMATS })
  const video = (await input.getVideoTracks())[0]!
  const packets: Buffer[] = []
  for await (const p of new EncodedPacketSink(video).packets()) packets.push(Buffer.from(p.data))
  return { seconds: await video.computeDuration(), audio: (await input.getAudioTracks())[0]?.codec, packets }
}

const storedFiles = (page: Page) =>
  page.evaluate(async () => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('recordings', { create: true })
    const names: string[] = []
    for await (const [name] of (dir as unknown as { entries(): AsyncIterable<[string, unknown]> }).entries()) names.push(name)
    return names
  })

/**
 * How well the exported file's sound matches the kept voice: the normalised correlation of each
 * kept sentence with the file's decoded sound where the export placed it (Opus is lossy: ~1 is
 * the same sound, ~0 another).
 */
const soundMatch = (page: Page, name: string, offsetMs: number) =>
  page.evaluate(
    async ({ name, offsetMs }) => {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('recordings')
      let file: File | null = null
      for await (const [n, h] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemFileHandle]> }).entries()) {
        if (n.endsWith('.mp4') && (await h.getFile()).size && n.includes('export')) {
          const info = JSON.parse(await (await (await dir.getFileHandle(n.replace(/\.mp4$/, '.json'))).getFile()).text())
          if (info.name === name) file = await h.getFile()
        }
      }
      const decoded = await new AudioContext({ sampleRate: 48000 }).decodeAudioData(await file!.arrayBuffer())
      const got = decoded.getChannelData(0)
      const db = await new Promise<IDBDatabase>((r, j) => Object.assign(indexedDB.open('parley-voices'), { onsuccess(this: IDBOpenDBRequest) { r(this.result) }, onerror: j }))
      const answers = await new Promise<{ at: number; sentences: { startMs: number; sampleRate: number; samples: Float32Array }[] }[]>((r) => {
        const q = db.transaction('answers').objectStore('answers').getAll()
        q.onsuccess = () => r(q.result)
      })
      const last = answers.sort((a, b) => a.at - b.at).at(-1)!
      return last.sentences.map((s) => {
        const start = Math.round(((offsetMs + s.startMs) * 48000) / 1000)
        let xy = 0
        let xx = 0
        let yy = 0
        const n = Math.floor((s.samples.length * 48000) / s.sampleRate)
        for (let i = 0; i < n; i++) {
          const x = s.samples[Math.floor((i * s.sampleRate) / 48000)]!
          const y = got[start + i] ?? 0
          xy += x * y
          xx += x * x
          yy += y * y
        }
        return xy / Math.sqrt(xx * yy || 1)
      })
    },
    { name, offsetMs },
  )

test('a past answer and the whole conversation, as videos made later: the kept voice, the face, a progress bar and Cancel', async () => {
  test.setTimeout(150_000)
  await fakeLlm.reset()
  const voice = await startVoiceRelay()
  const { chromium } = await import('@playwright/test')
  const browser = await chromium.launch((await import('../../playwright.config.ts')).default.use!.launchOptions)
  try {
    const page = await browser.newPage()
    await page.goto(voice.url)
    await fakeLlm.next({ kind: 'reply', text: 'The first answer. It has two sentences.', chunkDelayMs: 5 }, { kind: 'reply', text: 'And here is the second answer.', chunkDelayMs: 5 })
    for (const q of ['First question?', 'Second question?']) {
      await page.getByTestId('composer').fill(q)
      await page.getByTestId('composer').press('Enter')
      await expect(page.locator('.app')).toHaveAttribute('data-turn', 'speaking', { timeout: 20_000 })
      await expect(page.locator('.app')).toHaveAttribute('data-turn', 'listening', { timeout: 30_000 })
    }
    await expect(page.getByTestId('answer-video')).toHaveCount(2, { timeout: 10_000 })

    // One answer: its question shown over the face listening (1.5 s), then the answer, then a rest (0.4 s).
    let download = page.waitForEvent('download')
    const begun = Date.now()
    await page.getByTestId('answer-video').last().click()
    await expect(page.getByTestId('preview-download')).toBeVisible({ timeout: 60_000 })
    const tookMs = Date.now() - begun
    await page.getByTestId('preview-download').click()
    const one = await bytesOf(await download)
    const a = await videoPackets(one)
    expect(a.audio).toBe('opus')
    expect(a.seconds).toBeGreaterThan(2.5)
    console.log(`one answer: ${a.seconds.toFixed(2)} s of video made in ${(tookMs / 1000).toFixed(2)} s, ${one.length} bytes`)
    const name = (await download).suggestedFilename()
    expect(name).toMatch(/^parley-mira-.*\.mp4$/)
    // The sound is the kept voice, where the answer begins (after the question's 1.5 s).
    const match = await soundMatch(page, name, 1500)
    console.log(`sound vs kept voice, per sentence: ${match.map((m) => m.toFixed(3)).join(', ')}`)
    for (const m of match) expect(m).toBeGreaterThan(0.8)
    await page.keyboard.press('Escape')

    // The same answer again: the same pictures, packet for packet (the face's idle life is seeded).
    download = page.waitForEvent('download')
    await page.getByTestId('answer-video').last().click()
    await page.getByTestId('preview-download').click({ timeout: 60_000 })
    const again = await videoPackets(await bytesOf(await download))
    expect(again.packets.length).toBe(a.packets.length)
    expect(again.packets.every((p, i) => p.equals(a.packets[i]!))).toBe(true)
    await page.keyboard.press('Escape')

    // The whole conversation: Cancel stops it and leaves no half-made file.
    if (!(await page.getByTestId('menu-export-video').isVisible())) await page.getByTestId('menu').click()
    await page.getByTestId('menu-export-video').click()
    await expect(page.getByTestId('export-dialog')).toBeVisible()
    await expect(page.getByTestId('export-progress')).toBeVisible()
    await page.getByTestId('export-cancel').click()
    await expect(page.getByTestId('export-dialog')).toBeHidden()
    await expect.poll(async () => (await storedFiles(page)).filter((n) => n.includes('.export.'))).toEqual([])

    // …and made to the end: both answers, each after its question.
    if (!(await page.getByTestId('menu-export-video').isVisible())) await page.getByTestId('menu').click()
    download = page.waitForEvent('download')
    await page.getByTestId('menu-export-video').click()
    await page.getByTestId('preview-download').click({ timeout: 60_000 })
    const all = await videoPackets(await bytesOf(await download))
    expect(all.seconds).toBeGreaterThan(a.seconds + 2.5)
    await page.keyboard.press('Escape')

    // A reload during an export: the next page has no half-made file and no error.
    if (!(await page.getByTestId('menu-export-video').isVisible())) await page.getByTestId('menu').click()
    await page.getByTestId('menu-export-video').click()
    await expect(page.getByTestId('export-progress')).toBeVisible()
    await page.reload()
    await expect(page.getByTestId('record')).toBeEnabled({ timeout: 15_000 })
    await expect.poll(async () => (await storedFiles(page)).filter((n) => n.includes('.export.'))).toEqual([])
    await expect(page.getByTestId('export-dialog')).toBeHidden()
    await expect(page.getByTestId('record-interrupted')).toHaveCount(0)
  } finally {
    await browser.close()
    await voice.close()
  }
})

test('the kept voices stop at the newest 60 answers: the oldest go first', async ({ page }) => {
  test.setTimeout(60_000)
  await fakeLlm.reset()
  const voice = await startVoiceRelay()
  try {
    await page.goto(voice.url)
    await expect(page.getByTestId('record')).toBeEnabled({ timeout: 15_000 })
    const store = (action: 'fill' | 'read') =>
      page.evaluate(async (action) => {
        const db = await new Promise<IDBDatabase>((r, j) => Object.assign(indexedDB.open('parley-voices'), { onsuccess(this: IDBOpenDBRequest) { r(this.result) }, onerror: j }))
        const answers = db.transaction('answers', 'readwrite').objectStore('answers')
        if (action === 'fill')
          for (let i = 1; i <= 70; i++) answers.put({ assistantId: `old-${i}`, question: '', at: i, sentences: [{ text: 'x', startMs: 0, sampleRate: 16000, samples: new Float32Array(160) }], heardMs: null })
        return new Promise<string[]>((r) => (answers.getAllKeys().onsuccess = (e) => r((e.target as IDBRequest<string[]>).result)))
      }, action)
    expect(await store('fill')).toHaveLength(70)
    await fakeLlm.next({ kind: 'reply', text: 'A new answer.', chunkDelayMs: 5 })
    await page.getByTestId('composer').fill('Anything?')
    await page.getByTestId('composer').press('Enter')
    await expect(page.locator('.app')).toHaveAttribute('data-turn', 'speaking', { timeout: 20_000 })
    await expect(page.locator('.app')).toHaveAttribute('data-turn', 'listening', { timeout: 20_000 })
    await expect.poll(async () => (await store('read')).length).toBe(60)
    const kept = await store('read')
    expect(kept.filter((k) => !k.startsWith('old-'))).toHaveLength(1)
    for (let i = 1; i <= 11; i++) expect(kept).not.toContain(`old-${i}`)
    expect(kept).toContain('old-12')
  } finally {
    await voice.close()
  }
})
