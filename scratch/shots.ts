// Screenshots of Settings → Voice's turn-taking lines at phone and laptop size (not a test).
import { chromium } from '@playwright/test'
import { loadConfig } from '../relay/config.ts'
import { startRelay } from '../relay/node.ts'
import config from '../playwright.config.ts'

const relay = await startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0' }), { log: () => {} })
const browser = await chromium.launch({ executablePath: config.use!.launchOptions!.executablePath, args: config.use!.launchOptions!.args })
for (const [name, viewport, scale] of [['phone', { width: 390, height: 844 }, 2], ['laptop', { width: 1280, height: 800 }, 1]] as const) {
  const page = await browser.newPage({ viewport, deviceScaleFactor: scale })
  await page.goto(relay.url)
  await page.waitForTimeout(1500)
  if (name === 'phone') await page.getByTestId('menu').click().catch(() => {})
  await page.getByRole('button', { name: 'Settings' }).click()
  await page.getByTestId('turn-model').scrollIntoViewIfNeeded()
  await page.waitForTimeout(500)
  await page.screenshot({ path: `scratch/turn-settings-${name}.png` })
  await page.getByTestId('audio-output').scrollIntoViewIfNeeded()
  await page.screenshot({ path: `scratch/turn-settings-${name}-2.png` })
  await page.close()
}
await browser.close()
await relay.close()
