/**
 * Realtime as the brain (WS /api/v1/realtime), against the strict fake Realtime server:
 * - what the relay adds to each event: a delta-sized event's round trip (the fake echoes
 *   conversation.item.create as conversation.item.added), direct to the fake vs through the relay
 *   on loopback; and a whole 1000-delta audio answer's time, direct vs relayed;
 * - in the real app (Chromium, fake microphone on speech.wav): the end of the user's speech → the
 *   answer's first audible sample, with an instant fake, for both turn detections;
 * - barge-in with the answer streaming from the model through the relay: the user's first sound
 *   → silence, with the real VAD worker, turn machine and playback (web/bench/main.ts).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { chromium } from '@playwright/test'
import { WebSocket } from 'ws'
import { loadConfig } from '../../relay/config.ts'
import { startRelay } from '../../relay/node.ts'
import { decodeWav } from '../../web/lib/audio/wav.ts'
import { startFakeRealtime, type FakeRealtimeOptions } from '../fakes/realtime-upstream.ts'
import { baseArgs, chromiumPath, spokenConversation, type Timestamps } from './conversation.ts'
import { type Benchmark, markdownTable, ms, percentile, root, summarize } from './harness.ts'

const KEY = 'sk-bench-not-a-real-key'
const ROUND_TRIPS = 400
const TURN_LAUNCHES = 3
const BARGE_IN_RUNS = 20
/** An audio delta's size: 100 ms of 24 kHz PCM16, base64. */
const DELTA_TEXT = 'x'.repeat(6400)

type Bench = { parleyBench: Record<string, (...a: unknown[]) => Promise<unknown>> }

async function connect(url: string, headers: Record<string, string>) {
  const ws = new WebSocket(url, { headers })
  const queue: Record<string, unknown>[] = []
  let wake: () => void = () => {}
  ws.on('message', (d) => (queue.push(JSON.parse(d.toString()) as Record<string, unknown>), wake()))
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)))
  const next = async (type: string) => {
    for (;;) {
      const i = queue.findIndex((m) => m.type === type)
      if (i >= 0) return queue.splice(0, i + 1).at(-1)!
      await new Promise<void>((r) => (wake = r))
    }
  }
  await next('session.created')
  return { ws, next, send: (m: unknown) => ws.send(JSON.stringify(m)) }
}

/** Round trips of a delta-sized event, and one long answer's time, on one connection. */
async function measure(url: string, headers: Record<string, string>) {
  const c = await connect(url, headers)
  const rtt: number[] = []
  for (let i = 0; i < ROUND_TRIPS + 20; i++) {
    const t = performance.now()
    c.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: DELTA_TEXT }] } })
    await c.next('conversation.item.added')
    if (i >= 20) rtt.push(performance.now() - t) // the first ones warm up both ends
  }
  const t = performance.now()
  c.send({ type: 'response.create' })
  await c.next('response.done')
  const answerMs = performance.now() - t
  c.ws.close()
  return { rtt, answerMs }
}

export const realtime: Benchmark = {
  name: 'realtime',
  async run() {
    execFileSync(`${root}node_modules/.bin/vite`, ['build', '--mode', 'bench', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' })
    const QUESTION = 'Hello Parley, can you hear me clearly today?'
    const fakes: Awaited<ReturnType<typeof startFakeRealtime>>[] = []
    const relays: Awaited<ReturnType<typeof startRelay>>[] = []
    const stack = async (options: FakeRealtimeOptions) => {
      const fake = await startFakeRealtime({ apiKey: KEY, transcript: QUESTION, ...options })
      const relay = await startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0', REALTIME_URL: fake.url, REALTIME_API_KEY: KEY, PARLEY_RATE_LIMIT: '0' }), { distDir: `${root}build/bench`, log: () => {} })
      fakes.push(fake)
      relays.push(relay)
      return { fake, relay }
    }
    const browser = await chromium.launch({ executablePath: chromiumPath, args: baseArgs })
    try {
      // 1. What the relay adds per event. 1000 deltas of 100 ms, sent back to back.
      const wire = await stack({ answer: { text: 'A long answer.', audioMs: 100_000 }, pace: 'instant' })
      const direct = await measure(`${wire.fake.url}?model=gpt-realtime`, { authorization: `Bearer ${KEY}` })
      const relayed = await measure(`${wire.relay.url.replace('http', 'ws')}/api/v1/realtime?model=gpt-realtime`, {})
      const d = summarize(direct.rtt)
      const r = summarize(relayed.rtt)

      // 2. Speech end → first audible sample in the app, with an instant fake.
      const instant = await stack({ answer: { text: 'Yes, I hear you well.', audioMs: 600 }, pace: 'instant' })
      const turns = { model: [] as Timestamps[], parley: [] as Timestamps[] }
      for (const mode of ['model', 'parley'] as const) for (let i = 0; i < TURN_LAUNCHES; i++) turns[mode].push(...(await spokenConversation(instant.relay.url, { brain: 'realtime', realtimeTurns: mode })))
      const total = (ts: Timestamps[]) => summarize(ts.filter((t) => t.playbackStart && t.speechEnd).map((t) => t.playbackStart! - t.speechEnd!))
      const step = (ts: Timestamps[], a: string, b: string) => summarize(ts.filter((t) => t[a] && t[b]).map((t) => t[b]! - t[a]!))

      // 3. Barge-in while the model's answer streams in through the relay.
      const streaming = await stack({ answer: { text: 'A long story, told slowly.', audioMs: 8000 }, pace: 'realtime' })
      const page = await browser.newPage()
      await page.goto(`${streaming.relay.url}/bench/index.html`)
      await page.waitForSelector('body[data-ready="true"]')
      const fixture = JSON.parse(readFileSync(`${root}tests/fixtures/speech.json`, 'utf8')) as { files: Record<string, { speech: { start: number }[] }> }
      const second = fixture.files['speech.wav']!.speech[1]!
      const { samples } = decodeWav(readFileSync(`${root}tests/fixtures/speech.wav`))
      const socket = `${streaming.relay.url.replace('http', 'ws')}/api/v1/realtime`
      const bargeIn = (await page.evaluate(
        ([a, from, start, runs, url]) => (window as never as Bench).parleyBench.bargeIn!(Float32Array.from(a), from, start, runs, { url, model: 'gpt-realtime' }),
        [Array.from(samples), Math.round((second.start - 1) * 16000), Math.round(second.start * 16000), BARGE_IN_RUNS, socket] as const,
      )) as { latencyMs: number; detectMs: number; silenceMs: number }[]
      const latencies = bargeIn.map((b) => b.latencyMs).sort((a, b) => a - b)

      const data = {
        perEvent: { direct: d, relayed: r, addedRoundTripP50: r.p50 - d.p50, addedRoundTripP99: r.p99 - d.p99 },
        longAnswer: { deltas: 1000, directMs: direct.answerMs, relayedMs: relayed.answerMs, addedPerDeltaMs: (relayed.answerMs - direct.answerMs) / 1000 },
        turn: Object.fromEntries((['model', 'parley'] as const).map((m) => [m, { turns: turns[m].length, total: total(turns[m]), transcript: step(turns[m], 'speechEnd', 'asrFinal'), firstWords: step(turns[m], 'asrFinal', 'llmFirstToken'), firstAudio: step(turns[m], 'asrFinal', 'ttsFirstAudio'), audible: step(turns[m], 'ttsFirstAudio', 'playbackStart') }])),
        bargeIn: { runs: bargeIn, latency: summarize(latencies), p95: percentile(latencies, 95), detect: summarize(bargeIn.map((b) => b.detectMs)), silence: summarize(bargeIn.map((b) => b.silenceMs)) },
      }
      const p = (s: { p50: number; p99: number }) => `${ms(s.p50)} / ${ms(s.p99)}`
      const table = markdownTable(
        ['metric (p50 / p99 where two)', 'value', 'note'],
        [
          [`round trip of a delta-sized event (6.4 KB), direct to the fake (${ROUND_TRIPS})`, p(d), ''],
          ['… through the relay (checked, counted, passed on both ways)', p(r), ''],
          ['**relay overhead per event** (round trip added, p50 / p99)', `**${ms(data.perEvent.addedRoundTripP50)} / ${ms(data.perEvent.addedRoundTripP99)}**`, 'client, relay and fake share one process: a p99 difference this small is noise'],
          ['a 1000-delta answer (100 s of audio, sent back to back): direct / relayed', `${ms(direct.answerMs)} / ${ms(relayed.answerMs)}`, `${ms(data.longAnswer.addedPerDeltaMs)} added per delta (the fake's timer per delta sets the pace)`],
          ...(['model', 'parley'] as const).flatMap((m) => {
            const t = data.turn[m]!
            const who = m === 'model' ? 'the model’s VAD' : 'Parley’s VAD'
            return [
              [`**speech end → first audible sample**, ${who}, instant fake (${t.turns} turns)`, `**${p(t.total)}**`, m === 'model' ? 'the fake’s VAD waits 500 ms of silence as Parley’s does' : ''],
              ['… speech end → the model’s transcript', p(t.transcript), m === 'model' ? 'the audio is there already' : 'segment up, commit, transcript'],
              ['… transcript → first audio delta', p(t.firstAudio), ''],
              ['… first audio delta → audible (playback, output latency)', p(t.audible), ''],
            ]
          }),
          [`barge-in, the answer streaming through the relay: user speech starts → silent (p50 / p95, ${bargeIn.length} runs)`, `${ms(data.bargeIn.latency.p50)} / ${ms(data.bargeIn.p95)}`, '≤ 100 ms p95'],
          ['… of which VAD detection / silencing', `${ms(data.bargeIn.detect.p50)} / ${ms(data.bargeIn.silence.p50)}`, ''],
        ],
      )
      return { name: this.name, data, table }
    } finally {
      await browser.close()
      for (const r of relays) await r.close()
      for (const f of fakes) await f.close()
    }
  },
}
