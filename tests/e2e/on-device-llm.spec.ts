import { expect, test, type Page } from '@playwright/test'
import { BROKEN_LLM, INCOMPLETE_LLM, TINY_LLM, TINY_LLM_LONG, TINY_LLM_TEXT, TINY_WHISPER } from './models.ts'
import { browserWithMic, offlineUrl } from './stack.ts'

// The tiny models' output is fixed by construction: these tests prove the on-device model's path
// (loading, the chat template, streaming, the cache across turns, cancelling), not answer quality.

type Stats = { promptTokens: number; reusedTokens: number; prefillTokens: number; generatedTokens: number; cancelled: boolean; cancelMs: number | null }
type Log = { turns: { user: string; assistant: string; interrupted: boolean; interruptedBy: string | null; llm: Stats | null }[] }

async function openWith(page: Page, settings: Record<string, unknown>) {
  await page.goto(offlineUrl())
  await page.evaluate((s) => localStorage.setItem('parley.settings.v1', JSON.stringify(s)), { brain: 'device', modelDevice: 'wasm', voiceEngine: 'espeak', ...settings })
  await page.reload()
}

async function exportLog(page: Page): Promise<Log> {
  const download = page.waitForEvent('download')
  await page.getByTestId('menu-export').click()
  return JSON.parse(Buffer.concat(await (await (await download).createReadStream()).toArray()).toString('utf8')) as Log
}

async function ask(page: Page, text: string) {
  await page.getByTestId('composer').fill(text)
  await page.getByTestId('composer').press('Enter')
}

test.describe('the on-device language model', () => {
  test.setTimeout(90_000)

  test('Stop ends a running generation at once, and the next turn computes only its new tokens', async ({ page }) => {
    await openWith(page, { llmModel: TINY_LLM_LONG })
    await expect(page.getByTestId('agent-badge')).toContainText('On device · tiny-llm-long', { timeout: 20_000 })
    await ask(page, 'Tell me a long story.')
    const first = page.getByTestId('message-assistant').first()
    await expect(first).toContainText('Hello from your device!', { timeout: 30_000 })
    await page.getByTestId('stop').click()
    await expect(first).toHaveAttribute('data-status', /stopped|done/)
    await expect.poll(async () => (await exportLog(page)).turns[0]?.llm?.promptTokens ?? 0, { timeout: 10_000 }).toBeGreaterThan(0)
    await expect.poll(async () => (await exportLog(page)).turns[0]?.llm?.cancelled, { timeout: 10_000 }).toBe(true)
    const stopped = (await exportLog(page)).turns[0]!.llm!
    // It stopped long before its 320-token limit, and the worker says how long stopping took.
    expect(stopped.generatedTokens).toBeLessThan(320)
    expect(stopped.cancelMs).not.toBeNull()
    console.log(`cancel → generation stopped in the worker: ${stopped.cancelMs!.toFixed(1)} ms after ${stopped.generatedTokens} tokens`)

    await ask(page, 'And then?')
    await expect(page.getByTestId('message-assistant').nth(1)).toContainText('Hello from your device!', { timeout: 30_000 })
    await page.getByTestId('stop').click()
    await expect.poll(async () => (await exportLog(page)).turns[1]?.llm?.promptTokens ?? 0, { timeout: 10_000 }).toBeGreaterThan(0)
    const next = (await exportLog(page)).turns[1]!.llm!
    // The cache of the first turn is used: only the tokens after it are computed.
    expect(next.reusedTokens).toBeGreaterThan(stopped.promptTokens - 1)
    expect(next.prefillTokens).toBe(next.promptTokens - next.reusedTokens)
    expect(next.prefillTokens).toBeLessThan(next.promptTokens / 2)

    // Settings lists the model the browser now keeps, with its size, and deletes it.
    await page.getByTestId('open-settings').click()
    const stored = page.getByTestId('stored-model').filter({ hasText: TINY_LLM_LONG })
    await expect(stored).toContainText(/\d+(\.\d)? (KB|MB)/)
    await expect(page.getByTestId('storage-quota')).toContainText('used of the')
    await stored.getByRole('button', { name: `Delete ${TINY_LLM_LONG}` }).click()
    await expect(stored).toHaveCount(0)
    expect(await page.evaluate(async () => (await (await caches.open('transformers-cache')).keys()).filter((r) => r.url.includes('tiny-llm-long')).length)).toBe(0)
  })

  test('a barge-in cuts the answer to what was heard, and the cache is cut back with it', async () => {
    const browser = await browserWithMic('speech.wav')
    try {
      const page = await browser.newPage()
      await openWith(page, { llmModel: TINY_LLM, asrModel: TINY_WHISPER, asrPlacement: 'on-device' })
      await expect(page.getByTestId('agent-badge')).toContainText('On device · tiny-llm', { timeout: 20_000 })
      await page.getByTestId('mic-toggle').click()
      // The fixture's second sentence starts while the first answer is being spoken.
      await expect(page.getByTestId('message-assistant')).toHaveCount(2, { timeout: 60_000 })
      await expect(page.getByTestId('message-assistant').nth(1)).toHaveAttribute('data-status', /done|stopped/, { timeout: 30_000 })
      await page.getByTestId('mic-toggle').click()
      const log = await exportLog(page)
      const [one, two] = log.turns
      expect(one!.interrupted).toBe(true)
      expect(one!.assistant.length).toBeLessThan(TINY_LLM_TEXT.length)
      // Turn 2 reuses the system prompt and the first question, and no more than what was heard of the answer.
      expect(two!.llm!.reusedTokens).toBeGreaterThan(0)
      expect(two!.llm!.reusedTokens).toBeLessThan(one!.llm!.promptTokens + one!.llm!.generatedTokens - 1)
      expect(two!.llm!.prefillTokens).toBe(two!.llm!.promptTokens - two!.llm!.reusedTokens)
    } finally {
      await browser.close()
    }
  })

  test('a model worker that crashes is said, and the next answer starts a new one', async ({ page }) => {
    await openWith(page, { llmModel: TINY_LLM })
    await ask(page, 'Hello?')
    await expect(page.getByTestId('message-assistant').first()).toContainText(TINY_LLM_TEXT, { timeout: 30_000 })
    // A real uncaught error inside the running model worker.
    const worker = page.workers().find((w) => w.url().includes('llm.worker'))!
    await worker.evaluate(() => void setTimeout(() => {
      throw new Error('simulated crash')
    }))
    await expect(page.getByTestId('error-banner')).toContainText('on-device language model stopped working')
    await ask(page, 'Still there?')
    await expect(page.getByTestId('message-assistant').nth(1)).toContainText(TINY_LLM_TEXT, { timeout: 30_000 })
    // Its cache went with the worker: the new one computes the whole prompt.
    const log = await exportLog(page)
    expect(log.turns[1]!.llm).toMatchObject({ reusedTokens: 0 })
  })

  for (const [model, what, kind] of [
    [BROKEN_LLM, /damaged/, 'a damaged'],
    [INCOMPLETE_LLM, /missing model_q4\.onnx/, 'a missing'],
  ] as const) {
    test(`${kind} model file is named, with the way out, and the question is kept`, async ({ page }) => {
      await openWith(page, { llmModel: model })
      await ask(page, 'Are you there?')
      const banner = page.getByTestId('error-banner')
      await expect(banner).toContainText(model, { timeout: 30_000 })
      await expect(banner).toContainText(what)
      await expect(banner).toContainText('npm run models:fetch')
      await expect(page.getByTestId('message-user').first()).toContainText('Are you there?')
    })
  }
})
