// The app at the sizes people use it — a phone (390×844, touch), a tablet (768×1024) and a laptop
// (1280×800): nothing overflows sideways, every visible control is on screen and is what a tap at
// its centre reaches, no text is drawn over other text, Settings opens and closes, the latest
// message is in view after an answer, and axe finds no serious or critical problem. Screenshots
// of each size are kept with the test results.
import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'
import { fakeLlm, relayUrl } from './stack.ts'

const SIZES = [
  { name: 'phone', width: 390, height: 844, touch: true },
  { name: 'tablet', width: 768, height: 1024, touch: true },
  { name: 'laptop', width: 1280, height: 800, touch: false },
] as const

/** Problems with the visible controls: off screen, or covered where a tap would land. */
function controlProblems(page: Page, within = 'body') {
  return page.evaluate((within) => {
    const problems: string[] = []
    const name = (el: Element) => `${el.tagName.toLowerCase()}[${el.getAttribute('data-testid') ?? el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30)}]`
    for (const el of document.querySelector(within)!.querySelectorAll('button, input, textarea, select, a[href]')) {
      const r = el.getBoundingClientRect()
      const style = getComputedStyle(el)
      if (!r.width || !r.height || style.visibility === 'hidden' || el.closest('[hidden]')) continue
      // Inside a scrolling area, off its visible part, is fine (the user scrolls to it).
      const scroller = el.parentElement?.closest('.transcript, .settings, .placement-badges')
      if (scroller) {
        const s = scroller.getBoundingClientRect()
        // Scrolled (partly) out of its area is fine: the user scrolls to it.
        if (r.top < s.top || r.bottom > s.bottom || r.left < s.left || r.right > s.right) continue
      }
      if (r.left < -1 || r.top < -1 || r.right > innerWidth + 1 || r.bottom > innerHeight + 1) {
        problems.push(`${name(el)} is off screen: ${Math.round(r.left)},${Math.round(r.top)} – ${Math.round(r.right)},${Math.round(r.bottom)}`)
        continue
      }
      const x = Math.min(innerWidth - 1, Math.max(0, r.left + r.width / 2))
      const y = Math.min(innerHeight - 1, Math.max(0, r.top + r.height / 2))
      const hit = document.elementFromPoint(x, y)
      const label = el.closest('label')
      if (hit && hit !== el && !el.contains(hit) && !(label && label.contains(hit))) problems.push(`${name(el)} is covered by ${name(hit)}`)
    }
    return problems
  }, within)
}

/** Pairs of text blocks whose boxes overlap (text drawn over text). */
function overlappingText(page: Page) {
  return page.evaluate(() => {
    const blocks = [...document.querySelectorAll('.stage__name, .stage__mood, .stage__placement, .stage__problem, .badge, .voice__status, .placement-badge, .brand, .summary')]
      .map((el) => ({ el, r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.width > 0 && r.height > 0)
    const out: string[] = []
    for (let i = 0; i < blocks.length; i++)
      for (let j = i + 1; j < blocks.length; j++) {
        const a = blocks[i]!
        const b = blocks[j]!
        if (a.el.contains(b.el) || b.el.contains(a.el)) continue
        const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left)
        const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top)
        if (x > 2 && y > 2) out.push(`${a.el.className} over ${b.el.className}`)
      }
    return out
  })
}

test.beforeEach(() => fakeLlm.reset())

for (const size of SIZES) {
  test(`${size.name} (${size.width}×${size.height}): everything fits, is reachable, and reads well`, async ({ browser }, info) => {
    const context = await browser.newContext({ viewport: { width: size.width, height: size.height }, hasTouch: size.touch, isMobile: size.name === 'phone' })
    const page = await context.newPage()
    try {
      await page.goto(relayUrl())
      await page.evaluate(() => localStorage.setItem('parley.settings.v1', JSON.stringify({ speakAnswers: false })))
      await page.reload()
      await expect(page.getByTestId('agent-badge')).toContainText('fake-model')
      await expect(page.locator('.stage__face--ready')).toBeVisible({ timeout: 15_000 })

      // A few answers, the last one long: the transcript must show the newest line.
      for (const q of ['Hello there', 'And a second question', 'Tell me more']) {
        await page.getByTestId('composer').fill(q)
        await page.getByTestId('composer').press('Enter')
        await expect(page.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done')
      }
      const last = page.getByTestId('message-assistant').last()
      await expect(last).toBeInViewport()

      expect(await page.evaluate(() => document.documentElement.scrollWidth - innerWidth)).toBeLessThanOrEqual(0)
      expect(await controlProblems(page)).toEqual([])
      expect(await overlappingText(page)).toEqual([])
      // The transcript keeps room to read: at least a few lines.
      expect((await page.getByTestId('transcript').boundingBox())!.height).toBeGreaterThan(size.name === 'phone' ? 180 : 240)
      await page.screenshot({ path: info.outputPath(`${size.name}.png`) })

      const axe = await new AxeBuilder({ page }).analyze()
      const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])

      // Settings: reachable (through the menu on a phone), fully on screen, closable.
      if (size.name === 'phone') {
        await page.getByTestId('menu').tap()
        await expect(page.getByTestId('open-settings')).toBeInViewport()
      }
      await page.getByTestId('open-settings').click()
      const settings = page.getByTestId('settings')
      await expect(settings).toBeVisible()
      // Once it has slid in, all of it is on screen.
      await expect.poll(async () => {
        const box = (await settings.boundingBox())!
        return box.x >= 0 && box.x + box.width <= size.width + 1
      }).toBe(true)
      await expect(page.getByRole('button', { name: 'Close settings' })).toBeInViewport()
      // A modal: what matters is the panel's own controls (the app behind it is covered on purpose).
      expect(await controlProblems(page, '[data-testid="settings"]')).toEqual([])
      await page.screenshot({ path: info.outputPath(`${size.name}-settings.png`) })
      await page.getByRole('button', { name: 'Close settings' }).click()
      await expect(settings).toBeHidden()
    } finally {
      await context.close()
    }
  })
}

test('the whole app works from the keyboard: send, stop, settings', async ({ page }) => {
  await page.goto(relayUrl())
  await page.evaluate(() => localStorage.setItem('parley.settings.v1', JSON.stringify({ speakAnswers: false })))
  await page.reload()
  await expect(page.getByTestId('agent-badge')).toContainText('fake-model')
  await fakeLlm.next({ kind: 'reply', text: Array(40).fill('slow').join(' '), chunkDelayMs: 100 })
  await page.getByTestId('composer').focus()
  await page.keyboard.type('Typed with keys only')
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('message-assistant').last()).toContainText('slow slow')
  await page.keyboard.press('Escape')
  await expect(page.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'stopped')
  // Tab reaches Settings; Enter opens it; Escape closes it and focus can carry on.
  let found = false
  for (let i = 0; i < 25 && !found; i++) {
    await page.keyboard.press('Tab')
    found = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'open-settings')
  }
  expect(found).toBe(true)
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('settings')).toBeVisible()
  await page.keyboard.press('Escape')
  await expect(page.getByTestId('settings')).toBeHidden()
})

test('double-clicking Send does not stop the answer it asked for', async ({ page }) => {
  await page.goto(relayUrl())
  await page.evaluate(() => localStorage.setItem('parley.settings.v1', JSON.stringify({ speakAnswers: false })))
  await page.reload()
  await expect(page.getByTestId('agent-badge')).toContainText('fake-model')
  await fakeLlm.next({ kind: 'reply', text: 'One whole answer, not stopped by the second click.', chunkDelayMs: 40 })
  await page.getByTestId('composer').fill('Hello')
  await page.getByTestId('send').dblclick()
  await expect(page.getByTestId('message-assistant').last()).toHaveAttribute('data-status', 'done')
  await expect(page.getByTestId('message-assistant').last()).toContainText('not stopped by the second click')
  await expect(page.getByTestId('message-user')).toHaveCount(1)
})
