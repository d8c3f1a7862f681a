// Small helpers shared by the npm scripts (start, dev, test). Plain Node, no dependencies.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildSettings, changedSettings } from './build-stamp.mjs'

export const root = fileURLToPath(new URL('..', import.meta.url))
export const bin = (name) => join(root, 'node_modules', '.bin', name)

/** `--env-file=.env` when the project has a .env (values already in the environment win). */
export const envFileArgs = () => (existsSync(join(root, '.env')) ? ['--env-file=.env'] : [])

/**
 * Runs a command with inherited stdio; resolves with its exit code. SIGINT/SIGTERM sent to this
 * script go on to the child, so a process manager stopping `npm start` stops the relay too.
 */
export function run(cmd, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', ...options })
    const forward = (signal) => child.kill(signal)
    process.on('SIGINT', forward)
    process.on('SIGTERM', forward)
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward)
      process.off('SIGTERM', forward)
      resolve(code ?? (signal ? 1 : 0))
    })
  })
}

/** Newest modification time of any file under the given paths. */
export function newestMtime(paths) {
  let newest = 0
  const visit = (p) => {
    if (!existsSync(p)) return
    const s = statSync(p)
    if (s.isDirectory()) {
      for (const e of readdirSync(p)) if (e !== 'node_modules') visit(join(p, e))
    } else newest = Math.max(newest, s.mtimeMs)
  }
  for (const p of paths) visit(join(root, p))
  return newest
}

/**
 * Why the built app in `dist` must be built again before it is served with `settings` (the
 * environment's build settings), or null when it need not: it is missing, older than anything it
 * is built from, or was built with other settings — a build for a static host names a relay
 * elsewhere, which the relay's own page must not call.
 */
export function buildIsStale(settings = buildSettings(), dist = join(root, 'dist')) {
  const built = join(dist, 'index.html')
  if (!existsSync(built)) return 'dist/ is missing'
  if (newestMtime(['web', 'public', 'vite.config.ts', 'package.json', 'package-lock.json']) > statSync(built).mtimeMs) return 'dist/ is older than its sources'
  const changed = changedSettings(dist, settings)
  if (!changed) return 'dist/ does not say what it was built with'
  return changed.length ? `dist/ was built with other settings: ${changed.join(', ')}` : null
}
