// `npm start` serves dist/ as it is only when it was built from the current sources with the
// current build settings: a build for a static host (VITE_PARLEY_RELAY_URL naming a relay
// elsewhere) is built again before the relay serves it as its own page.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { buildSettings, buildStamp, changedSettings, STAMP_FILE } from '../../scripts/build-stamp.mjs'
// @ts-expect-error: a plain .mjs script without type declarations
import { buildIsStale } from '../../scripts/lib.mjs'

const RELAY = { VITE_PARLEY_RELAY_URL: 'https://relay.example.com' }
let dir: string

/** A dist/ as a build leaves it, with the stamp `plugin` writes (under the given environment). */
function built(env: Record<string, string>, name = 'dist') {
  const dist = join(dir, name)
  mkdirSync(dist)
  writeFileSync(join(dist, 'index.html'), '<!doctype html>')
  vi.unstubAllEnvs()
  vi.stubEnv('VITE_PARLEY_RELAY_URL', env.VITE_PARLEY_RELAY_URL ?? '')
  vi.stubEnv('PARLEY_ESPEAK', env.PARLEY_ESPEAK ?? '')
  const plugin = buildStamp() as unknown as { generateBundle(this: { emitFile(f: { fileName: string; source: string }): void }): void }
  plugin.generateBundle.call({ emitFile: (f) => writeFileSync(join(dist, f.fileName), f.source) })
  vi.unstubAllEnvs()
  return dist
}

beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'parley-stamp-'))))
afterEach(() => rmSync(dir, { recursive: true, force: true }))

it('a build made with the same settings is served as it is', () => {
  expect(buildIsStale(RELAY, built(RELAY))).toBeNull()
  expect(buildIsStale({}, built({}, 'plain'))).toBeNull()
})

it('a build for a relay elsewhere is rebuilt for the relay’s own page, and the other way round', () => {
  expect(buildIsStale({}, built(RELAY))).toBe('dist/ was built with other settings: VITE_PARLEY_RELAY_URL')
  expect(buildIsStale(RELAY, built({}, 'plain'))).toMatch(/VITE_PARLEY_RELAY_URL/)
  expect(buildIsStale({ VITE_PARLEY_RELAY_URL: 'https://other.example.com' }, join(dir, 'dist'))).toMatch(/VITE_PARLEY_RELAY_URL/)
})

it('a build without eSpeak NG is rebuilt when it is wanted again', () => {
  expect(buildIsStale({}, built({ PARLEY_ESPEAK: 'off' }))).toBe('dist/ was built with other settings: PARLEY_ESPEAK')
})

it('a missing build, one older than its sources, or one with no stamp is rebuilt', () => {
  expect(buildIsStale({}, join(dir, 'nowhere'))).toBe('dist/ is missing')
  const old = built({})
  utimesSync(join(old, 'index.html'), 0, 0)
  expect(buildIsStale({}, old)).toBe('dist/ is older than its sources')
  const unstamped = built({}, 'unstamped')
  rmSync(join(unstamped, STAMP_FILE))
  expect(buildIsStale({}, unstamped)).toBe('dist/ does not say what it was built with')
})

it('only the settings that change the build are recorded, and empty is the same as unset', () => {
  expect(buildSettings({ VITE_PARLEY_RELAY_URL: '', VITE_SOMETHING_ELSE: 'x', PATH: '/bin', PARLEY_ESPEAK: 'off' })).toEqual({ PARLEY_ESPEAK: 'off' })
  expect(changedSettings(built({}), buildSettings({ VITE_PARLEY_RELAY_URL: '' }))).toEqual([])
})
