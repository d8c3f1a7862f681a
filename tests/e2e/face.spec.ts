// The face in real Chromium: the avatar worker draws known viseme tracks with WebGPU (SwiftShader,
// frames read back) and Canvas2D, falls back when the GPU device is lost, and keeps the mouth on
// the playback clock. Screenshots of each avatar in each state are kept as test artifacts.
import { mkdirSync, writeFileSync } from 'node:fs'
import { expect, test, type Page } from '@playwright/test'
import { offlineUrl } from './stack.ts'

type Lab = Record<string, (...a: never[]) => Promise<unknown> | unknown>
const AVATARS = ['mira', 'theo'] as const

async function openLab(page: Page) {
  await page.goto(`${offlineUrl()}/lab/avatar.html?manual`)
  await page.waitForSelector('body[data-ready="true"]')
}

const start = (page: Page, avatar: string, prefer: string) =>
  page.evaluate(([a, p]) => (window as unknown as { parleyLab: Lab }).parleyLab.start!({ avatar: a, prefer: p, size: 512 } as never), [avatar, prefer]) as Promise<{ renderer: string; why?: string }>

/**
 * Draws the frame for `ms` into a reply whose phonemes are `a` (0–400 ms), `m` (400–800) and
 * `o` (800–1200), and measures its mouth: pixels as dark as the inside of an open mouth, within
 * the bundle's mouth region; and the same count in the bundle's own mouth layer for that shape.
 */
async function mouthAt(page: Page, avatar: string, ms: number, shape: string) {
  return page.evaluate(
    async ([avatar, ms, shape]) => {
      const lab = (window as unknown as { parleyLab: Lab }).parleyLab
      const manifest = (await (await fetch(`/avatars/${avatar}/manifest.json`)).json()) as { width: number; mouthBox: { x: number; y: number; width: number; height: number }; mouths: Record<string, { file: string }> }
      lab.flush!()
      lab.speech!(0 as never, [{ symbol: 'a', startMs: 0, endMs: 400 }, { symbol: 'm', startMs: 400, endMs: 800 }, { symbol: 'o', startMs: 800, endMs: 1200 }] as never)
      lab.clock!(ms as never, false as never)
      await new Promise((r) => setTimeout(r, 60))
      const shot = (await lab.snapshot!()) as { width: number; height: number; pixels: Uint8ClampedArray }
      const k = shot.width / manifest.width
      const box = manifest.mouthBox
      // The mouth's region, and below it as far as the jaw drops (the hair shows beside the chin).
      let dark = 0
      for (let y = Math.floor(box.y * k); y < Math.ceil((box.y + box.height + 16) * k); y++)
        for (let x = Math.floor(box.x * k); x < Math.ceil((box.x + box.width) * k); x++) {
          const i = (y * shot.width + x) * 4
          if (shot.pixels[i]! + shot.pixels[i + 1]! + shot.pixels[i + 2]! < 3 * 75) dark++
        }
      // The bundle's own picture of the shape, at the same scale.
      const img = await createImageBitmap(await (await fetch(`/avatars/${avatar}/${manifest.mouths[shape]!.file}`)).blob())
      const c = new OffscreenCanvas(img.width, img.height)
      const ctx = c.getContext('2d')!
      ctx.drawImage(img, 0, 0)
      const d = ctx.getImageData(0, 0, img.width, img.height).data
      let expected = 0
      for (let i = 0; i < d.length; i += 4) if (d[i + 3]! > 200 && d[i]! + d[i + 1]! + d[i + 2]! < 3 * 75) expected++
      return { dark, expected: expected * k * k }
    },
    [avatar, ms, shape] as const,
  )
}

for (const prefer of ['webgpu', 'canvas2d'] as const) {
  test(`${prefer}: the mouth follows a known viseme track — open on "a" and "o", closed on "m", shaped like the bundle's own mouths`, async ({ page }) => {
    // SwiftShader renders every WebGPU snapshot in software: slow on a busy machine, not wrong.
    if (prefer === 'webgpu') test.setTimeout(120_000)
    await openLab(page)
    for (const avatar of AVATARS) {
      const status = await start(page, avatar, prefer)
      expect(status.renderer).toBe(prefer)
      const open = await mouthAt(page, avatar, 200, 'aa')
      const closed = await mouthAt(page, avatar, 600, 'pressed')
      const round = await mouthAt(page, avatar, 1000, 'o')
      expect(open.dark, `${avatar} open`).toBeGreaterThan(200)
      expect(open.dark, `${avatar}: open ${open.dark}, closed ${closed.dark}`).toBeGreaterThan(closed.dark * 3)
      // Each frame's mouth matches the bundle's own drawing of that shape, within a third (the jaw
      // warp, scaling and the blend with neighbouring shapes move some pixels).
      for (const [got, name] of [[open, 'aa'], [closed, 'pressed'], [round, 'o']] as const) {
        expect(Math.abs(got.dark - got.expected), `${avatar} ${name}: ${got.dark} dark pixels, the layer has ${got.expected.toFixed(0)}`).toBeLessThanOrEqual(Math.max(got.expected / 3, 40))
      }
    }
  })
}

test('a lost GPU device falls back to Canvas2D without a gap: the face keeps drawing', async ({ page }) => {
  await openLab(page)
  const status = await start(page, 'mira', 'webgpu')
  expect(status.renderer).toBe('webgpu')
  await page.evaluate(() => (window as unknown as { parleyLab: Lab }).parleyLab.loseDevice!())
  await expect.poll(() => page.evaluate(() => (window as unknown as { parleyLab: Lab }).parleyLab.renderer!())).toBe('canvas2d')
  await expect(page.locator('#status')).toContainText('the GPU device was lost')
  const stats = (await page.evaluate(() => (window as unknown as { parleyLab: Lab }).parleyLab.stats!())) as { renderer: string; frames: number }
  expect(stats.renderer).toBe('canvas2d')
  const open = await mouthAt(page, 'mira', 200, 'aa')
  expect(open.dark).toBeGreaterThan(200)
  // The visible canvas is the 2D one, and it shows a face (not a blank or black frame).
  const flat = page.locator('canvas[data-renderer="canvas2d"]')
  await expect(flat).toBeVisible()
  await expect(page.locator('canvas[data-renderer="webgpu"]')).toBeHidden()
})

test('A/V sync: the face runs on the playback clock, and the mouth opens with the loud parts of the audio', async ({ page }) => {
  await openLab(page)
  await start(page, 'mira', 'canvas2d')
  // Bursts of an "ah" (two tones at its first two formants): 200 ms on, 300 ms off, three times.
  const bursts = [0.2, 0.7, 1.2].map((s) => ({ start: s * 1000, end: s * 1000 + 200 }))
  const result = await page.evaluate(async (bursts) => {
    const lab = (window as unknown as { parleyLab: Lab }).parleyLab
    const rate = 24000
    const samples = new Float32Array(rate * 1.7)
    for (const b of bursts) for (let i = (b.start * rate) / 1000; i < (b.end * rate) / 1000; i++) samples[i] = 0.3 * Math.sin((2 * Math.PI * 780 * i) / rate) + 0.15 * Math.sin((2 * Math.PI * 1250 * i) / rate)
    // 1) While it really plays: the face's clock against the playback's own.
    const drift: number[] = []
    const playing = lab.play!(samples as never, rate as never) as Promise<void>
    await new Promise((r) => setTimeout(r, 250))
    for (let i = 0; i < 8; i++) {
      // Where the face thought the audio was, and where the playback says it was at that moment.
      const shot = (await lab.snapshot!()) as { audioMs: number; at: number }
      const own = lab.playbackMs!() as { at: number; audioMs: number; playing: boolean }
      drift.push(Math.abs(shot.audioMs - (own.audioMs + (own.playing ? shot.at - own.at : 0))))
      await new Promise((r) => setTimeout(r, 90))
    }
    await playing
    // 2) Frame by frame (clock held): how open the mouth is every 10 ms of the same audio.
    lab.flush!()
    lab.speechAudio!(0 as never, samples as never, rate as never)
    const manifest = (await (await fetch('/avatars/mira/manifest.json')).json()) as { width: number; mouthBox: { x: number; y: number; width: number; height: number } }
    const openness: { ms: number; dark: number }[] = []
    for (let ms = 0; ms <= 1600; ms += 10) {
      lab.clock!(ms as never, false as never)
      const shot = (await lab.snapshot!()) as { width: number; pixels: Uint8ClampedArray }
      const k = shot.width / manifest.width
      const b = manifest.mouthBox
      let dark = 0
      for (let y = Math.floor(b.y * k); y < Math.ceil((b.y + b.height) * k); y++)
        for (let x = Math.floor(b.x * k); x < Math.ceil((b.x + b.width) * k); x++) {
          const i = (y * shot.width + x) * 4
          if (shot.pixels[i]! + shot.pixels[i + 1]! + shot.pixels[i + 2]! < 3 * 75) dark++
        }
      openness.push({ ms, dark })
    }
    return { drift, openness }
  }, bursts)

  // The face's clock agrees with the playback's own within 20 ms while it plays (the audio clock
  // moves in output-buffer steps and the page's timers jitter on a loaded machine: most samples
  // within 20 ms, none beyond 40).
  const drift = result.drift.map((d) => d.toFixed(1)).join(' ')
  expect(result.drift.filter((d) => d <= 20).length, drift).toBeGreaterThanOrEqual(6)
  expect(Math.max(...result.drift), drift).toBeLessThanOrEqual(40)
  // Each burst: the mouth is open in its middle, shut well between bursts, and its openness is
  // centred on the burst within 20 ms.
  for (const b of bursts) {
    const within = result.openness.filter((o) => o.ms >= b.start - 150 && o.ms <= b.end + 150)
    const total = within.reduce((n, o) => n + o.dark, 0)
    const centre = within.reduce((n, o) => n + o.ms * o.dark, 0) / total
    expect(Math.abs(centre - (b.start + b.end) / 2), `burst at ${b.start} ms: ${result.openness.filter((o) => o.ms % 50 === 0).map((o) => `${o.ms}:${o.dark}`).join(' ')}`).toBeLessThanOrEqual(20)
    expect(result.openness.find((o) => o.ms === b.start + 100)!.dark).toBeGreaterThan(100)
    expect(result.openness.find((o) => o.ms === b.end + 150)!.dark).toBeLessThan(20)
  }
})

test('screenshots of each avatar in each state (kept as test artifacts)', async ({ page }, info) => {
  await openLab(page)
  const dir = info.outputPath('avatars')
  mkdirSync(dir, { recursive: true })
  for (const avatar of AVATARS) {
    await start(page, avatar, 'canvas2d')
    for (const mood of ['idle', 'listening', 'thinking', 'speaking'] as const) {
      await page.evaluate(([m]) => {
        const lab = (window as unknown as { parleyLab: Lab }).parleyLab
        lab.setMood!(m as never)
        lab.flush!()
        if (m === 'speaking') {
          lab.speech!(0 as never, [{ symbol: 'ɛ', startMs: 0, endMs: 5000 }] as never)
          lab.clock!(1000 as never, false as never)
        } else lab.clock!(0 as never, false as never)
      }, [mood])
      await page.waitForTimeout(700)
      const png = await page.locator('#face').screenshot()
      writeFileSync(`${dir}/${avatar}-${mood}.png`, png)
      await info.attach(`${avatar}-${mood}`, { body: png, contentType: 'image/png' })
    }
  }
})
