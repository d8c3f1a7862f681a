import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { DEFAULT_DIST } from '../../relay/node.ts'
import { E2E_KEY, fakeLlm, relayUrl } from './stack.ts'

test('the upstream key never reaches the browser: responses, errors or the built bundle', async ({ page }) => {
  await fakeLlm.reset()
  const received: string[] = []
  page.on('response', async (res) => {
    received.push(JSON.stringify(await res.allHeaders()))
    received.push(await res.text().catch(() => ''))
  })

  await page.goto(relayUrl())
  await expect(page.getByTestId('agent-badge')).toContainText('fake-model')
  // A normal answer, then an upstream error that quotes the key back, as real providers do.
  await fakeLlm.next(
    { kind: 'reply', text: 'All good.' },
    { kind: 'status', status: 401, body: { error: { message: `Incorrect API key provided: ${E2E_KEY}.`, code: 'invalid_api_key' } } },
    { kind: 'status', status: 400, body: { error: { message: `Bad request for key ${E2E_KEY.slice(0, 10)}…${E2E_KEY.slice(-4)}` } } },
  )
  for (const text of ['first', 'second', 'third']) {
    await page.getByTestId('composer').fill(text)
    await page.getByTestId('composer').press('Enter')
    await expect(page.getByTestId('send')).toBeVisible()
  }
  await expect(page.getByTestId('error-banner')).toBeVisible()
  await page.waitForTimeout(200)

  const everything = received.join('\n') + (await page.content())
  expect(received.length).toBeGreaterThan(5)
  expect(everything).not.toContain(E2E_KEY)
  expect(everything).not.toContain(E2E_KEY.slice(0, 10))

  // The shipped bundle holds no key and no server-side variable.
  const files = await readdir(DEFAULT_DIST, { recursive: true, withFileTypes: true })
  for (const f of files.filter((f) => f.isFile())) {
    const text = await readFile(join(f.parentPath, f.name), 'utf8')
    expect(text, f.name).not.toContain(E2E_KEY)
    expect(text, f.name).not.toMatch(/LLM_API_KEY\s*[:=]\s*["']?sk-/)
  }
})
