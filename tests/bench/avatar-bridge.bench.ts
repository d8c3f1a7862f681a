/**
 * Remote avatar benchmarks, against the fake OmniRT with no model compute:
 * - the relay's bridge: round trip of one audio chunk → its video reply, through the relay vs
 *   straight to the server, for OmniRT's native protocol and a compat server (lock-step);
 * - in Chromium: a reply's first audio chunk sent → its first remote frame drawn, against the
 *   protocol's own lookahead (the first chunk's answer carries no frames).
 */
import { execFileSync } from 'node:child_process'
import { chromium } from '@playwright/test'
import { WebSocket } from 'ws'
import { loadConfig } from '../../relay/config.ts'
import { startRelay } from '../../relay/node.ts'
import { startFakeOmniRt } from '../fakes/omnirt-upstream.ts'
import { solidJpeg } from '../fakes/solid-jpeg.ts'
import { type Benchmark, markdownTable, ms, root, summarize } from './harness.ts'

const KEY = 'bench-omnirt-key'
const ROUNDS = 300
const CHUNK = 2560
const FPS = 25
const IMAGE = Buffer.from(solidJpeg(64, 64, 128, 8)).toString('base64')
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Opens a session (native or compat messages) and times ROUNDS chunk → reply round trips. */
async function roundTrips(url: string, protocol: 'native' | 'compat', headers: Record<string, string> = {}, subprotocols: string[] = []): Promise<number[]> {
  const ws = new WebSocket(url, subprotocols, { headers })
  await new Promise<void>((r, j) => (ws.once('open', () => r()), ws.once('error', j)))
  // Every message queued as it comes (two can arrive in one tick), taken in order.
  const inbox: (Buffer | string)[] = []
  let wake: (() => void) | undefined
  ws.on('message', (d: Buffer, binary) => {
    inbox.push(binary ? d : d.toString())
    wake?.()
  })
  const next = async (): Promise<Buffer | string> => {
    while (!inbox.length) await new Promise<void>((r) => (wake = r))
    return inbox.shift()!
  }
  ws.send(JSON.stringify(protocol === 'native' ? { type: 'session.create', inputs: { image_b64: IMAGE }, config: {} } : { type: 'init', ref_image: IMAGE }))
  await next()
  const chunk = Buffer.alloc(4 + CHUNK * 2)
  chunk.write('AUDI', 0, 'latin1')
  const times: number[] = []
  for (let i = 0; i < ROUNDS + 20; i++) {
    const t = performance.now()
    ws.send(chunk)
    // Native and the relay send metrics, then the frames: wait for the binary reply.
    for (;;) if (typeof (await next()) !== 'string') break
    if (i >= 20) times.push(performance.now() - t)
  }
  ws.close()
  return times
}

export const avatarBridge: Benchmark = {
  name: 'avatar-bridge',
  async run() {
    execFileSync(`${root}node_modules/.bin/vite`, ['build', '--mode', 'bench', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' })
    const omnirt = await startFakeOmniRt({ apiKey: KEY, serving: { quicktalk: 'runtime' }, chunkSamples: CHUNK, frames: 'chunk' })
    const compat = await startFakeOmniRt({ chunkSamples: CHUNK, frames: 'chunk', lookahead: 1 })
    const relay = await startRelay(
      loadConfig({ HOST: '127.0.0.1', PORT: '0', OMNIRT_ENDPOINT: omnirt.url, OMNIRT_API_KEY: KEY, AVATAR_QUICKTALK_BACKEND: 'omnirt', AVATAR_WAV2LIP_WS_URL: `${compat.url.replace('http', 'ws')}/v1/audio2video/wav2lip`, AVATAR_DEMO_BACKEND: 'mock' }),
      { log: () => {}, distDir: `${root}build/bench` },
    )
    const viaRelay = (model: string) => `${relay.url.replace('http', 'ws')}/api/v1/avatar/${model}`
    try {
      const directNative = summarize(await roundTrips(`${omnirt.url.replace('http', 'ws')}/v1/avatar/realtime`, 'native', { authorization: `Bearer ${KEY}` }))
      const relayNative = summarize(await roundTrips(viaRelay('quicktalk'), 'native', {}, ['parley']))
      const directCompat = summarize(await roundTrips(`${compat.url.replace('http', 'ws')}/v1/audio2video/wav2lip`, 'compat'))
      const relayCompat = summarize(await roundTrips(viaRelay('wav2lip'), 'native', {}, ['parley']))
      const mock = summarize(await roundTrips(viaRelay('demo'), 'native', {}, ['parley']))

      // In the browser: first chunk sent → first frame drawn, five replies.
      const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--autoplay-policy=no-user-gesture-required'] })
      let firstFrame: number[] = []
      try {
        const page = await browser.newPage()
        await page.goto(`${relay.url}/lab/avatar.html?manual`)
        await page.waitForSelector('body[data-ready="true"]')
        firstFrame = await page.evaluate(async () => {
          const lab = (window as unknown as { parleyLab: Record<string, (...a: unknown[]) => Promise<unknown> | unknown> }).parleyLab
          await lab.start!({ avatar: 'mira', prefer: 'canvas2d', size: 256, remote: 'quicktalk' })
          const out: number[] = []
          for (let i = 0; i < 6; i++) {
            const samples = new Float32Array(24000).map((_, k) => 0.3 * Math.sin(k / 7))
            await lab.play!(samples, 24000)
            const s = (await lab.stats!()) as { remoteFirstFrameMs?: number }
            if (i > 0 && s.remoteFirstFrameMs !== undefined) out.push(s.remoteFirstFrameMs)
          }
          return out
        })
      } finally {
        await browser.close()
      }
      const first = summarize(firstFrame)
      const chunkMs = (CHUNK / 16000) * 1000
      const data = { roundTripMs: { directNative, relayNative, directCompat, relayCompat, mock }, firstFrameMs: first, chunkMs, frameIntervalMs: 1000 / FPS }
      const added = (a: typeof directNative, b: typeof directNative) => `${ms(b.p50 - a.p50)} / ${ms(b.p99 - a.p99)}`
      const table = markdownTable(
        ['metric (fake server, no compute)', 'direct', 'through the relay', 'added p50 / p99', 'target'],
        [
          ['chunk → video round trip, OmniRT native (p50)', ms(directNative.p50), ms(relayNative.p50), added(directNative, relayNative), '≤ 2 ms p50'],
          ['… compat server, lock-step (p50)', ms(directCompat.p50), ms(relayCompat.p50), added(directCompat, relayCompat), '≤ 2 ms p50'],
          ['… built-in mock (frames from the reference image; p50 / p99)', '', `${ms(mock.p50)} / ${ms(mock.p99)}`, '', ''],
          [`browser: a reply's first chunk sent → first remote frame drawn (p50 / max, ${first.n} replies)`, '', `${ms(first.p50)} / ${ms(Math.max(...firstFrame))}`, '', `frames come with the 2nd chunk's answer; ≤ one frame (${ms(1000 / FPS)}) beyond that`],
        ],
      )
      return { name: this.name, data, table }
    } finally {
      await relay.close()
      await omnirt.close()
      await compat.close()
    }
  },
}

