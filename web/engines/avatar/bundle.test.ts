import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { declaredExpressions, validateManifest, type LayeredManifest } from './bundle.ts'

const read = (id: string) => JSON.parse(readFileSync(new URL(`../../../public/avatars/${id}/manifest.json`, import.meta.url), 'utf8')) as LayeredManifest
const withExpressions = (expressions: unknown, height?: number) => ({ ...read('mira'), expressions, ...(height ? { height } : {}) })

describe('validateManifest: expressions', () => {
  it('accepts both shipped avatars, each with all six expressions', () => {
    for (const id of ['mira', 'theo']) {
      const { manifest, problems } = validateManifest(read(id))
      expect(problems).toEqual([])
      expect(declaredExpressions(manifest!)).toEqual(['neutral', 'happy', 'sad', 'surprised', 'thinking', 'concerned', 'amused'])
    }
  })

  it('a bundle that declares none shows only neutral', () => {
    const m = { ...read('mira') }
    delete m.expressions
    expect(validateManifest(m).problems).toEqual([])
    expect(declaredExpressions(m)).toEqual(['neutral'])
  })

  it('names the file, the expression and the field of each bad entry', () => {
    const { manifest, problems } = validateManifest(
      withExpressions({
        neutral: { brows: 0 },
        angry: { brows: 4 },
        happy: { mouthCorners: 40, lids: '0.3', smile: 2 },
        sad: 'down',
        thinking: {},
        surprised: { lids: -1.5, headTiltDeg: 11 },
      }),
      'mira/manifest.json',
    )
    expect(manifest).toBeUndefined()
    expect(problems).toEqual([
      'mira/manifest.json: expressions.neutral: is the resting face itself: it is never declared',
      'mira/manifest.json: expressions.angry: unknown expression (known: happy, sad, surprised, thinking, concerned, amused)',
      'mira/manifest.json: expressions.happy.mouthCorners: 40 must be a number from -20 to 20 (px on this 1024-px-high canvas)',
      'mira/manifest.json: expressions.happy.lids: "0.3" must be a number from -1 to 1',
      'mira/manifest.json: expressions.happy.smile: unknown field (known: brows, browTilt, browSkew, lids, mouthCorners, mouthSkew, headTiltDeg)',
      'mira/manifest.json: expressions.sad: must be an object of amounts (brows, browTilt, browSkew, lids, mouthCorners, mouthSkew, headTiltDeg)',
      'mira/manifest.json: expressions.thinking: gives no amounts (brows, browTilt, browSkew, lids, mouthCorners, mouthSkew, headTiltDeg); leave it out instead',
      'mira/manifest.json: expressions.surprised.lids: -1.5 must be a number from -1 to 1',
      'mira/manifest.json: expressions.surprised.headTiltDeg: 11 must be a number from -10 to 10',
    ])
  })

  it('refuses an expressions field that is not an object keyed by name', () => {
    expect(validateManifest(withExpressions(['happy'])).problems).toEqual(['manifest.json: expressions: must be an object keyed by expression name (happy, sad, surprised, thinking, concerned, amused)'])
  })

  it('scales the px ranges with the canvas: twice the height, twice as far', () => {
    const big = { ...withExpressions({ happy: { mouthCorners: 30 } }), width: 2048, height: 2048 }
    expect(validateManifest(big).problems).toEqual([])
    expect(validateManifest({ ...big, expressions: { happy: { mouthCorners: 50 } } }).problems).toEqual(['manifest.json: expressions.happy.mouthCorners: 50 must be a number from -40 to 40 (px on this 2048-px-high canvas)'])
  })
})
