// npm test: every test tier — unit and relay integration (vitest), then the browser e2e tier
// (Playwright on Debian's Chromium against the freshly built SPA). Ends with one total line.
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { bin, root, run } from './lib.mjs'

const out = join(root, 'test-results')
mkdirSync(out, { recursive: true })
const counts = { passed: 0, failed: 0, skipped: 0 }
let failed = false

failed ||= (await run('npm', ['run', '--silent', 'typecheck'])) !== 0

const vitestJson = join(out, 'vitest.json')
failed ||= (await run(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`])) !== 0
if (existsSync(vitestJson)) {
  const v = JSON.parse(readFileSync(vitestJson, 'utf8'))
  counts.passed += v.numPassedTests
  counts.failed += v.numFailedTests
  counts.skipped += v.numPendingTests + v.numTodoTests
}

failed ||= (await run(bin('vite'), ['build', '--logLevel', 'warn'])) !== 0

const pwJson = join(out, 'playwright.json')
failed ||= (await run(bin('playwright'), ['test', '--reporter=list,json'], { env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson } })) !== 0
if (existsSync(pwJson)) {
  const s = JSON.parse(readFileSync(pwJson, 'utf8')).stats
  counts.passed += s.expected + s.flaky
  counts.failed += s.unexpected
  counts.skipped += s.skipped
}

console.log(`\ntotal: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`)
process.exit(failed || counts.failed > 0 || counts.passed === 0 ? 1 : 0)
