import { chromium } from '@playwright/test'
import { root } from './harness.ts'

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const baseArgs = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required']

export type Timestamps = Record<string, number | null>

export interface SessionLog {
  turns: { user: string; timestamps: Timestamps }[]
  turnTaking?: { ahead: { started: number; committed: number; abandoned: number; wasted: { llm: number; tts: number; asr: number } }; pauses: { recognised: number; reused: number; discarded: number }; turnModel: string }
}

/**
 * One spoken conversation in the real app: a fresh Chromium whose microphone plays speech.wav
 * (its three questions), the given settings, and each turn's timestamps from the session log
 * the app exports (DESIGN §7).
 */
export async function spokenConversation(url: string, settings: Record<string, unknown>, fixture = 'speech.wav', turns = 3): Promise<Timestamps[]> {
  return (await spokenSession(url, settings, fixture, turns)).turns.map((t) => t.timestamps)
}

/** The same, returning the whole session log (its turn-taking counts too). */
export async function spokenSession(url: string, settings: Record<string, unknown>, fixture = 'speech.wav', turns = 3): Promise<SessionLog> {
  const withMic = await chromium.launch({
    executablePath: chromiumPath,
    args: [...baseArgs, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${root}tests/fixtures/${fixture}%noloop`],
  })
  try {
    const page = await withMic.newPage()
    await page.goto(url)
    await page.evaluate((s) => localStorage.setItem('parley.settings.v1', JSON.stringify({ showTimings: true, ...s })), settings)
    await page.reload()
    await page.getByTestId('mic-toggle').click()
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="message-assistant"]:is([data-status="done"], [data-status="stopped"])').length >= n, turns, { timeout: 40_000 }).catch(async (err: unknown) => {
      const seen = await page.evaluate(() => [...document.querySelectorAll('[data-testid^="message-"]')].map((m) => `${(m as HTMLElement).dataset.testid}:${(m as HTMLElement).dataset.status}:${m.textContent?.slice(0, 40)}`))
      throw new Error(`the conversation did not finish: ${seen.join(' | ')}`, { cause: err })
    })
    const download = page.waitForEvent('download')
    await page.getByTestId('export').click()
    const chunks = await (await (await download).createReadStream()).toArray()
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as SessionLog
  } finally {
    await withMic.close()
  }
}
