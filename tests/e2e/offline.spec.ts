import { expect, test } from '@playwright/test'
import { offlineUrl } from './stack.ts'

test('with no LLM configured, the offline guide answers inside the page and says what it is', async ({ page }) => {
  const apiCalls: string[] = []
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/v1/')) apiCalls.push(r.url())
  })
  await page.goto(offlineUrl())
  await expect(page.getByTestId('agent-badge')).toHaveText(/Offline guide · no LLM connected/)

  await page.getByRole('button', { name: 'How do I connect a language model?' }).click()
  await expect(page.getByTestId('composer')).toHaveValue('How do I connect a language model?')
  await page.getByTestId('composer').press('Enter')
  const answer = page.getByTestId('message-assistant').last()
  await expect(answer).toHaveAttribute('data-status', 'done', { timeout: 15_000 })
  await expect(answer).toContainText('LLM_BASE_URL')

  await page.getByTestId('composer').fill('What is the capital of Peru?')
  await page.getByTestId('composer').press('Enter')
  await expect(page.getByTestId('message-assistant').last()).toContainText('not a language model', { timeout: 15_000 })

  // Nothing typed left the page.
  expect(apiCalls).toEqual([])
})
