/**
 * npm run avatar:check <dir> [<dir> …] — checks avatar bundles the way the app does when it loads
 * one: the manifest's fields, then every picture (it exists, is a PNG/JPEG/WebP it can read, and
 * fits the canvas where it is placed). Prints each problem with its file and field; exits 1 if any.
 * With no argument, checks every bundle in public/avatars/.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkFiles, validateManifest } from '../../web/engines/avatar/bundle.ts'
import { imageSize } from './image-size.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))

export async function checkBundle(dir: string): Promise<string[]> {
  const name = relative(root, dir) || dir
  const file = join(dir, 'manifest.json')
  if (!existsSync(file)) return [`${name}/manifest.json: missing`]
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    return [`${name}/manifest.json: not valid JSON (${(err as Error).message})`]
  }
  const { manifest, problems } = validateManifest(raw, `${name}/manifest.json`)
  if (!manifest) return problems
  return checkFiles(
    manifest,
    async (f) => {
      const path = join(dir, f)
      if (!existsSync(path)) throw new Error('missing')
      return imageSize(readFileSync(path))
    },
    name,
  )
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dirs = process.argv.slice(2)
  const all = dirs.length ? dirs : readdirSync(join(root, 'public/avatars')).map((d) => join(root, 'public/avatars', d)).filter((d) => statSync(d).isDirectory())
  let bad = 0
  for (const dir of all) {
    const problems = await checkBundle(dir)
    if (problems.length) {
      bad++
      for (const p of problems) console.error(`✗ ${p}`)
    } else console.log(`✓ ${relative(root, dir) || dir}`)
  }
  process.exit(bad ? 1 : 0)
}
