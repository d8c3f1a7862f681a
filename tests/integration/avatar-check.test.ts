// The avatar validator, through `npm run avatar:check`'s own code and as a process: the shipped
// avatars pass; broken copies are refused with messages that name the file and the field.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { checkBundle } from '../../scripts/avatars/check.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))
const temps: string[] = []
afterEach(() => temps.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })))

/** A copy of a shipped avatar, with `edit` applied to its manifest. */
function broken(edit: (m: Record<string, any>) => void = () => {}, id = 'mira') {
  const dir = join(mkdtempSync(join(tmpdir(), 'parley-avatar-')), id)
  temps.push(dir)
  cpSync(join(root, 'public/avatars', id), dir, { recursive: true })
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))
  edit(m)
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m))
  return dir
}

describe('avatar:check', () => {
  it('passes both shipped avatars', async () => {
    expect(await checkBundle(join(root, 'public/avatars/mira'))).toEqual([])
    expect(await checkBundle(join(root, 'public/avatars/theo'))).toEqual([])
  })

  it('names a missing layer file and the field that names it', async () => {
    const dir = broken()
    unlinkSync(join(dir, 'mouth-aa.png'))
    expect(await checkBundle(dir)).toEqual([expect.stringMatching(/mira\/mouth-aa\.png: mouths\.aa: missing$/)])
  })

  it('refuses a picture that is not an image, or does not fit the canvas', async () => {
    const dir = broken((m) => (m.layers.front.x = 900))
    truncateSync(join(dir, 'brows.png'), 10)
    const problems = await checkBundle(dir)
    expect(problems).toContainEqual(expect.stringMatching(/mira\/brows\.png: layers\.brows: not a readable image/))
    expect(problems).toContainEqual(expect.stringMatching(/mira\/front\.png: layers\.front: \d+×\d+ at \(900, \d+\) does not fit the 1024×1024 canvas/))
  })

  it('refuses unknown visemes and mouth shapes, too few shapes, bad numbers, and paths out of the bundle', async () => {
    const dir = broken((m) => {
      m.visemes.TH = 'thh'
      m.visemes.XX = 'rest'
      delete m.visemes.U
      m.idle.blinkMs = 5
      m.width = 'wide'
      m.layers.face.file = '../../secrets.png'
      m.kind = 'photo'
    })
    const problems = (await checkBundle(dir)).join('\n')
    expect(problems).toMatch(/manifest\.json: visemes\.TH: unknown mouth shape "thh" \(known: rest, pressed/)
    expect(problems).toMatch(/visemes\.XX: unknown viseme/)
    expect(problems).toMatch(/visemes\.U: is missing/)
    expect(problems).toMatch(/idle\.blinkMs: 5 must be a number from 50 to 600/)
    expect(problems).toMatch(/width: must be a whole number of pixels/)
    expect(problems).toMatch(/layers\.face\.file: "\.\.\/\.\.\/secrets\.png" must be an image file name beside the manifest/)
    expect(problems).toMatch(/kind: "photo" is not a kind this renderer draws/)
  })

  it('needs at least eight distinct mouth shapes', async () => {
    const dir = broken((m) => {
      for (const k of Object.keys(m.mouths).slice(4)) delete m.mouths[k]
      for (const v of Object.keys(m.visemes)) m.visemes[v] = 'rest'
    })
    expect((await checkBundle(dir)).join('\n')).toMatch(/mouths: has 4 shapes; at least 8 distinct ones are needed/)
  })

  it('runs as a command: exit 0 for good bundles, 1 with the problems for a bad one', () => {
    const tsx = join(root, 'node_modules/.bin/tsx')
    expect(execFileSync(tsx, ['scripts/avatars/check.ts'], { cwd: root, encoding: 'utf8' })).toMatch(/✓ public\/avatars\/mira\n✓ public\/avatars\/theo/)
    const dir = broken((m) => (m.fps = 0))
    let out = ''
    let code = 0
    try {
      execFileSync(tsx, ['scripts/avatars/check.ts', dir], { cwd: root, encoding: 'utf8', stdio: 'pipe' })
    } catch (err) {
      code = (err as { status: number }).status
      out = String((err as { stderr: string }).stderr)
    }
    expect(code).toBe(1)
    expect(out).toMatch(/✗ .*manifest\.json: fps: must be a number from 1 to 120/)
  })
})
