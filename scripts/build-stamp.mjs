// The settings a build of the web app bakes in besides its sources, written into the build as
// build-settings.json (by the Vite plugin below) so that `npm start` can tell a build made for
// another place — e.g. for a static host, with VITE_PARLEY_RELAY_URL naming a relay elsewhere —
// and rebuild it (lib.mjs buildIsStale). Plain Node, no dependencies.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export const STAMP_FILE = 'build-settings.json'

/**
 * The variables that change what `vite build` makes (web/types/env.d.ts and vite.config.ts read
 * them; add any new one here). Only these are recorded: the file is served with the app.
 */
const SETTINGS = ['VITE_PARLEY_RELAY_URL', 'PARLEY_ESPEAK']

/** The build settings in `env`; unset and empty are the same (the app treats them alike). */
export function buildSettings(env = process.env) {
  return Object.fromEntries(SETTINGS.filter((k) => env[k]).map((k) => [k, env[k]]))
}

/**
 * The names of the settings in which the build in `dir` differs from `settings` (none: `[]`), or
 * null when it has no stamp (built before there were stamps, or not by this project's config).
 */
export function changedSettings(dir, settings) {
  let stamped
  try {
    stamped = JSON.parse(readFileSync(join(dir, STAMP_FILE), 'utf8')).settings
  } catch {
    return null
  }
  return SETTINGS.filter((k) => (stamped?.[k] ?? undefined) !== settings[k])
}

/** A Vite plugin that writes the stamp into the build. */
export function buildStamp() {
  return {
    name: 'parley-build-stamp',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: STAMP_FILE, source: `${JSON.stringify({ settings: buildSettings() }, null, 2)}\n` })
    },
  }
}
