/**
 * Mouth shapes, drawn from a few numbers each, and which of the 15 Oculus visemes use which.
 * Every shape is centred on the same point so the renderer can blend any two of them.
 */
export interface MouthShape {
  /** Half the width, corner to corner (px at 1024²). */
  width: number
  /** Height of the opening between the lips; 0 is closed. */
  open: number
  /** 0 spread … 1 rounded (corners pulled in, lips pushed out). */
  round: number
  /** Lip thickness, upper and lower. */
  upper: number
  lower: number
  upperTeeth?: boolean
  lowerTeeth?: boolean
  /** Tongue: low in the mouth, or its tip between the teeth (TH). */
  tongue?: 'low' | 'tip'
  /** Lower lip tucked under the upper teeth (FF). */
  tuck?: boolean
  /** Corners lifted (a resting smile). */
  smile?: number
}

export const MOUTHS: Record<string, MouthShape> = {
  rest: { width: 46, open: 0, round: 0.1, upper: 9, lower: 12, smile: 4 },
  pressed: { width: 42, open: 0, round: 0, upper: 6, lower: 8, smile: 1 },
  ff: { width: 45, open: 7, round: 0.05, upper: 9, lower: 8, upperTeeth: true, tuck: true },
  th: { width: 44, open: 11, round: 0.1, upper: 9, lower: 11, upperTeeth: true, tongue: 'tip' },
  dd: { width: 44, open: 12, round: 0.15, upper: 9, lower: 11, upperTeeth: true, lowerTeeth: true },
  kk: { width: 45, open: 20, round: 0.2, upper: 9, lower: 12, upperTeeth: true, tongue: 'low' },
  ch: { width: 36, open: 12, round: 0.6, upper: 11, lower: 13, upperTeeth: true, lowerTeeth: true },
  ss: { width: 50, open: 7, round: 0, upper: 8, lower: 10, upperTeeth: true, lowerTeeth: true, smile: 2 },
  rr: { width: 34, open: 13, round: 0.7, upper: 11, lower: 13, upperTeeth: true },
  aa: { width: 47, open: 40, round: 0.3, upper: 8, lower: 11, upperTeeth: true, tongue: 'low' },
  e: { width: 52, open: 22, round: 0.1, upper: 8, lower: 10, upperTeeth: true, tongue: 'low', smile: 2 },
  i: { width: 55, open: 12, round: 0, upper: 7, lower: 9, upperTeeth: true, lowerTeeth: true, smile: 3 },
  o: { width: 31, open: 30, round: 0.9, upper: 12, lower: 14, tongue: 'low' },
  u: { width: 23, open: 13, round: 1, upper: 13, lower: 15 },
}

/** The 15 Oculus visemes → mouth shape. */
export const VISEME_TO_MOUTH: Record<string, string> = {
  sil: 'rest',
  PP: 'pressed',
  FF: 'ff',
  TH: 'th',
  DD: 'dd',
  kk: 'kk',
  CH: 'ch',
  SS: 'ss',
  nn: 'dd',
  RR: 'rr',
  aa: 'aa',
  E: 'e',
  I: 'i',
  O: 'o',
  U: 'u',
}

export interface LipColors {
  upper: string
  lower: string
  line: string
  inside: string
  teeth: string
  tongue: string
}

const f = (n: number) => n.toFixed(1)

/** One mouth as SVG, centred at (cx, cy). */
export function mouthSvg(id: string, m: MouthShape, c: LipColors, cx = 512, cy = 568): string {
  const w = m.width
  const smile = m.smile ?? 0
  const top = cy - m.open * 0.42
  const bottom = cy + m.open * 0.58
  // Rounded mouths bulge at the corners; spread ones are long and flat.
  const bulge = 0.3 + m.round * 0.3
  const L = { x: cx - w, y: cy - smile }
  const R = { x: cx + w, y: cy - smile }
  const upTop = top - m.upper
  const lowBottom = bottom + m.lower
  const outer = [
    `M${f(L.x)} ${f(L.y)}`,
    `C${f(L.x + w * 0.12)} ${f(L.y - (cy - upTop) * bulge)} ${f(cx - w * 0.55)} ${f(upTop)} ${f(cx - w * 0.28)} ${f(upTop)}`,
    `Q${f(cx - 5)} ${f(upTop - 1.5)} ${f(cx)} ${f(upTop + 3.5)}`,
    `Q${f(cx + 5)} ${f(upTop - 1.5)} ${f(cx + w * 0.28)} ${f(upTop)}`,
    `C${f(cx + w * 0.55)} ${f(upTop)} ${f(R.x - w * 0.12)} ${f(R.y - (cy - upTop) * bulge)} ${f(R.x)} ${f(R.y)}`,
    `C${f(R.x - w * 0.1)} ${f(R.y + (lowBottom - cy) * bulge * 1.1)} ${f(cx + w * 0.5)} ${f(lowBottom)} ${f(cx)} ${f(lowBottom)}`,
    `C${f(cx - w * 0.5)} ${f(lowBottom)} ${f(L.x + w * 0.1)} ${f(L.y + (lowBottom - cy) * bulge * 1.1)} ${f(L.x)} ${f(L.y)}Z`,
  ].join(' ')
  // The opening: its corners sit inside the lip corners, more so when rounded.
  const wi = w * (0.86 - m.round * 0.3)
  const Li = { x: cx - wi, y: cy - smile * 0.7 }
  const Ri = { x: cx + wi, y: cy - smile * 0.7 }
  const ib = 0.2 + m.round * 0.4
  const inner = `M${f(Li.x)} ${f(Li.y)} C${f(Li.x + wi * 0.15)} ${f(Li.y - (cy - top) * ib)} ${f(cx - wi * 0.5)} ${f(top)} ${f(cx)} ${f(top)} C${f(cx + wi * 0.5)} ${f(top)} ${f(Ri.x - wi * 0.15)} ${f(Ri.y - (cy - top) * ib)} ${f(Ri.x)} ${f(Ri.y)} C${f(Ri.x - wi * 0.15)} ${f(Ri.y + (bottom - cy) * ib)} ${f(cx + wi * 0.5)} ${f(bottom)} ${f(cx)} ${f(bottom)} C${f(cx - wi * 0.5)} ${f(bottom)} ${f(Li.x + wi * 0.15)} ${f(Li.y + (bottom - cy) * ib)} ${f(Li.x)} ${f(Li.y)}Z`

  const grad = `lip-${id}`
  const clip = `inside-${id}`
  const parts: string[] = [
    `<defs><linearGradient id="${grad}" x1="0" y1="${f(upTop)}" x2="0" y2="${f(lowBottom)}" gradientUnits="userSpaceOnUse">` +
      `<stop offset="0" stop-color="${c.upper}"/><stop offset="${f(((cy - upTop) / (lowBottom - upTop)) * 100)}%" stop-color="${c.upper}"/>` +
      `<stop offset="${f(((cy - upTop) / (lowBottom - upTop)) * 100 + 4)}%" stop-color="${c.lower}"/><stop offset="1" stop-color="${c.lower}"/></linearGradient>` +
      `<clipPath id="${clip}"><path d="${inner}"/></clipPath></defs>`,
  ]
  if (m.open > 0) {
    parts.push(`<path d="${inner}" fill="${c.inside}"/>`)
    const g: string[] = []
    if (m.tongue === 'low') g.push(`<ellipse cx="${cx}" cy="${f(bottom + 2)}" rx="${f(wi * 0.62)}" ry="${f(Math.max(5, m.open * 0.32))}" fill="${c.tongue}"/>`)
    if (m.upperTeeth) g.push(`<rect x="${f(cx - wi * 0.78)}" y="${f(top - 6)}" width="${f(wi * 1.56)}" height="${f(Math.min(11, m.open * 0.45) + 6)}" rx="4" fill="${c.teeth}"/>`)
    if (m.lowerTeeth) g.push(`<rect x="${f(cx - wi * 0.66)}" y="${f(bottom - Math.min(7, m.open * 0.35))}" width="${f(wi * 1.32)}" height="${f(Math.min(7, m.open * 0.35) + 6)}" rx="3" fill="${c.teeth}" opacity="0.92"/>`)
    if (m.tongue === 'tip') g.push(`<ellipse cx="${cx}" cy="${f(cy + 1)}" rx="${f(wi * 0.42)}" ry="${f(m.open * 0.3)}" fill="${c.tongue}"/>`)
    parts.push(`<g clip-path="url(#${clip})">${g.join('')}</g>`)
    parts.push(`<path d="${outer} ${inner}" fill="url(#${grad})" fill-rule="evenodd"/>`)
  } else {
    parts.push(`<path d="${outer}" fill="url(#${grad})"/>`)
    parts.push(`<path d="M${f(L.x + 3)} ${f(L.y)} Q${f(cx - w * 0.4)} ${f(cy + 2)} ${f(cx)} ${f(cy + 1.5)} Q${f(cx + w * 0.4)} ${f(cy + 2)} ${f(R.x - 3)} ${f(R.y)}" fill="none" stroke="${c.line}" stroke-width="2.6" stroke-linecap="round"/>`)
  }
  if (m.tuck) parts.push(`<path d="M${f(cx - wi * 0.8)} ${f(bottom + 1)} Q${f(cx)} ${f(bottom + 5)} ${f(cx + wi * 0.8)} ${f(bottom + 1)}" fill="none" stroke="${c.line}" stroke-width="2" opacity="0.5"/>`)
  // A soft highlight on the lower lip.
  parts.push(`<ellipse cx="${f(cx + w * 0.08)}" cy="${f(lowBottom - m.lower * 0.55)}" rx="${f(w * 0.28)}" ry="${f(Math.max(1.5, m.lower * 0.2))}" fill="#fff" opacity="0.22"/>`)
  // Corners: a touch of shadow where the lips meet the cheeks.
  parts.push(`<circle cx="${f(L.x - 1)}" cy="${f(L.y)}" r="2" fill="${c.line}" opacity="0.18"/><circle cx="${f(R.x + 1)}" cy="${f(R.y)}" r="2" fill="${c.line}" opacity="0.18"/>`)
  return parts.join('')
}
