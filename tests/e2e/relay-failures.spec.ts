import { expect, test } from '@playwright/test'
import { loadConfig } from '../../relay/config.ts'
import { startRelay } from '../../relay/node.ts'
import { fakeLlm, E2E_KEY } from './stack.ts'

const fakeBase = () => `${process.env.E2E_FAKE_URL}/v1`

test('a relay that goes away: one banner says so, the badge is not green, the question is kept, and Retry brings it back', async ({ page }) => {
  const settings = { HOST: '127.0.0.1', PORT: '0', LLM_BASE_URL: fakeBase(), LLM_API_KEY: E2E_KEY, LLM_MODEL: 'fake-model' }
  const relay = await startRelay(loadConfig(settings), { log: () => {} })
  await page.goto(relay.url)
  await expect(page.getByTestId('agent-badge')).toContainText('fake-model')
  await expect(page.locator('.stage__face--ready')).toBeVisible({ timeout: 20_000 })
  await relay.close()

  await page.getByTestId('composer').fill('Still there?')
  await page.getByTestId('composer').press('Enter')
  const banner = page.getByTestId('error-banner')
  await expect(banner.filter({ hasText: 'Can’t reach the Parley relay' })).toBeVisible()
  await expect(page.getByTestId('message-user')).toHaveAttribute('data-status', 'failed')
  await expect(page.getByTestId('message-user')).toContainText('Still there?')
  await expect(page.getByTestId('agent-badge')).toHaveText(/relay unreachable/)
  // What failed because of it (the on-device voice, served by the relay) is not a second banner.
  await page.waitForTimeout(1500)
  await expect(banner).toHaveCount(1)

  // The relay comes back on its address: Retry finds it, and the question can be asked again.
  const back = await startRelay(loadConfig({ ...settings, PORT: new URL(relay.url).port }), { log: () => {} })
  try {
    await banner.getByRole('button', { name: 'Retry' }).click()
    await expect(page.getByTestId('agent-badge')).toContainText('fake-model')
    await expect(banner).toHaveCount(0)
    await fakeLlm.next({ kind: 'reply', text: 'Back again.' })
    await page.getByRole('button', { name: 'Try again' }).click()
    await expect(page.getByTestId('message-assistant').last()).toContainText('Back again.')
  } finally {
    await back.close()
  }
})

test('an access token from the link is used, and a missing one is explained', async ({ page }) => {
  await fakeLlm.reset()
  const relay = await startRelay(
    loadConfig({ HOST: '127.0.0.1', PORT: '0', LLM_BASE_URL: fakeBase(), LLM_API_KEY: E2E_KEY, LLM_MODEL: 'fake-model', PARLEY_ACCESS_TOKEN: 'open-sesame' }),
    { log: () => {} },
  )
  try {
    await page.goto(relay.url)
    await page.getByTestId('composer').fill('Knock knock')
    await page.getByTestId('composer').press('Enter')
    await expect(page.getByTestId('error-banner')).toContainText('This relay needs an access token')
    await expect(page.getByTestId('message-user')).toHaveAttribute('data-status', 'failed')

    await page.goto(`${relay.url}/?token=open-sesame`)
    await expect(page).toHaveURL(`${relay.url}/`) // the token leaves the address bar
    await page.getByTestId('composer').fill('Knock knock')
    await page.getByTestId('composer').press('Enter')
    await expect(page.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done')
    expect((await fakeLlm.requests()).at(-1)!.authorization).toBe(`Bearer ${E2E_KEY}`)
  } finally {
    await relay.close()
  }
})
