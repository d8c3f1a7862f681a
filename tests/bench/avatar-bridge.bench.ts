/**
 * Remote avatar benchmarks, against the fake OmniRT (no model compute, or a set render time):
 * - the relay's bridge: round trip of one audio chunk → its video reply, through the relay vs
 *   straight to the server, for OmniRT's native protocol and a compat server (lock-step);
 * - in Chromium: a reply handed to playback → its first remote frame drawn, and the A/V offset
 *   (each picture against the voice heard with it), for a fast backend and a 1 s-latency one,
 *   with the voice held back by what the face measured.
 */
import { execFileSync } from 'node:child_process'
import { chromium } from '@playwright/test'
import { WebSocket } from 'ws'
import { loadConfig } from '../../relay/config.ts'
import { startRelay } from '../../relay/node.ts'
import { startFakeOmniRt } from '../fakes/omnirt-upstream.ts'
import { solidJpeg } from '../fakes/solid-jpeg.ts'
import { openRemoteLab, shiftsInFrames, watchReply } from '../e2e/remote-sync.ts'
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
    // FlashTalk-like: 1.12 s chunks of 28 frames, a second to render each.
    const slow = await startFakeOmniRt({ chunkSamples: 17920, frames: 'chunk', lookahead: 0, renderMs: 1000 })
    const relay = await startRelay(
      loadConfig({ HOST: '127.0.0.1', PORT: '0', OMNIRT_ENDPOINT: omnirt.url, OMNIRT_API_KEY: KEY, AVATAR_QUICKTALK_BACKEND: 'omnirt', AVATAR_WAV2LIP_WS_URL: `${compat.url.replace('http', 'ws')}/v1/audio2video/wav2lip`, AVATAR_FLASHTALK_WS_URL: `${slow.url.replace('http', 'ws')}/v1/audio2video/flashtalk`, AVATAR_DEMO_BACKEND: 'mock' }),
      { log: () => {}, distDir: `${root}build/bench` },
    )
    const viaRelay = (model: string) => `${relay.url.replace('http', 'ws')}/api/v1/avatar/${model}`
    try {
      const directNative = summarize(await roundTrips(`${omnirt.url.replace('http', 'ws')}/v1/avatar/realtime`, 'native', { authorization: `Bearer ${KEY}` }))
      const relayNative = summarize(await roundTrips(viaRelay('quicktalk'), 'native', {}, ['parley']))
      const directCompat = summarize(await roundTrips(`${compat.url.replace('http', 'ws')}/v1/audio2video/wav2lip`, 'compat'))
      const relayCompat = summarize(await roundTrips(viaRelay('wav2lip'), 'native', {}, ['parley']))
      const mock = summarize(await roundTrips(viaRelay('demo'), 'native', {}, ['parley']))

      // In the browser: a reply handed to playback → its first remote frame drawn, and how far
      // each picture is from the voice heard with it — against the fast fake and a 1 s-latency one.
      const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--autoplay-policy=no-user-gesture-required'] })
      const inBrowser: Record<string, { firstFrame: number[]; audible: number[]; shifts: number[]; delayMs: number; remoteShare: number; backendFirstFrameMs?: unknown }> = {}
      try {
        for (const model of ['quicktalk', 'flashtalk']) {
          const page = await browser.newPage()
          await openRemoteLab(page, relay.url, model)
          const runs = []
          for (let i = 0; i < 5; i++) runs.push(await watchReply(page, model === 'flashtalk' ? 3 : 1.5, 40, 60))
          const seen = runs.flatMap((w) => w.seen)
          inBrowser[model] = {
            firstFrame: runs.flatMap((w) => (w.firstFrameMs === null ? [] : [w.firstFrameMs])),
            audible: runs.flatMap((w) => (w.audibleMs === null ? [] : [w.audibleMs])),
            shifts: runs.flatMap((w) => shiftsInFrames(w, 40)).filter(Number.isFinite).map((f) => f * 40),
            delayMs: runs.at(-1)!.delayMs,
            remoteShare: seen.filter((x) => x.source === 'remote').length / (seen.length || 1),
            backendFirstFrameMs: runs.at(-1)!.stats.remoteBackendFirstFrameMs,
          }
          await page.close()
        }
      } finally {
        await browser.close()
      }
      const abs = (xs: number[]) => xs.map(Math.abs)
      const data = { roundTripMs: { directNative, relayNative, directCompat, relayCompat, mock }, browser: inBrowser, chunkMs: (CHUNK / 16000) * 1000, frameIntervalMs: 1000 / FPS }
      const added = (a: typeof directNative, b: typeof directNative) => `${ms(b.p50 - a.p50)} / ${ms(b.p99 - a.p99)}`
      const browserRows = Object.entries(inBrowser).flatMap(([model, b]) => {
        const first = summarize(b.firstFrame)
        const audible = summarize(b.audible)
        const off = summarize(abs(b.shifts))
        const what = model === 'flashtalk' ? '1 s-latency backend (1.12 s chunks, 1 s render)' : 'fast backend (160 ms chunks, one-chunk lookahead)'
        return [
          [`browser, ${what}: reply start → first remote frame drawn (p50 / max, ${first.n} replies; the voice waits ${ms(b.delayMs)})`, '', `${ms(first.p50)} / ${ms(Math.max(...b.firstFrame))} (voice first heard: ${ms(audible.p50)})`, '', 'with the voice, within a frame'],
          [`… A/V offset, picture vs. voice heard (mean / max of |offset|, ${off.n} snapshots; ${(b.remoteShare * 100).toFixed(0)}% remote)`, '', `${ms(off.mean)} / ${ms(Math.max(...abs(b.shifts)))}`, '', `≤ one frame (${ms(1000 / FPS)})`],
        ]
      })
      const table = markdownTable(
        ['metric (fake server)', 'direct', 'through the relay', 'added p50 / p99', 'target'],
        [
          ['chunk → video round trip, OmniRT native (p50)', ms(directNative.p50), ms(relayNative.p50), added(directNative, relayNative), '≤ 2 ms p50'],
          ['… compat server, lock-step (p50)', ms(directCompat.p50), ms(relayCompat.p50), added(directCompat, relayCompat), '≤ 2 ms p50'],
          ['… built-in mock (frames from the reference image; p50 / p99)', '', `${ms(mock.p50)} / ${ms(mock.p99)}`, '', ''],
          ...browserRows,
        ],
      )
      return { name: this.name, data, table }
    } finally {
      await relay.close()
      await omnirt.close()
      await compat.close()
      await slow.close()
    }
  },
}

