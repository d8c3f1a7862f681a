import { expect, test } from '@playwright/test'
import { loadConfig } from '../../relay/config.ts'
import { startRelay } from '../../relay/node.ts'
import { fakeLlm, E2E_KEY } from './stack.ts'

const fakeBase = () => `${process.env.E2E_FAKE_URL}/v1`

test('a relay that goes away: the user is told, and the question is kept', async ({ page }) => {
  const relay = await startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0', LLM_BASE_URL: fakeBase(), LLM_API_KEY: E2E_KEY, LLM_MODEL: 'fake-model' }), { log: () => {} })
  await page.goto(relay.url)
  await expect(page.getByTestId('agent-badge')).toContainText('fake-model')
  await relay.close()

  await page.getByTestId('composer').fill('Still there?')
  await page.getByTestId('composer').press('Enter')
  // (The on-device voice, which would load from the relay too, reports its own failure beside it.)
  await expect(page.getByTestId('error-banner').filter({ hasText: 'Can’t reach the Parley relay' })).toBeVisible()
  await expect(page.getByTestId('message-user')).toHaveAttribute('data-status', 'failed')
  await expect(page.getByTestId('message-user')).toContainText('Still there?')
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
