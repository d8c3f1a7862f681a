// npm test: every test tier — unit and relay integration (vitest), then the browser e2e tier
// (Playwright on Debian's Chromium against the freshly built SPA). Ends with one total line.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { bin, root, run } from './lib.mjs'

const out = join(root, 'test-results')
mkdirSync(out, { recursive: true })
const counts = { passed: 0, failed: 0, skipped: 0 }
let failed = false
// Every tier runs even when an earlier one failed, so one run shows everything that is broken.
const step = async (cmd, args, options) => {
  if ((await run(cmd, args, options)) !== 0) failed = true
}

await step('npm', ['run', '--silent', 'typecheck'])

// Unit and integration together; then the soak alone, so that what it measures is the relay's own memory.
for (const [name, projects] of [['vitest', ['unit', 'integration']], ['soak', ['soak']]]) {
  const json = join(out, `${name}.json`)
  rmSync(json, { force: true })
  await step(bin('vitest'), ['run', ...projects.flatMap((p) => ['--project', p]), '--reporter=default', '--reporter=json', `--outputFile.json=${json}`])
  if (existsSync(json)) {
    const v = JSON.parse(readFileSync(json, 'utf8'))
    counts.passed += v.numPassedTests
    counts.failed += v.numFailedTests
    counts.skipped += v.numPendingTests + v.numTodoTests
  }
}

await step(bin('vite'), ['build', '--logLevel', 'warn'])

const pwJson = join(out, 'playwright.json')
rmSync(pwJson, { force: true })
await step(bin('playwright'), ['test', '--reporter=list,json'], { env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson } })
if (existsSync(pwJson)) {
  const s = JSON.parse(readFileSync(pwJson, 'utf8')).stats
  counts.passed += s.expected + s.flaky
  counts.failed += s.unexpected
  counts.skipped += s.skipped
}

console.log(`\ntotal: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`)
process.exit(failed || counts.failed > 0 || counts.passed === 0 ? 1 : 0)
