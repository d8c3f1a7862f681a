/**
 * Avatar bundles (DESIGN §6): `public/avatars/<id>/manifest.json` plus its layers. Pure checks of a
 * manifest, and of its files through a reader the caller supplies (Node reads PNG headers, the
 * browser decodes the images) — so `npm run avatar:check` and the renderer's loader agree, and
 * every problem names the file and the field.
 */

import { EXPRESSIONS, type Expression } from './expressions.ts'

/** The 15 Oculus visemes. */
export const VISEMES = ['sil', 'PP', 'FF', 'TH', 'DD', 'kk', 'CH', 'SS', 'nn', 'RR', 'aa', 'E', 'I', 'O', 'U'] as const
export type Viseme = (typeof VISEMES)[number]

/** A picture placed on the avatar's canvas: its file and where its top-left corner goes. */
export interface Placed {
  file: string
  x: number
  y: number
}

/** Layers in draw order; all but `front` move with the head, except `background` and `body`. */
export const LAYERS = ['background', 'body', 'hairBack', 'face', 'eyeWhites', 'irises', 'eyeLines', 'eyesClosed', 'brows', 'front'] as const
export type LayerName = (typeof LAYERS)[number]

export interface Box {
  x: number
  y: number
  width: number
  height: number
}

export interface IdleMotion {
  /** Breathing: seconds per breath, and how much the body scales (0.006 = 0.6%). */
  breathPeriodS: number
  breathScale: number
  /** Head sway about the neck, degrees; slow drift. */
  swayDeg: number
  /** Seconds between blinks (on average) and how long one lasts. */
  blinkPeriodS: number
  blinkMs: number
  /** How far the eyes glance (px on the canvas). */
  saccadePx: number
}

/**
 * How an expression moves this avatar's face at full intensity. Every field is optional (0: as at
 * rest); amounts in px are avatar px, on the manifest's canvas.
 */
export interface ExpressionAmounts {
  /** Both brows up or down (px, negative is up). */
  brows?: number
  /** Each brow turned about its middle (degrees): positive lifts the inner ends (sad, concerned), negative knits them (cross, focused). */
  browTilt?: number
  /** One brow up, the other down by as much (px): positive raises the viewer's right brow (a questioning, thinking look). */
  browSkew?: number
  /** The lids, −1…1: positive narrows the eyes (a smile's squint, sorrow), negative opens them wide (surprise). */
  lids?: number
  /** Both mouth corners (px): positive up (a smile), negative down (a frown). The viseme's shape stays; it is bent. */
  mouthCorners?: number
  /** One corner up, the other down by as much (px): positive raises the viewer's right corner (with mouthCorners, a lopsided smile). */
  mouthSkew?: number
  /** The head's tilt (degrees): positive turns it clockwise as seen. */
  headTiltDeg?: number
}

/** What a bundle may declare: every expression but `neutral`, its resting face. */
export type DeclaredExpression = Exclude<Expression, 'neutral'>

export interface LayeredManifest {
  id: string
  name: string
  version: number
  kind: 'layered-2d'
  width: number
  height: number
  fps: number
  description?: string
  preview: string
  layers: Record<LayerName, Placed>
  /** Mouth shapes by name; several visemes may share one. */
  mouths: Record<string, Placed>
  visemes: Record<Viseme, string>
  /** Where the head turns (the neck), the eyes' and the mouth's centres, and the mouth's region. */
  anchors: { neck: [number, number]; eyes: [[number, number], [number, number]]; mouth: [number, number] }
  mouthBox: Box
  idle: IdleMotion
  /** The expressions this face can show, with its own amounts; absent ones (and `neutral`) are not offered. */
  expressions?: Partial<Record<DeclaredExpression, ExpressionAmounts>>
}

export const MIN_MOUTH_SHAPES = 8

/**
 * Each amount's range; those in px are for a 1024-px-high canvas and scale with the manifest's
 * height, so a bigger bundle may move as far on its own picture.
 */
export const EXPRESSION_RANGES: Record<keyof ExpressionAmounts, { range: [number, number]; px?: true }> = {
  brows: { range: [-24, 24], px: true },
  browTilt: { range: [-30, 30] },
  browSkew: { range: [-16, 16], px: true },
  lids: { range: [-1, 1] },
  mouthCorners: { range: [-20, 20], px: true },
  mouthSkew: { range: [-16, 16], px: true },
  headTiltDeg: { range: [-10, 10] },
}

/** What the face can show: `neutral`, then the bundle's declared expressions (in EXPRESSIONS' order). */
export const declaredExpressions = (m: LayeredManifest): Expression[] => EXPRESSIONS.filter((e) => e === 'neutral' || m.expressions?.[e] !== undefined)

const IDLE_RANGES: Record<keyof IdleMotion, [number, number]> = {
  breathPeriodS: [1, 10],
  breathScale: [0, 0.05],
  swayDeg: [0, 10],
  blinkPeriodS: [1, 30],
  blinkMs: [50, 600],
  saccadePx: [0, 40],
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
/** A file beside the manifest: no folders above it, no URLs. */
const SAFE_FILE = /^[\w-]+(\/[\w-]+)*\.(png|webp|jpg|jpeg)$/

/**
 * Checks a parsed manifest. Returns the manifest when it is sound, and a list of problems, each
 * "<file>: <field>: <what is wrong>".
 */
export function validateManifest(raw: unknown, file = 'manifest.json'): { manifest?: LayeredManifest; problems: string[] } {
  const problems: string[] = []
  const bad = (field: string, what: string) => problems.push(`${file}: ${field}: ${what}`)
  if (!isObject(raw)) return { problems: [`${file}: not a JSON object`] }

  for (const k of ['id', 'name'] as const) if (typeof raw[k] !== 'string' || !raw[k]) bad(k, 'must be a non-empty string')
  if (typeof raw.id === 'string' && !/^[a-z0-9][a-z0-9-]*$/.test(raw.id)) bad('id', `"${raw.id}" must be lowercase letters, digits and dashes`)
  if (!finite(raw.version) || raw.version < 1) bad('version', 'must be a number ≥ 1')
  if (raw.kind !== 'layered-2d') bad('kind', `"${String(raw.kind)}" is not a kind this renderer draws (expected "layered-2d")`)
  for (const k of ['width', 'height'] as const) if (!finite(raw[k]) || raw[k] < 64 || raw[k] > 4096 || !Number.isInteger(raw[k])) bad(k, 'must be a whole number of pixels from 64 to 4096')
  if (!finite(raw.fps) || raw.fps < 1 || raw.fps > 120) bad('fps', 'must be a number from 1 to 120')
  const W = finite(raw.width) ? raw.width : Infinity
  const H = finite(raw.height) ? raw.height : Infinity

  const placed = (field: string, v: unknown) => {
    if (!isObject(v)) return bad(field, 'must be an object { file, x, y }')
    if (typeof v.file !== 'string' || !SAFE_FILE.test(v.file)) bad(`${field}.file`, `"${String(v.file)}" must be an image file name beside the manifest (png, webp or jpeg)`)
    if (!finite(v.x) || !finite(v.y) || v.x < 0 || v.y < 0 || v.x >= W || v.y >= H) bad(field, `position (${String(v.x)}, ${String(v.y)}) must lie on the ${W}×${H} canvas`)
  }
  if (typeof raw.preview !== 'string' || !SAFE_FILE.test(raw.preview)) bad('preview', 'must be an image file name beside the manifest')

  if (!isObject(raw.layers)) bad('layers', 'must be an object naming each layer')
  else {
    for (const name of LAYERS) raw.layers[name] === undefined ? bad(`layers.${name}`, 'is missing') : placed(`layers.${name}`, raw.layers[name])
    for (const name of Object.keys(raw.layers)) if (!(LAYERS as readonly string[]).includes(name)) bad(`layers.${name}`, `unknown layer (known: ${LAYERS.join(', ')})`)
  }

  const mouthNames = isObject(raw.mouths) ? Object.keys(raw.mouths) : []
  if (!isObject(raw.mouths)) bad('mouths', 'must be an object of mouth shapes')
  else {
    for (const [name, v] of Object.entries(raw.mouths)) placed(`mouths.${name}`, v)
    if (mouthNames.length < MIN_MOUTH_SHAPES) bad('mouths', `has ${mouthNames.length} shapes; at least ${MIN_MOUTH_SHAPES} distinct ones are needed`)
  }
  if (!isObject(raw.visemes)) bad('visemes', `must map each of the 15 visemes (${VISEMES.join(' ')}) to a mouth shape`)
  else {
    for (const v of VISEMES) {
      const shape = raw.visemes[v]
      if (shape === undefined) bad(`visemes.${v}`, 'is missing')
      else if (typeof shape !== 'string' || !mouthNames.includes(shape)) bad(`visemes.${v}`, `unknown mouth shape "${String(shape)}" (known: ${mouthNames.join(', ')})`)
    }
    for (const v of Object.keys(raw.visemes)) if (!(VISEMES as readonly string[]).includes(v)) bad(`visemes.${v}`, `unknown viseme (the set is: ${VISEMES.join(' ')})`)
  }

  const point = (field: string, v: unknown) => {
    if (!Array.isArray(v) || v.length !== 2 || !finite(v[0]) || !finite(v[1]) || v[0] < 0 || v[1] < 0 || v[0] > W || v[1] > H) bad(field, `must be a point [x, y] on the ${W}×${H} canvas`)
  }
  if (!isObject(raw.anchors)) bad('anchors', 'must give neck, eyes and mouth points')
  else {
    point('anchors.neck', raw.anchors.neck)
    point('anchors.mouth', raw.anchors.mouth)
    if (!Array.isArray(raw.anchors.eyes) || raw.anchors.eyes.length !== 2) bad('anchors.eyes', 'must be two points')
    else raw.anchors.eyes.forEach((p, i) => point(`anchors.eyes[${i}]`, p))
  }
  const box = raw.mouthBox
  if (!isObject(box) || ![box.x, box.y, box.width, box.height].every(finite) || (box.width as number) <= 0 || (box.height as number) <= 0 || (box.x as number) < 0 || (box.y as number) < 0 || (box.x as number) + (box.width as number) > W || (box.y as number) + (box.height as number) > H)
    bad('mouthBox', `must be a box { x, y, width, height } inside the ${W}×${H} canvas`)

  if (!isObject(raw.idle)) bad('idle', 'must give the idle motion numbers')
  else
    for (const [k, [lo, hi]] of Object.entries(IDLE_RANGES)) {
      const v = raw.idle[k]
      if (!finite(v) || v < lo || v > hi) bad(`idle.${k}`, `${JSON.stringify(v)} must be a number from ${lo} to ${hi}`)
    }

  if (raw.expressions !== undefined) checkExpressions(raw.expressions, finite(raw.height) ? raw.height : 1024, bad)

  return problems.length ? { problems } : { manifest: raw as unknown as LayeredManifest, problems }
}

function checkExpressions(v: unknown, height: number, bad: (field: string, what: string) => void) {
  if (!isObject(v)) return bad('expressions', `must be an object keyed by expression name (${EXPRESSIONS.slice(1).join(', ')})`)
  const fields = Object.keys(EXPRESSION_RANGES)
  for (const [name, amounts] of Object.entries(v)) {
    const at = `expressions.${name}`
    if (name === 'neutral') bad(at, 'is the resting face itself: it is never declared')
    else if (!(EXPRESSIONS as readonly string[]).includes(name)) bad(at, `unknown expression (known: ${EXPRESSIONS.slice(1).join(', ')})`)
    else if (!isObject(amounts)) bad(at, `must be an object of amounts (${fields.join(', ')})`)
    else if (!Object.keys(amounts).length) bad(at, `gives no amounts (${fields.join(', ')}); leave it out instead`)
    else
      for (const [field, value] of Object.entries(amounts)) {
        const rule = EXPRESSION_RANGES[field as keyof ExpressionAmounts]
        if (!rule) {
          bad(`${at}.${field}`, `unknown field (known: ${fields.join(', ')})`)
          continue
        }
        const k = rule.px ? height / 1024 : 1
        const [lo, hi] = rule.range.map((x) => Math.round(x * k * 10) / 10) as [number, number]
        if (!finite(value) || value < lo || value > hi) bad(`${at}.${field}`, `${JSON.stringify(value)} must be a number from ${lo} to ${hi}${rule.px ? ` (px on this ${height}-px-high canvas)` : ''}`)
      }
  }
}

/** Every picture the manifest names, with the field that names it. */
export function pictures(m: LayeredManifest): { field: string; placed: Placed }[] {
  return [
    ...LAYERS.map((name) => ({ field: `layers.${name}`, placed: m.layers[name] })),
    ...Object.entries(m.mouths).map(([name, placed]) => ({ field: `mouths.${name}`, placed })),
  ]
}

/**
 * Checks the files: each exists, decodes, and fits on the canvas where it is placed. `size`
 * returns an image's pixel size, or throws with why it cannot.
 */
export async function checkFiles(m: LayeredManifest, size: (file: string) => Promise<{ width: number; height: number }>, dir = `avatars/${m.id}`): Promise<string[]> {
  const problems: string[] = []
  const all = [...pictures(m), { field: 'preview', placed: { file: m.preview, x: 0, y: 0 } }]
  await Promise.all(
    all.map(async ({ field, placed }) => {
      try {
        const s = await size(placed.file)
        if (field !== 'preview' && (placed.x + s.width > m.width || placed.y + s.height > m.height))
          problems.push(`${dir}/${placed.file}: ${field}: ${s.width}×${s.height} at (${placed.x}, ${placed.y}) does not fit the ${m.width}×${m.height} canvas`)
      } catch (err) {
        problems.push(`${dir}/${placed.file}: ${field}: ${(err as Error).message}`)
      }
    }),
  )
  return problems.sort()
}
