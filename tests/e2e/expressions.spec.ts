// The face's expressions in real Chromium, drawn by the avatar worker with WebGPU (SwiftShader,
// frames read back) and Canvas2D: for each avatar and each expression, a neutral and an expressive
// frame with idle life held still (no breath, sway, glances or blinks), compared region by region —
// the brows, the eyes, the mouth's corners move; the background does not — and lip-sync still
// opens and shuts the mouth during an expression. The frames are kept as PNG artifacts.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { expect, test, type Page } from '@playwright/test'
import { offlineUrl } from './stack.ts'

type Lab = Record<string, (...a: never[]) => Promise<unknown> | unknown>
const AVATARS = ['mira', 'theo'] as const
const EXPRESSIONS = ['happy', 'sad', 'surprised', 'thinking', 'concerned', 'amused'] as const
/** Those that must bend the mouth's corners (the others may). */
const BENDING = ['happy', 'sad', 'concerned', 'amused'] as const

type Amounts = Partial<Record<'brows' | 'browTilt' | 'browSkew' | 'lids' | 'mouthCorners' | 'mouthSkew' | 'headTiltDeg', number>>
const amountsOf = (avatar: string): Record<string, Amounts> => JSON.parse(readFileSync(new URL(`../../public/avatars/${avatar}/manifest.json`, import.meta.url), 'utf8')).expressions
/** How far the expression lifts or drops its farther-moving mouth corner (avatar px). */
const cornerLift = (a: Amounts) => Math.max(Math.abs((a.mouthCorners ?? 0) - (a.mouthSkew ?? 0)), Math.abs((a.mouthCorners ?? 0) + (a.mouthSkew ?? 0)))

async function openLab(page: Page) {
  await page.goto(`${offlineUrl()}/lab/avatar.html?manual`)
  await page.waitForSelector('body[data-ready="true"]')
}

const lab = (page: Page, name: string, ...args: unknown[]) =>
  page.evaluate(([n, a]) => (window as unknown as { parleyLab: Lab }).parleyLab[n as string]!(...(a as never[])), [name, args] as const)

async function start(page: Page, avatar: string, prefer: string) {
  const status = (await page.evaluate(([a, p]) => (window as unknown as { parleyLab: Lab }).parleyLab.start!({ avatar: a, prefer: p, size: 512 } as never), [avatar, prefer])) as { renderer: string; expressions: string[] }
  await lab(page, 'still', true)
  return status
}

interface Measure {
  /** Pixels changed (RGB distance over a threshold) per region, against neutral, and against neutral turned by the expression's head tilt. */
  raw: Record<string, number>
  turned: Record<string, number>
  area: Record<string, number>
  png: string
  sheet?: string
}

/**
 * Draws the frame for `expression` (or neutral, kept as the page's reference) and measures, in the
 * page, how it differs from neutral in each region. Regions come from the bundle's own manifest
 * (avatar px): the brows (the layer, and above it as far as they rise), the eyes, the mouth's two
 * corners, the nose between them (nothing there moves but with the head), and the background.
 */
async function measure(page: Page, avatar: string, expression: string | null): Promise<Measure> {
  if (expression) {
    await lab(page, 'setExpression', expression, 1)
    // Eased in after ~280 ms; held for seconds.
    await page.waitForTimeout(450)
  }
  return page.evaluate(
    async ([avatar, expression]) => {
      const w = window as unknown as { parleyLab: Lab; neutralShot?: ImageData }
      const shot = (await w.parleyLab.snapshot!()) as { width: number; height: number; pixels: Uint8ClampedArray }
      const image = new ImageData(new Uint8ClampedArray(shot.pixels), shot.width, shot.height)
      const manifest = (await (await fetch(`/avatars/${avatar}/manifest.json`)).json()) as {
        width: number
        layers: Record<string, { file: string; x: number; y: number }>
        anchors: { neck: [number, number]; eyes: [number, number][]; mouth: [number, number] }
        mouthBox: { x: number; y: number; width: number; height: number }
        expressions: Record<string, { headTiltDeg?: number }>
      }
      const k = shot.width / manifest.width
      const size = async (file: string) => {
        const b = await createImageBitmap(await (await fetch(`/avatars/${avatar}/${file}`)).blob())
        return { width: b.width, height: b.height }
      }
      const brows = { ...manifest.layers.brows!, ...(await size(manifest.layers.brows!.file)) }
      const whites = { ...manifest.layers.eyeWhites!, ...(await size(manifest.layers.eyeWhites!.file)) }
      const box = manifest.mouthBox
      const [mx, my] = manifest.anchors.mouth
      const eyeY = manifest.anchors.eyes[0]![1]
      const regions: Record<string, [number, number, number, number]> = {
        brows: [brows.x - 8, brows.y - 24, brows.width + 16, brows.height + 30],
        eyes: [whites.x, whites.y - 8, whites.width, whites.height + 16],
        leftCorner: [box.x - 8, my - 30, 36, 54],
        rightCorner: [box.x + box.width - 28, my - 30, 36, 54],
        nose: [mx - 22, eyeY + 26, 44, my - 45 - (eyeY + 26)],
        background: [0, 0, 150, 150],
        backgroundRight: [manifest.width - 150, 0, 150, 150],
      }
      const png = async (c: OffscreenCanvas) => {
        const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer())
        let bin = ''
        for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
        return btoa(bin)
      }
      const canvas = new OffscreenCanvas(shot.width, shot.height)
      canvas.getContext('2d')!.putImageData(image, 0, 0)
      if (!expression) {
        w.neutralShot = image
        return { raw: {}, turned: {}, area: {}, png: await png(canvas) }
      }
      // Neutral turned by the expression's head tilt about the neck: what the tilt alone would show.
      const neutral = new OffscreenCanvas(shot.width, shot.height)
      neutral.getContext('2d')!.putImageData(w.neutralShot!, 0, 0)
      const turnedCanvas = new OffscreenCanvas(shot.width, shot.height)
      const t = turnedCanvas.getContext('2d')!
      const [nx, ny] = [manifest.anchors.neck[0] * k, manifest.anchors.neck[1] * k]
      t.translate(nx, ny)
      t.rotate(((manifest.expressions[expression]?.headTiltDeg ?? 0) * Math.PI) / 180)
      t.translate(-nx, -ny)
      t.drawImage(neutral, 0, 0)
      const turned = t.getImageData(0, 0, shot.width, shot.height).data
      const changed = (ref: Uint8ClampedArray, [x, y, rw, rh]: [number, number, number, number]) => {
        let n = 0
        for (let py = Math.floor(y * k); py < Math.ceil((y + rh) * k); py++)
          for (let px = Math.floor(x * k); px < Math.ceil((x + rw) * k); px++) {
            const i = (py * shot.width + px) * 4
            if (Math.abs(image.data[i]! - ref[i]!) + Math.abs(image.data[i + 1]! - ref[i + 1]!) + Math.abs(image.data[i + 2]! - ref[i + 2]!) > 60) n++
          }
        return n
      }
      const out = { raw: {} as Record<string, number>, turned: {} as Record<string, number>, area: {} as Record<string, number> }
      for (const [name, r] of Object.entries(regions)) {
        out.raw[name] = changed(w.neutralShot!.data, r)
        out.turned[name] = changed(turned, r)
        out.area[name] = Math.round(r[2] * k) * Math.round(r[3] * k)
      }
      // Side by side with neutral, the face enlarged: for a person to look at.
      const sheet = new OffscreenCanvas(2 * 400, 380)
      const s = sheet.getContext('2d')!
      const [cx, cy, cw, ch] = [312 * k, 300 * k, 400 * k, 380 * k]
      s.drawImage(neutral, cx, cy, cw, ch, 0, 0, 400, 380)
      s.drawImage(canvas, cx, cy, cw, ch, 400, 0, 400, 380)
      return { ...out, png: await png(canvas), sheet: await png(sheet) }
    },
    [avatar, expression] as const,
  )
}

for (const prefer of ['webgpu', 'canvas2d'] as const) {
  test(`${prefer}: each expression moves the brows, eyes and mouth's corners it should, and nothing behind the face`, async ({ page }, info) => {
    // SwiftShader renders every WebGPU snapshot in software: slow on a busy machine, not wrong.
    test.setTimeout(120_000)
    const dir = info.outputPath('expressions')
    mkdirSync(dir, { recursive: true })
    await openLab(page)
    const rows: string[] = []
    for (const avatar of AVATARS) {
      const amounts = amountsOf(avatar)
      const status = await start(page, avatar, prefer)
      expect(status.renderer).toBe(prefer)
      expect(status.expressions).toEqual(['neutral', ...EXPRESSIONS])
      const neutral = await measure(page, avatar, null)
      writeFileSync(`${dir}/${avatar}-${prefer}-neutral.png`, Buffer.from(neutral.png, 'base64'))
      for (const expression of EXPRESSIONS) {
        const m = await measure(page, avatar, expression)
        writeFileSync(`${dir}/${avatar}-${prefer}-${expression}.png`, Buffer.from(m.png, 'base64'))
        writeFileSync(`${dir}/${avatar}-${prefer}-${expression}-vs-neutral.png`, Buffer.from(m.sheet!, 'base64'))
        const share = (r: Record<string, number>, name: string) => r[name]! / m.area[name]!
        const line = `${avatar} ${expression}: ${Object.keys(m.raw).map((n) => `${n} ${(share(m.raw, n) * 100).toFixed(1)}%/${(share(m.turned, n) * 100).toFixed(1)}%`).join(', ')}`
        rows.push(line)
        const a = amounts[expression]!
        // What the brief asks of the shipped faces: every expression moves the brows, and these bend the mouth clearly.
        expect(a.brows || a.browTilt || a.browSkew, `${avatar} ${expression} moves the brows`).toBeTruthy()
        if ((BENDING as readonly string[]).includes(expression)) expect(cornerLift(a), `${avatar} ${expression} bends the mouth`).toBeGreaterThanOrEqual(6)
        // Behind the face, nothing moves. (Soft: every expression's numbers are reported at once.)
        expect.soft(m.raw.background! + m.raw.backgroundRight!, line).toBe(0)
        // The brows, eyes and corners move by the expression itself, not only with the head's tilt:
        // against neutral turned by the tilt they still differ — and the nose, which nothing else
        // moves, hardly does (so the turned neutral is a fair reference).
        expect.soft(share(m.turned, 'nose'), `${line}: the nose`).toBeLessThan(0.03)
        expect.soft(share(m.turned, 'brows'), `${line}: the brows`).toBeGreaterThan(0.08)
        if (a.lids) expect.soft(share(m.turned, 'eyes'), `${line}: the eyes`).toBeGreaterThan(0.05)
        const corners = (r: Record<string, number>) => share(r, 'leftCorner') + share(r, 'rightCorner')
        if (cornerLift(a) >= 6) {
          expect.soft(corners(m.raw), `${line}: the corners against neutral`).toBeGreaterThan(0.06)
          expect.soft(corners(m.turned), `${line}: the corners`).toBeGreaterThan(0.04)
        } else if (cornerLift(a) === 0) expect.soft(corners(m.turned), `${line}: the corners`).toBeLessThan(0.02)
      }
      await lab(page, 'setExpression', 'neutral', 1)
    }
    await info.attach('changed pixels per region: against neutral / against neutral turned by the tilt', { body: rows.join('\n'), contentType: 'text/plain' })
    console.log(rows.join('\n'))
  })

  test(`${prefer}: lip-sync still opens and shuts the mouth during an expression, as it does at neutral`, async ({ page }) => {
    test.setTimeout(120_000)
    await openLab(page)
    for (const avatar of AVATARS) {
      await start(page, avatar, prefer)
      const neutralOpen = await mouthAt(page, avatar, 200)
      for (const expression of ['happy', 'sad', 'amused'] as const) {
        // Asked again before each frame: its hold renews (without easing again), however slow the frames.
        const held = async (ms: number) => {
          await lab(page, 'setExpression', expression, 1)
          await page.waitForTimeout(450)
          return mouthAt(page, avatar, ms)
        }
        const open = await held(200)
        const closed = await held(600)
        const label = `${avatar} ${expression}: open ${open}, closed ${closed}, open at neutral ${neutralOpen}`
        expect(open, label).toBeGreaterThan(200)
        expect(open, label).toBeGreaterThan(closed * 3)
        // The same mouth shape as at neutral, only bent: about as much of it is open.
        expect(Math.abs(open - neutralOpen), label).toBeLessThanOrEqual(Math.max(neutralOpen / 4, 40))
      }
      await lab(page, 'setExpression', 'neutral', 1)
    }
  })
}

test('an expression the bundle does not declare is refused by the worker, with a plain reason', async ({ page }) => {
  await openLab(page)
  await start(page, 'mira', 'canvas2d')
  const why = await page.evaluate(() => ((window as unknown as { parleyLab: Lab }).parleyLab.setExpression!('angry' as never, 1 as never) as Promise<unknown>).then(() => 'accepted', (e: Error) => e.message))
  expect(why).toContain('has no "angry" expression')
})

/**
 * Draws the frame for `ms` into a reply whose phonemes are `a` (0–400 ms), `m` (400–800) and `o`
 * (800–1200), as face.spec does, and counts the pixels as dark as the inside of an open mouth in the
 * bundle's mouth region — grown by as far as the corners bend.
 */
async function mouthAt(page: Page, avatar: string, ms: number): Promise<number> {
  return page.evaluate(
    async ([avatar, ms]) => {
      const lab = (window as unknown as { parleyLab: Lab }).parleyLab
      const manifest = (await (await fetch(`/avatars/${avatar}/manifest.json`)).json()) as { width: number; mouthBox: { x: number; y: number; width: number; height: number } }
      lab.flush!()
      lab.speech!(0 as never, [{ symbol: 'a', startMs: 0, endMs: 400 }, { symbol: 'm', startMs: 400, endMs: 800 }, { symbol: 'o', startMs: 800, endMs: 1200 }] as never)
      lab.clock!(ms as never, false as never)
      await new Promise((r) => setTimeout(r, 60))
      const shot = (await lab.snapshot!()) as { width: number; pixels: Uint8ClampedArray }
      const k = shot.width / manifest.width
      const box = manifest.mouthBox
      let dark = 0
      for (let y = Math.floor((box.y - 20) * k); y < Math.ceil((box.y + box.height + 36) * k); y++)
        for (let x = Math.floor(box.x * k); x < Math.ceil((box.x + box.width) * k); x++) {
          const i = (y * shot.width + x) * 4
          if (shot.pixels[i]! + shot.pixels[i + 1]! + shot.pixels[i + 2]! < 3 * 75) dark++
        }
      return dark
    },
    [avatar, ms] as const,
  )
}
