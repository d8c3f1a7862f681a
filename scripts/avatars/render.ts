/**
 * npm run avatar:render — draws the project's avatars (scripts/avatars/characters.ts) into bundles
 * in public/avatars/<id>/: each layer rasterised by Chromium at 1024², trimmed to what it covers
 * (the manifest records where it goes), a preview, and manifest.json. The output is committed, so
 * building the app never needs this; run it after changing the art.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium } from '@playwright/test'
import { validateManifest, VISEMES, type LayeredManifest, type Placed } from '../../web/engines/avatar/bundle.ts'
import { CHARACTERS, background, composite, layers, SIZE, svg } from './characters.ts'
import { MOUTHS, VISEME_TO_MOUTH } from './mouths.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))
const LAYER_FILES: Record<string, string> = {
  body: 'body',
  hairBack: 'hair-back',
  face: 'face',
  eyeWhites: 'eye-whites',
  irises: 'irises',
  eyeLines: 'eye-lines',
  eyesClosed: 'eyes-closed',
  brows: 'brows',
  front: 'front',
}

/**
 * Each avatar's expressions (avatar px on the 1024² canvas; see ExpressionAmounts), tuned to read
 * at 512 px: Theo's straight, heavy brows and glasses need a little more than Mira's soft ones.
 */
const EXPRESSIONS: Record<string, LayeredManifest['expressions']> = {
  mira: {
    happy: { brows: -9, lids: 0.25, mouthCorners: 18, headTiltDeg: 2.5 },
    sad: { brows: 4, browTilt: 18, lids: 0.3, mouthCorners: -12, headTiltDeg: -2.5 },
    surprised: { brows: -18, browTilt: 4, lids: -0.9 },
    thinking: { brows: -3, browTilt: -4, browSkew: 9, lids: 0.25, mouthCorners: -3, mouthSkew: 5, headTiltDeg: -3 },
    concerned: { brows: 5, browTilt: 16, lids: 0.2, mouthCorners: -8, headTiltDeg: 1.5 },
    amused: { brows: -5, browSkew: 5, lids: 0.4, mouthCorners: 10, mouthSkew: 7, headTiltDeg: 3.5 },
  },
  theo: {
    happy: { brows: -10, lids: 0.25, mouthCorners: 19, headTiltDeg: 2.5 },
    sad: { brows: 4, browTilt: 20, lids: 0.3, mouthCorners: -13, headTiltDeg: -2.5 },
    surprised: { brows: -20, browTilt: 4, lids: -0.9 },
    thinking: { brows: -3, browTilt: -5, browSkew: 10, lids: 0.25, mouthCorners: -3, mouthSkew: 5, headTiltDeg: -3 },
    concerned: { brows: 5, browTilt: 18, lids: 0.2, mouthCorners: -9, headTiltDeg: 1.5 },
    amused: { brows: -5, browSkew: 6, lids: 0.4, mouthCorners: 11, mouthSkew: 7, headTiltDeg: 3.5 },
  },
}



const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' })
const page = await browser.newPage()
await page.setContent('<html><body></body></html>')

/** Rasterises an SVG; `trim` crops to the drawn pixels (plus a margin) and reports where they were. */
async function rasterise(source: string, trim: boolean, size = SIZE, type = 'image/png'): Promise<{ png: Buffer; x: number; y: number; width: number; height: number }> {
  const out = await page.evaluate(
    async ([text, trim, size, type]) => {
      const img = new Image()
      img.src = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }))
      await img.decode()
      const full = document.createElement('canvas')
      full.width = full.height = size
      const ctx = full.getContext('2d')!
      ctx.drawImage(img, 0, 0, size, size)
      let [x0, y0, x1, y1] = [0, 0, size, size]
      if (trim) {
        const { data } = ctx.getImageData(0, 0, size, size)
        ;[x0, y0, x1, y1] = [size, size, 0, 0]
        for (let y = 0; y < size; y++)
          for (let x = 0; x < size; x++)
            if (data[(y * size + x) * 4 + 3]! > 0) {
              if (x < x0) x0 = x
              if (y < y0) y0 = y
              if (x >= x1) x1 = x + 1
              if (y >= y1) y1 = y + 1
            }
        const m = 2
        ;[x0, y0, x1, y1] = [Math.max(0, x0 - m), Math.max(0, y0 - m), Math.min(size, x1 + m), Math.min(size, y1 + m)]
      }
      const crop = document.createElement('canvas')
      crop.width = x1 - x0
      crop.height = y1 - y0
      crop.getContext('2d')!.drawImage(full, -x0, -y0)
      return { url: crop.toDataURL(type, 0.92), x: x0, y: y0, width: x1 - x0, height: y1 - y0 }
    },
    [source, trim, size, type] as const,
  )
  return { png: Buffer.from(out.url.split(',')[1]!, 'base64'), x: out.x, y: out.y, width: out.width, height: out.height }
}

const index: { id: string; name: string; description: string; preview: string }[] = []
for (const c of CHARACTERS) {
  index.push({ id: c.id, name: c.name, description: c.description, preview: 'preview.png' })
  const dir = `${root}public/avatars/${c.id}/`
  mkdirSync(dir, { recursive: true })
  const drawn = layers(c)
  const put = async (name: string, source: string, trim = true): Promise<Placed> => {
    const r = await rasterise(svg(source), trim)
    writeFileSync(`${dir}${name}.png`, r.png)
    return { file: `${name}.png`, x: r.x, y: r.y }
  }
  // The background is a soft gradient: a JPEG is a twentieth of the PNG.
  const bg = await rasterise(svg(background(c)), false, SIZE, 'image/jpeg')
  writeFileSync(`${dir}background.jpg`, bg.png)
  const placedLayers: Record<string, Placed> = { background: { file: 'background.jpg', x: 0, y: 0 } }
  for (const [layer, file] of Object.entries(LAYER_FILES)) placedLayers[layer] = await put(file, drawn[file]!)
  const mouths: Record<string, Placed> = {}
  const boxes: { x0: number; y0: number; x1: number; y1: number }[] = []
  for (const name of Object.keys(MOUTHS)) {
    const r = await rasterise(svg(drawn[`mouth-${name}`]!), true)
    writeFileSync(`${dir}mouth-${name}.png`, r.png)
    mouths[name] = { file: `mouth-${name}.png`, x: r.x, y: r.y }
    boxes.push({ x0: r.x, y0: r.y, x1: r.x + r.width, y1: r.y + r.height })
  }
  const preview = await rasterise(composite(c), false, 256)
  writeFileSync(`${dir}preview.png`, preview.png)

  const box = { x0: Math.min(...boxes.map((b) => b.x0)), y0: Math.min(...boxes.map((b) => b.y0)), x1: Math.max(...boxes.map((b) => b.x1)), y1: Math.max(...boxes.map((b) => b.y1)) }
  const manifest: LayeredManifest = {
    id: c.id,
    name: c.name,
    version: 1,
    kind: 'layered-2d',
    width: SIZE,
    height: SIZE,
    fps: 30,
    description: c.description,
    preview: 'preview.png',
    layers: placedLayers as LayeredManifest['layers'],
    mouths,
    visemes: Object.fromEntries(VISEMES.map((v) => [v, VISEME_TO_MOUTH[v]!])) as LayeredManifest['visemes'],
    anchors: { neck: [512, 640], eyes: [[452, 430], [572, 430]], mouth: [512, 568] },
    mouthBox: { x: box.x0, y: box.y0, width: box.x1 - box.x0, height: box.y1 - box.y0 },
    idle: c.id === 'mira'
      ? { breathPeriodS: 3.6, breathScale: 0.006, swayDeg: 1.2, blinkPeriodS: 4.2, blinkMs: 140, saccadePx: 4 }
      : { breathPeriodS: 4.0, breathScale: 0.005, swayDeg: 0.9, blinkPeriodS: 5.0, blinkMs: 150, saccadePx: 3 },
    expressions: EXPRESSIONS[c.id],
  }
  const { problems } = validateManifest(manifest, `${c.id}/manifest.json`)
  if (problems.length) throw new Error(problems.join('\n'))
  writeFileSync(`${dir}manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`)
  console.log(`${c.id}: ${Object.keys(placedLayers).length} layers, ${Object.keys(mouths).length} mouths → public/avatars/${c.id}/`)
}
writeFileSync(`${root}public/avatars/index.json`, `${JSON.stringify({ avatars: index }, null, 2)}\n`)
await browser.close()
