// Voice and lips together with a remote avatar whose frames take time: the face measures the
// pipeline (a warm-up at connect, then every answer) and the voice waits that long, so each
// picture is shown with the audio it was made from; a backend slower than the allowed wait shows
// 'syncing' instead of old pictures; and a conversation of interrupted answers keeps its video.
import { expect, test } from '@playwright/test'
import { startFakeOmniRt, type FakeOmniRt } from '../fakes/omnirt-upstream.ts'
import { openRemoteLab, shiftsInFrames, watchReply } from './remote-sync.ts'
import { fakeLlm, startVoiceRelay } from './stack.ts'

test.setTimeout(120_000)
let flashtalk: FakeOmniRt
let quicktalk: FakeOmniRt
let relay: Awaited<ReturnType<typeof startVoiceRelay>>

test.beforeAll(async () => {
  // FlashTalk-like: 1.12 s chunks of 28 frames, each taking a second to render: a backend with a 1 s latency.
  flashtalk = await startFakeOmniRt({ chunkSamples: 17920, frames: 'chunk', lookahead: 0, renderMs: 1000 })
  // QuickTalk-like, 100 ms to render each 160 ms chunk: an answer cut short has chunks in flight.
  quicktalk = await startFakeOmniRt({ serving: { quicktalk: 'runtime' }, chunkSamples: 2560, frames: 'chunk', lookahead: 1, renderMs: 100 })
  relay = await startVoiceRelay({
    OMNIRT_ENDPOINT: quicktalk.url,
    AVATAR_MODELS: 'soulx-flashtalk-14b,quicktalk',
    AVATAR_QUICKTALK_BACKEND: 'omnirt',
    AVATAR_SOULX_FLASHTALK_14B_WS_URL: `${flashtalk.url.replace('http', 'ws')}/v1/audio2video/flashtalk`,
  })
})
test.afterAll(async () => {
  await relay.close()
  await flashtalk.close()
  await quicktalk.close()
})

test('with a 1 s-latency backend the voice waits for the frames: every picture is within a frame of the voice', async ({ page }) => {
  await openRemoteLab(page, relay.url, 'soulx-flashtalk-14b')
  const w = await watchReply(page, 4, 40, 70)
  // The warm-up measured the backend: the voice waits about a second (bounded by 1.5 s).
  expect(w.delayMs).toBeGreaterThanOrEqual(1000)
  expect(w.delayMs).toBeLessThanOrEqual(1500)
  const remote = w.seen.filter((s) => s.source === 'remote')
  expect(remote.length, JSON.stringify(w.seen)).toBeGreaterThan(w.seen.length * 0.5)
  for (const shift of shiftsInFrames(w, 40)) expect(Math.abs(shift), JSON.stringify(w.seen)).toBeLessThanOrEqual(1)
  // The first remote picture is the reply's start, seen as the voice starts.
  expect(w.firstFrameMs!).toBeGreaterThanOrEqual(w.delayMs - 50)
})

test("a backend slower than the allowed wait shows 'syncing', never a picture from before", async ({ page }) => {
  await openRemoteLab(page, relay.url, 'soulx-flashtalk-14b', 200)
  const w = await watchReply(page, 3, 40, 70)
  expect(w.delayMs).toBe(200)
  expect(w.seen.some((s) => s.source === 'syncing'), JSON.stringify(w.seen)).toBe(true)
  for (const shift of shiftsInFrames(w, 40)) expect(Math.abs(shift), JSON.stringify(w.seen)).toBeLessThanOrEqual(1)
})

test('ten answers in a row, each interrupted: every one shows remote video, and the session log has its first frame', async ({ page }) => {
  quicktalk.reset()
  await page.goto(`${relay.url}/lab/session.html?manual`)
  type Lab = Record<string, (...a: unknown[]) => unknown>
  const lab = <T>(name: string, ...args: unknown[]) => page.evaluate(([n, a]) => (window as unknown as { parleySessionLab: Lab }).parleySessionLab[n as string]!(...(a as unknown[])), [name, args] as const) as Promise<T>
  await lab('create', { remoteAvatar: 'quicktalk' })
  await lab('ready')
  await expect.poll(() => lab<{ remote: { state: string } }>('faceState').then((f) => f.remote.state), { timeout: 20_000 }).toBe('ready')
  const LONG = Array.from({ length: 8 }, (_, i) => `This is sentence number ${i + 1} of a long answer.`).join(' ')
  type Log = { turns: { interrupted: boolean; timestamps: Record<string, number | null> }[] }
  for (let i = 0; i < 10; i++) {
    const frames = (await lab<{ remoteFrames: number }>('faceStats')).remoteFrames
    await fakeLlm.next({ kind: 'reply', text: LONG, chunkDelayMs: 5 })
    await lab('send', `question ${i + 1}`)
    // This answer's first remote frame was drawn (the log's mark), then a few more: then cut in.
    await expect.poll(async () => (await lab<Log>('log')).turns[i]?.timestamps.firstFrame ?? null, { timeout: 20_000, message: `answer ${i + 1}` }).not.toBeNull()
    await expect.poll(async () => (await lab<{ remoteFrames: number }>('faceStats')).remoteFrames, { timeout: 10_000, message: `answer ${i + 1}` }).toBeGreaterThan(frames + 5)
    await lab('stop')
    await expect.poll(() => lab<{ turnId?: string; kind: string }[]>('events').then((e) => e.filter((x) => x.kind === 'turn.interrupted').length), { timeout: 10_000 }).toBe(i + 1)
    await lab('idle')
  }
  const log = await lab<Log>('log')
  expect(log.turns).toHaveLength(10)
  for (const [i, t] of log.turns.entries()) {
    expect(t.interrupted, `turn ${i + 1}`).toBe(true)
    expect(t.timestamps.firstFrame, `turn ${i + 1}`).toBeGreaterThan(0)
  }
  // One connection to OmniRT; each interruption with audio in flight re-created its session on it.
  expect(quicktalk.sessions).toHaveLength(1)
  const upstream = quicktalk.sessions[0]!
  expect(upstream.messages.filter((m) => m.type === 'session.cancel').length).toBeGreaterThan(0)
  // The last cancel's re-create follows its session.cancelled, off the answer's path: it may still be on its way.
  await expect.poll(() => upstream.created.length - upstream.messages.filter((m) => m.type === 'session.cancel').length, { timeout: 10_000 }).toBe(1)
  expect(quicktalk.tracebacks()).toEqual([])
})
