import { expect, test } from '@playwright/test'
import { offlineUrl } from './stack.ts'

test('the page runs under a strict Content-Security-Policy with no violations: chat, voice, face', async ({ page }) => {
  const violations: string[] = []
  page.on('console', (m) => /Content Security Policy|Refused to/i.test(m.text()) && violations.push(m.text()))
  const res = await page.goto(offlineUrl())
  const headers = res!.headers()
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'")
  expect(headers['content-security-policy']).toContain("script-src 'self' 'wasm-unsafe-eval'")
  expect(headers['x-content-type-options']).toBe('nosniff')
  expect(headers['referrer-policy']).toBe('no-referrer')
  await page.evaluate(() => document.addEventListener('securitypolicyviolation', (e) => console.error(`Refused to ${e.violatedDirective}: ${e.blockedURI}`)))
  await expect(page.getByTestId('face')).toHaveAttribute('data-renderer', /webgpu|canvas2d/)
  await page.getByTestId('composer').fill('hello')
  await page.getByTestId('composer').press('Enter')
  await expect(page.getByTestId('message-assistant').first()).toHaveAttribute('data-status', 'done')
  // The on-device voice (eSpeak NG, WebAssembly in a worker) speaks under the policy too.
  await expect(page.locator('.stage__placement')).toContainText('voice: eSpeak NG')
  await page.waitForTimeout(1500)
  expect(violations).toEqual([])
})
