// npm start: build the SPA and the relay when missing or stale, then run the relay serving it.
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { buildRelay } from './build-relay.mjs'
import { bin, buildIsStale, envFileArgs, newestMtime, root, run } from './lib.mjs'

const stale = buildIsStale()
if (stale) {
  console.log(`Building the web app (${stale})…`)
  const code = await run(bin('vite'), ['build', '--logLevel', 'warn'])
  if (code !== 0) process.exit(code)
}
const relay = join(root, 'build', 'relay.mjs')
if (!existsSync(relay) || newestMtime(['relay', 'package-lock.json']) > statSync(relay).mtimeMs) await buildRelay()

const code = await run(process.execPath, [...envFileArgs(), relay])
process.exit(code)
