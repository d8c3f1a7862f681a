import { expect, test } from '@playwright/test'
import { offlineUrl } from './stack.ts'

// page.route does not see requests the service worker answers (it fetches for itself): these tests replace an avatar's files.
test.use({ serviceWorkers: 'block' })

test('the stage shows the face, says how it is drawn, and the avatar picker changes it (kept across reloads)', async ({ page }) => {
  await page.goto(offlineUrl())
  const face = page.getByTestId('face')
  await expect(face).toHaveAttribute('data-renderer', /^(webgpu|canvas2d)$/)
  await expect(page.locator('.stage__name')).toHaveText('Mira')
  await expect(page.locator('.stage__placement')).toContainText(/face: (WebGPU|Canvas2D)/)
  await expect(face.locator('canvas')).toHaveCount(2)

  await page.getByRole('button', { name: 'Settings' }).click()
  await page.getByTestId('avatar-theo').click()
  await page.keyboard.press('Escape')
  await expect(page.locator('.stage__name')).toHaveText('Theo')
  await page.reload()
  await expect(page.locator('.stage__name')).toHaveText('Theo')
})

test('an avatar that cannot be loaded is explained, and the conversation still works', async ({ page }) => {
  await page.route('**/avatars/mira/manifest.json', (r) => r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ id: 'mira', kind: 'layered-2d' }) }))
  await page.goto(offlineUrl())
  await expect(page.getByTestId('face-error')).toContainText('This avatar cannot be drawn: avatars/mira/manifest.json: name: must be a non-empty string')
  await expect(page.locator('.stage__placement')).toContainText('face: unavailable')
  await page.getByTestId('composer').fill('hello')
  await page.getByTestId('composer').press('Enter')
  await expect(page.getByTestId('message-assistant').first()).toHaveAttribute('data-status', 'done')
})
