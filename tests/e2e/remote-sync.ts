/**
 * Watching a remote avatar's reply in /lab/avatar.html: the lab plays a voice whose loudness
 * steps every 40 ms (a 250 Hz tone, 24 steps, then again), the fake OmniRT paints each frame the
 * grey of the loudness it was made from (omnirt-runtime.ts), and snapshots taken while it plays
 * are matched with what the listener hears at that moment (the playback clock). `shiftMs` is how
 * far the picture is from the voice: 0 when lips and voice go together, negative when the picture
 * is behind.
 */
import type { Page } from '@playwright/test'

export interface Seen {
  /** The voice the listener hears at the snapshot (ms into the reply). */
  heardMs: number
  source: string
  grey: number
  /** The picture's audio minus the heard audio (ms, whole frame windows); null: no match (not a frame of this voice). */
  shiftMs: number | null
}

export interface Watched {
  seen: Seen[]
  /** The reply handed to playback → its first remote frame drawn (ms). */
  firstFrameMs: number | null
  /** The reply handed to playback → its voice first heard (ms). */
  audibleMs: number | null
  stats: Record<string, unknown>
  delayMs: number
}

/**
 * Plays `seconds` of the stepped voice as one reply and watches it. `windowMs`: the span one
 * frame stands for (chunk duration / frames per chunk). Runs entirely in the page.
 */
export async function watchReply(page: Page, seconds: number, windowMs: number, everyMs = 90): Promise<Watched> {
  // Run through tsx (the bench), the function below carries esbuild's __name helper: give the page one.
  await page.evaluate('window.__name = window.__name || ((f) => f)')
  return page.evaluate(
    async ([seconds, windowMs, everyMs]) => {
      type Lab = Record<string, (...a: unknown[]) => unknown>
      const lab = (window as unknown as { parleyLab: Lab }).parleyLab
      const rate = 24000
      const STEP_MS = 40
      const STEPS = 24
      // Past the end the model got the padding: silence.
      const level = (step: number) => (step * STEP_MS >= seconds * 1000 ? 0 : 0.05 + 0.02 * (((step % STEPS) + STEPS) % STEPS))
      const samples = new Float32Array(Math.round(rate * seconds)).map((_, i) => level(Math.floor((i / rate) * 1000 / STEP_MS)) * Math.sin((2 * Math.PI * 250 * i) / rate))
      // The fake's grey for a frame made from audio [from, from + windowMs): 20 + mean|x| × 400.
      const greyFor = (from: number) => {
        let sum = 0
        const steps = windowMs / STEP_MS
        for (let k = 0; k < steps; k++) sum += level(Math.round(from / STEP_MS) + k)
        return 20 + ((sum / steps) * 2 / Math.PI) * 400
      }
      // Within half the pattern's period either way, every window has its own grey.
      const maxShift = Math.floor((STEPS * STEP_MS) / windowMs / 2) - 1
      const playing = lab.play!(samples, rate) as Promise<void>
      let done = false
      void playing.then(() => (done = true))
      const seen: { heardMs: number; source: string; grey: number; shiftMs: number | null }[] = []
      while (!done) {
        await new Promise((r) => setTimeout(r, everyMs))
        const s = (await lab.snapshot!()) as { at: number; source: string; width: number; height: number; pixels: Uint8ClampedArray }
        const clock = lab.playbackMs!() as { at: number; audioMs: number; playing: boolean } | null
        if (!clock?.playing) continue
        const heardMs = clock.audioMs - (clock.at - s.at)
        if (heardMs < 0 || heardMs >= seconds * 1000) continue
        const grey = s.pixels[((s.height >> 1) * s.width + (s.width >> 1)) * 4]!
        const window0 = Math.floor(heardMs / windowMs) * windowMs
        let shiftMs: number | null = null
        for (let d = 0; d <= maxShift && shiftMs === null; d++) for (const sd of d ? [-d, d] : [0]) if (shiftMs === null && Math.abs(grey - greyFor(window0 + sd * windowMs)) <= 2) shiftMs = sd * windowMs
        seen.push({ heardMs, source: s.source, grey, shiftMs })
      }
      await playing
      const reply = lab.lastReply!() as { startAt?: number; audibleAt?: number; firstFrameAt?: number; audioDelayMs: number }
      const since = (at?: number) => (at && reply.startAt ? at - reply.startAt : null)
      return { seen, firstFrameMs: since(reply.firstFrameAt), audibleMs: since(reply.audibleAt), stats: (await lab.stats!()) as Record<string, unknown>, delayMs: reply.audioDelayMs }
    },
    [seconds, windowMs, everyMs] as const,
  )
}

/** Opens the lab with a remote model and waits until its session is ready (warm-up included). */
export async function openRemoteLab(page: Page, relayUrl: string, remote: string, maxDelayMs?: number) {
  await page.goto(`${relayUrl}/lab/avatar.html?manual`)
  await page.waitForSelector('body[data-ready="true"]')
  await page.evaluate(([remote, maxDelayMs]) => (window as unknown as { parleyLab: Record<string, (o: unknown) => Promise<unknown>> }).parleyLab.start!({ avatar: 'mira', prefer: 'canvas2d', size: 256, remote, maxDelayMs }), [remote, maxDelayMs] as const)
  for (let i = 0; i < 200; i++) {
    const state = await page.evaluate(() => ((window as unknown as { parleyLab: Record<string, () => { state: string }> }).parleyLab.remoteState!()).state)
    if (state === 'ready') return
    if (state === 'failed') throw new Error('the remote avatar failed to connect')
    await page.waitForTimeout(100)
  }
  throw new Error('the remote avatar did not become ready')
}

/** The picture's distance from the voice, in frames of `frameMs`, for the remote snapshots. */
export const shiftsInFrames = (w: Watched, frameMs: number) => w.seen.filter((s) => s.source === 'remote').map((s) => (s.shiftMs === null ? NaN : s.shiftMs / frameMs))
