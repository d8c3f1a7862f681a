import { expect, test, type Page } from '@playwright/test'
import { fakeLlm, relayUrl } from './stack.ts'

const ANSWER = 'Parley streams every word to you as soon as the model writes it, so you never wait for the whole answer.'

/** Records every text the last assistant message shows, to see it grow word by word. */
async function recordAssistantText(page: Page) {
  await page.evaluate(() => {
    const seen: string[] = []
    ;(window as unknown as { __seen: string[] }).__seen = seen
    new MutationObserver(() => {
      const last = [...document.querySelectorAll('[data-testid="message-assistant"] .message__text')].at(-1)
      const text = last?.textContent ?? ''
      if (text && text !== seen.at(-1)) seen.push(text)
    }).observe(document.body, { subtree: true, childList: true, characterData: true })
  })
}

const seenTexts = (page: Page) => page.evaluate(() => (window as unknown as { __seen: string[] }).__seen)
const lastAssistant = (page: Page) => page.getByTestId('message-assistant').last()

test.beforeEach(async ({ page }) => {
  await fakeLlm.reset()
  await page.goto(relayUrl())
  // These tests are about the written conversation: answers are not spoken (voice-out.spec.ts).
  await page.evaluate(() => localStorage.setItem('parley.settings.v1', JSON.stringify({ speakAnswers: false, showTimings: true })))
  await page.reload()
  await expect(page.getByTestId('agent-badge')).toContainText('LLM · fake-model')
})

test('a typed message gets an answer that streams in word by word', async ({ page }) => {
  await fakeLlm.next({ kind: 'reply', text: ANSWER, chunkDelayMs: 60 })
  await recordAssistantText(page)
  const composer = page.getByTestId('composer')
  await composer.fill('How does streaming work?')
  await composer.press('Enter')

  await expect(page.getByTestId('message-user')).toHaveText(/How does streaming work\?/)
  await expect(composer).toHaveValue('')
  await expect(page.getByTestId('stage')).toHaveAttribute('data-mood', 'answering')
  await expect(lastAssistant(page)).toHaveAttribute('data-status', 'done', { timeout: 10_000 })
  await expect(lastAssistant(page).locator('.message__text')).toHaveText(ANSWER)

  // The answer grew in many visible steps, each a prefix of the final text.
  const seen = await seenTexts(page)
  expect(seen.length).toBeGreaterThan(8)
  for (const text of seen) expect(ANSWER.startsWith(text.trim())).toBe(true)
  await expect(page.getByTestId('stage')).toHaveAttribute('data-mood', 'ready')

  // The relay sent the persona and the question; the key was added server-side.
  const [request] = await fakeLlm.requests()
  const messages = request!.body!.messages as { role: string; content: string }[]
  expect(messages[0]!.role).toBe('system')
  expect(messages.at(-1)).toEqual({ role: 'user', content: 'How does streaming work?' })
  expect(request!.authorization).toMatch(/^Bearer sk-/)
})

test('the stop button cancels an answer mid-stream and keeps what was written', async ({ page }) => {
  const long = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ')
  await fakeLlm.next({ kind: 'reply', text: long, chunkDelayMs: 100 })
  await page.getByTestId('composer').fill('Tell me a long story')
  await page.getByTestId('composer').press('Enter')
  await expect(lastAssistant(page).locator('.message__text')).toContainText('word3')
  await page.getByTestId('stop').click()

  await expect(lastAssistant(page)).toHaveAttribute('data-status', 'stopped')
  const kept = (await lastAssistant(page).locator('.message__text').textContent())!.trim()
  expect(long.startsWith(kept)).toBe(true)
  expect(kept.length).toBeLessThan(long.length)
  await expect(page.getByTestId('send')).toBeVisible()

  // Stopping reached the upstream: the relay aborted its request to the LLM.
  await expect.poll(async () => (await fakeLlm.requests())[0]?.aborted).toBe(true)
  // And the text stops growing.
  await page.waitForTimeout(400)
  expect((await lastAssistant(page).locator('.message__text').textContent())!.trim()).toBe(kept)
})

test('Escape stops an answer; Shift+Enter makes a new line', async ({ page }) => {
  await fakeLlm.next({ kind: 'reply', text: Array(40).fill('slow').join(' '), chunkDelayMs: 100 })
  const composer = page.getByTestId('composer')
  await composer.pressSequentially('first line')
  await composer.press('Shift+Enter')
  await composer.pressSequentially('second line')
  await composer.press('Enter')
  await expect(page.getByTestId('message-user').locator('.message__text')).toHaveText('first line\nsecond line')
  await expect(lastAssistant(page).locator('.message__text')).toContainText('slow slow')
  await composer.press('Escape')
  await expect(lastAssistant(page)).toHaveAttribute('data-status', 'stopped')
})

test('an upstream failure shows what happened, keeps the question, and Try again works', async ({ page }) => {
  await fakeLlm.next({ kind: 'status', status: 503, body: { error: { message: 'The server is overloaded' } } })
  await page.getByTestId('composer').fill('Are you there?')
  await page.getByTestId('composer').press('Enter')

  const banner = page.getByTestId('error-banner')
  await expect(banner).toContainText('The language model failed')
  await expect(banner).toContainText('overloaded')
  const question = page.getByTestId('message-user')
  await expect(question).toHaveAttribute('data-status', 'failed')
  await expect(question).toContainText('Are you there?')

  await page.getByRole('button', { name: 'Try again' }).click()
  await expect(banner).toHaveCount(0)
  await expect(lastAssistant(page)).toHaveAttribute('data-status', 'done')
  await expect(lastAssistant(page)).toContainText('You said: Are you there?')
})

test('an answer cut off mid-stream says so and keeps the words that arrived', async ({ page }) => {
  await fakeLlm.next({ kind: 'drop', afterChunks: 4 })
  await page.getByTestId('composer').fill('Hello')
  await page.getByTestId('composer').press('Enter')
  await expect(page.getByTestId('error-banner')).toContainText('The answer was cut off')
  await expect(lastAssistant(page)).toHaveAttribute('data-status', 'failed')
  await expect(lastAssistant(page)).toContainText('You said: Hello')
  // The conversation goes on.
  await page.getByTestId('composer').fill('Again')
  await page.getByTestId('composer').press('Enter')
  await expect(lastAssistant(page)).toHaveAttribute('data-status', 'done')
})

test('settings: the model comes from /api/config and the persona goes with each request', async ({ page }) => {
  await page.getByTestId('open-settings').click()
  const model = page.getByTestId('model')
  await expect(model.locator('option')).toHaveText(['fake-model (default)', 'other-model'])
  await model.selectOption('other-model')
  await page.getByTestId('persona').fill('You are a pirate.')
  await page.keyboard.press('Escape')
  await expect(page.getByTestId('settings')).toHaveCount(0)
  await expect(page.getByTestId('agent-badge')).toContainText('other-model')

  await page.getByTestId('composer').fill('Ahoy')
  await page.getByTestId('composer').press('Enter')
  await expect(lastAssistant(page)).toHaveAttribute('data-status', 'done')
  const [request] = await fakeLlm.requests()
  expect(request!.body!.model).toBe('other-model')
  expect((request!.body!.messages as { content: string }[])[0]!.content).toBe('You are a pirate.')

  // Settings survive a reload.
  await page.reload()
  await expect(page.getByTestId('agent-badge')).toContainText('other-model')
})

test('the conversation survives a reload until a new one is started', async ({ page }) => {
  await page.getByTestId('composer').fill('Remember me')
  await page.getByTestId('composer').press('Enter')
  await expect(lastAssistant(page)).toHaveAttribute('data-status', 'done')
  await page.waitForTimeout(400) // saved shortly after the answer settles
  await page.reload()
  await expect(page.getByTestId('message-user')).toHaveText(/Remember me/)
  await expect(lastAssistant(page)).toContainText('You said: Remember me')
  await page.getByRole('button', { name: 'New conversation' }).click()
  await expect(page.getByTestId('message-user')).toHaveCount(0)
  await page.waitForTimeout(400)
  await page.reload()
  await expect(page.getByText('Say hello to Parley.')).toBeVisible()
})

test('a reload mid-answer keeps the question, what was written, and the session’s timings', async ({ page }) => {
  await page.getByTestId('composer').fill('First question')
  await page.getByTestId('composer').press('Enter')
  await expect(lastAssistant(page)).toHaveAttribute('data-status', 'done')
  await expect(page.getByTestId('session-summary')).toBeVisible()
  await fakeLlm.next({ kind: 'reply', text: 'slow '.repeat(200), chunkDelayMs: 100 })
  await page.getByTestId('composer').fill('A long one, please')
  await page.getByTestId('composer').press('Enter')
  await expect(lastAssistant(page)).toContainText('slow slow slow')
  await page.waitForTimeout(700) // saved at most every half second while an answer streams
  await page.reload()
  await expect(page.getByTestId('message-user')).toHaveCount(2)
  await expect(page.getByTestId('message-user').last()).toContainText('A long one, please')
  await expect(lastAssistant(page)).toHaveAttribute('data-status', 'stopped')
  await expect(lastAssistant(page)).toContainText('slow slow slow')
  // The first turn's latency, the summary and Export are still there.
  await expect(page.getByTestId('waterfall').first()).toBeVisible()
  await expect(page.getByTestId('session-summary')).toContainText('Median over 2 turns')
  await expect(page.getByTestId('export')).toBeVisible()
})
