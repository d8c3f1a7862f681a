/**
 * Face benchmarks in real Chromium (headless; WebGPU is SwiftShader — software rendering, and its
 * frames are read back because this browser cannot present a WebGPU canvas — so its numbers say
 * nothing about a real GPU):
 * - worker time to compute and draw one 512×512 frame, per renderer — and with an expression held
 *   (brows and eyes per half, the mouth bent), against without, in the same run;
 * - lip-sync from audio: worker time per 10 ms of audio;
 * - main-thread busy time per second while the face animates and talks (CDP trace), against the
 *   same page with no face.
 */
import { chromium, type Page } from '@playwright/test'
import { loadConfig } from '../../relay/config.ts'
import { startRelay } from '../../relay/node.ts'
import { type Benchmark, markdownTable, ms } from './harness.ts'
import { estimatedAgreement, lipsyncAgreement } from './lipsync-agreement.ts'

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const args = ['--disable-background-networking', '--disable-component-update', '--no-first-run', '--enable-unsafe-webgpu', '--autoplay-policy=no-user-gesture-required']
type Lab = Record<string, (...a: never[]) => Promise<unknown>>

interface Stats {
  renderer: string
  frames: number
  frameMs: number
  audioMsPer10ms: number
  audioHops: number
}

/**
 * Talks for `seconds` (a synthetic voice: tone bursts at speech rate), then returns the worker's
 * stats; with `expression`, held all along (it holds for 6 s: talks of up to 5 s).
 */
async function talk(page: Page, prefer: string, seconds: number, expression?: string): Promise<Stats & { fps: number }> {
  return page.evaluate(
    async ([p, s, e]) => {
      const lab = (window as unknown as { parleyLab: Lab }).parleyLab
      await lab.start!({ avatar: 'mira', prefer: p, size: 512 } as never)
      if (e) await lab.setExpression!(e as never, 1 as never)
      const rate = 24000
      const samples = new Float32Array(rate * s)
      for (let i = 0; i < samples.length; i++) {
        const syllable = Math.floor(i / (rate * 0.18))
        const on = (i / (rate * 0.18)) % 1 < 0.7
        samples[i] = on ? 0.3 * Math.sin((2 * Math.PI * (180 + (syllable % 5) * 60) * i) / rate) * Math.sin((2 * Math.PI * 3 * i) / rate) : 0
      }
      lab.setMood!('speaking' as never)
      const before = (await lab.stats!()) as Stats
      const t = performance.now()
      await lab.play!(samples as never, rate as never)
      const after = (await lab.stats!()) as Stats
      const frames = after.frames - before.frames
      return { ...after, fps: (frames / (performance.now() - t)) * 1000 }
    },
    [prefer, seconds, expression] as const,
  )
}

/** The page's main-thread busy time per second (CDP TaskDuration) over `seconds`, while `during` runs. */
export async function mainThreadBusy(page: Page, seconds: number, during: () => Promise<unknown> = async () => {}): Promise<number> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Performance.enable')
  const read = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics')
    const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]))
    return (m.TaskDuration ?? 0) * 1000
  }
  const start = await read()
  const t = Date.now()
  await Promise.all([during(), new Promise((r) => setTimeout(r, seconds * 1000))])
  return (await read() - start) / ((Date.now() - t) / 1000)
}

export const face: Benchmark = {
  name: 'face',
  async run() {
    const relay = await startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0' }), { log: () => {} })
    const browser = await chromium.launch({ executablePath: chromiumPath, args })
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 700 } })
      await page.goto(`${relay.url}/lab/avatar.html?manual`)
      await page.waitForSelector('body[data-ready="true"]')
      await talk(page, 'canvas2d', 1) // warm-up
      const canvas2d = await talk(page, 'canvas2d', 4)
      const webgpu = await talk(page, 'webgpu', 4)
      // The expression's cost: 'amused' moves everything (each brow and eye on its own, the mouth
      // bent), alternated with neutral so drift in the machine's load falls on both alike.
      const blend = { canvas2d: { neutral: [] as number[], amused: [] as number[] }, webgpu: { neutral: [] as number[], amused: [] as number[] } }
      for (let round = 0; round < 2; round++)
        for (const prefer of ['canvas2d', 'webgpu'] as const) {
          blend[prefer].neutral.push((await talk(page, prefer, 4)).frameMs)
          blend[prefer].amused.push((await talk(page, prefer, 4, 'amused')).frameMs)
        }
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
      const expression = Object.fromEntries(
        (['canvas2d', 'webgpu'] as const).map((r) => [r, { neutralMs: mean(blend[r].neutral), amusedMs: mean(blend[r].amused), ratio: mean(blend[r].amused) / mean(blend[r].neutral) }]),
      ) as Record<'canvas2d' | 'webgpu', { neutralMs: number; amusedMs: number; ratio: number }>
      // Main thread: a talking face (Canvas2D) against the same page with the face stopped.
      const talking = await mainThreadBusy(page, 4, () => talk(page, 'canvas2d', 4))
      // The face alone: animating (breathing, blinks, glances) with no audio playing.
      await page.evaluate(() => (window as unknown as { parleyLab: Lab }).parleyLab.start!({ avatar: 'mira', prefer: 'canvas2d', size: 512 } as never))
      const animating = await mainThreadBusy(page, 4, async () => {})
      await page.evaluate(() => document.querySelectorAll('canvas').forEach((c) => c.remove()))
      await page.reload()
      await page.waitForSelector('body[data-ready="true"]')
      const idle = await mainThreadBusy(page, 4, async () => {})

      const lipsync = lipsyncAgreement()
      const estimated = await estimatedAgreement()
      const data = { canvas2d, webgpu, expression, mainThreadMsPerSecond: { faceAnimating: animating, talking, idlePage: idle }, lipsync, estimated }
      const kinds = (r: typeof estimated) => `${(r.kindAgreement * 100).toFixed(0)}% (${Object.entries(r.byKind).map(([k, v]) => `${k} ${(v.agreement * 100).toFixed(0)}%`).join(', ')})`
      const table = markdownTable(
        ['metric', 'value', 'target'],
        [
          ['Canvas2D: worker time per 512×512 frame (pose + draw), mean', ms(canvas2d.frameMs), '≤ 2 ms'],
          ['Canvas2D: frames per second drawn while talking', canvas2d.fps.toFixed(1), '30 (the bundle’s fps)'],
          ['WebGPU on SwiftShader (software, frames read back): worker time per frame, mean', ms(webgpu.frameMs), 'software: not a GPU figure'],
          ['WebGPU on SwiftShader: frames per second', webgpu.fps.toFixed(1), ''],
          ['Canvas2D: worker time per frame, talking, neutral → with an expression held (amused), mean of 2 rounds', `${ms(expression.canvas2d.neutralMs)} → ${ms(expression.canvas2d.amusedMs)} (×${expression.canvas2d.ratio.toFixed(2)})`, 'both ≤ 2 ms'],
          ['WebGPU on SwiftShader: the same (CPU side: pose and uniforms, 11 → 16 draws)', `${ms(expression.webgpu.neutralMs)} → ${ms(expression.webgpu.amusedMs)} (×${expression.webgpu.ratio.toFixed(2)})`, ''],
          ['lip-sync from audio: worker time per 10 ms of audio (FFT + bands)', ms(canvas2d.audioMsPer10ms), '≤ 0.1 ms'],
          ['lip-sync from audio vs eSpeak NG’s true phonemes (speech.wav): mouth-shape kind agreement, per 10 ms', kinds(lipsync), 'chance ≈ 28%'],
          ['… jaw opening, correlation with the phoneme-driven track', lipsync.openingCorrelation.toFixed(2), ''],
          ['… mouth closed in the pauses', `${(lipsync.closedInSilence * 100).toFixed(0)}%`, ''],
          ['eSpeak NG voice: its phonemes laid over its audio (estimated timings) vs the true ones: kind agreement', kinds(estimated), ''],
          ['… jaw opening correlation', estimated.openingCorrelation.toFixed(2), ''],
          ['main-thread busy time per second, face animating (CDP TaskDuration)', ms(animating), '≈ 0'],
          ['… face talking: adds the playback (level meter, clock and speech messages)', ms(talking), ''],
          ['main-thread busy time per second, same page without a face', ms(idle), 'baseline'],
        ],
      )
      return { name: this.name, data, table }
    } finally {
      await browser.close()
      await relay.close()
    }
  },
}
