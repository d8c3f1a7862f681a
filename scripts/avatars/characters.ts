/**
 * The project's own avatars, drawn as vector art (SVG) from a small spec each. Every layer is a
 * separate drawing on the same 1024² canvas, so the renderer can move and blend them: the body
 * breathes, the head sways about the neck, eyes blink and glance, mouths change with the voice.
 */
import { type LipColors, MOUTHS, mouthSvg } from './mouths.ts'

export const SIZE = 1024

export interface Character {
  id: string
  name: string
  description: string
  skin: { base: string; shade: string; light: string; blush: string }
  lips: LipColors
  eyes: { iris: string; irisDark: string; lash: string }
  brows: { color: string; path: 'soft' | 'straight' }
  hair: { color: string; shade: string; shine: string; style: 'bob' | 'curls' }
  clothes: { color: string; shade: string; trim: string; style: 'crew' | 'collar' }
  background: [string, string]
  extras: { earrings?: string; glasses?: string; stubble?: string }
}

export const CHARACTERS: Character[] = [
  {
    id: 'mira',
    name: 'Mira',
    description: 'Warm and calm; dark wavy bob, teal sweater.',
    skin: { base: '#e2ab86', shade: '#c98c69', light: '#f0c4a2', blush: '#e58f83' },
    lips: { upper: '#b7565f', lower: '#cc6b72', line: '#7d2f38', inside: '#4a1a22', teeth: '#fbf6ef', tongue: '#c9626b' },
    eyes: { iris: '#6b4226', irisDark: '#2d1a0f', lash: '#2a1a14' },
    brows: { color: '#3b2418', path: 'soft' },
    hair: { color: '#3a2219', shade: '#24140e', shine: '#6a4333', style: 'bob' },
    clothes: { color: '#2f8f8a', shade: '#236e6a', trim: '#e9e2d3', style: 'crew' },
    background: ['#f3ede4', '#dfe9ea'],
    extras: { earrings: '#e7c36a' },
  },
  {
    id: 'theo',
    name: 'Theo',
    description: 'Friendly and focused; short curls, glasses, mustard shirt.',
    skin: { base: '#9b6644', shade: '#7d4f33', light: '#b27a55', blush: '#a9584a' },
    lips: { upper: '#7a4034', lower: '#8d4e42', line: '#4b221b', inside: '#33130f', teeth: '#f7f2ea', tongue: '#b0534f' },
    eyes: { iris: '#3b2416', irisDark: '#170c06', lash: '#1a0f0a' },
    brows: { color: '#1e130e', path: 'straight' },
    hair: { color: '#1f1512', shade: '#120b09', shine: '#3d2c26', style: 'curls' },
    clothes: { color: '#d7a53c', shade: '#b7872a', trim: '#f4ead2', style: 'collar' },
    background: ['#eef0f6', '#e6ece2'],
    extras: { glasses: '#2b2b33', stubble: '#4a2e20' },
  },
]

const EYE_Y = 430
const EYES = [452, 572]

const FACE = 'M512 218 C612 218 668 300 665 410 C662 520 612 622 512 650 C412 622 362 520 359 410 C356 300 412 218 512 218Z'
const eye = (cx: number, cy: number, w = 33, h = 15) =>
  `M${cx - w} ${cy + 2} C${cx - w * 0.6} ${cy - h * 1.25} ${cx + w * 0.55} ${cy - h * 1.3} ${cx + w} ${cy - 1} C${cx + w * 0.55} ${cy + h * 0.95} ${cx - w * 0.6} ${cy + h} ${cx - w} ${cy + 2}Z`

function body(c: Character): string {
  const neck = `<path d="M462 560 L462 700 Q512 742 562 700 L562 560Z" fill="${c.skin.base}"/><path d="M462 600 Q512 660 562 600 L562 650 Q512 700 462 650Z" fill="${c.skin.shade}" opacity="0.7"/>`
  const torso =
    c.clothes.style === 'crew'
      ? `<path d="M150 1024 C160 850 250 760 400 730 Q512 700 624 730 C774 760 864 850 874 1024Z" fill="${c.clothes.color}"/>` +
        `<path d="M410 728 Q512 800 614 728 Q600 712 586 706 Q512 760 438 706 Q424 712 410 728Z" fill="${c.clothes.trim}"/>` +
        `<path d="M250 1024 C262 900 300 840 340 800" stroke="${c.clothes.shade}" stroke-width="10" fill="none" stroke-linecap="round" opacity="0.6"/><path d="M774 1024 C762 900 724 840 684 800" stroke="${c.clothes.shade}" stroke-width="10" fill="none" stroke-linecap="round" opacity="0.6"/>`
      : `<path d="M140 1024 C150 852 246 766 404 732 L512 790 L620 732 C778 766 874 852 884 1024Z" fill="${c.clothes.color}"/>` +
        `<path d="M404 732 L458 702 L512 790 L470 840Z" fill="${c.clothes.trim}"/><path d="M620 732 L566 702 L512 790 L554 840Z" fill="${c.clothes.trim}"/>` +
        `<path d="M512 790 L512 1024" stroke="${c.clothes.shade}" stroke-width="5"/><circle cx="512" cy="860" r="7" fill="${c.clothes.shade}"/><circle cx="512" cy="950" r="7" fill="${c.clothes.shade}"/>`
  return neck + torso
}

function hairBack(c: Character): string {
  if (c.hair.style === 'bob')
    return `<path d="M512 168 C372 168 300 262 300 400 C300 520 318 610 352 662 C392 690 440 684 462 660 L462 470 L562 470 L562 660 C584 684 632 690 672 662 C706 610 724 520 724 400 C724 262 652 168 512 168Z" fill="${c.hair.shade}"/>`
  return `<path d="M512 176 C400 176 338 250 340 360 C341 400 350 430 362 446 L662 446 C674 430 683 400 684 360 C686 250 624 176 512 176Z" fill="${c.hair.shade}"/>`
}

function face(c: Character): string {
  const s = c.skin
  const ears = [356, 668]
    .map((x, i) => {
      const d = i ? 1 : -1
      return `<path d="M${x} 392 C${x + d * 34} 380 ${x + d * 38} 468 ${x + d * 6} 492 C${x - d * 6} 470 ${x - d * 4} 420 ${x} 392Z" fill="${s.base}"/><path d="M${x + d * 8} 410 C${x + d * 24} 408 ${x + d * 24} 456 ${x + d * 8} 470" stroke="${s.shade}" stroke-width="5" fill="none" stroke-linecap="round"/>`
    })
    .join('')
  const earrings = c.extras.earrings ? `<circle cx="${352}" cy="500" r="7" fill="${c.extras.earrings}"/><circle cx="${672}" cy="500" r="7" fill="${c.extras.earrings}"/>` : ''
  const stubble = c.extras.stubble
    ? `<path d="M392 520 C420 600 460 640 512 652 C564 640 604 600 632 520 C612 572 580 600 512 606 C444 600 412 572 392 520Z" fill="${c.extras.stubble}" opacity="0.35"/><path d="M468 540 Q512 526 556 540 Q540 552 512 550 Q484 552 468 540Z" fill="${c.extras.stubble}" opacity="0.35"/>`
    : ''
  return (
    `<defs><radialGradient id="skin-${c.id}" cx="0.48" cy="0.4" r="0.62"><stop offset="0" stop-color="${s.light}"/><stop offset="0.7" stop-color="${s.base}"/><stop offset="1" stop-color="${s.shade}"/></radialGradient></defs>` +
    ears +
    earrings +
    `<path d="${FACE}" fill="url(#skin-${c.id})"/>` +
    // cheeks
    `<ellipse cx="420" cy="512" rx="38" ry="22" fill="${s.blush}" opacity="0.28"/><ellipse cx="604" cy="512" rx="38" ry="22" fill="${s.blush}" opacity="0.28"/>` +
    // nose
    `<path d="M504 448 C500 480 494 500 490 512 C496 522 506 524 512 522" stroke="${s.shade}" stroke-width="4.5" fill="none" stroke-linecap="round"/>` +
    `<path d="M492 516 Q498 526 512 526 Q526 526 532 516" stroke="${s.shade}" stroke-width="3.5" fill="none" stroke-linecap="round" opacity="0.8"/>` +
    `<ellipse cx="514" cy="500" rx="8" ry="14" fill="${s.light}" opacity="0.35"/>` +
    stubble +
    // chin shadow hint
    `<path d="M470 628 Q512 644 554 628" stroke="${s.shade}" stroke-width="3" fill="none" opacity="0.5" stroke-linecap="round"/>`
  )
}

function eyeWhites(): string {
  return EYES.map((x) => `<path d="${eye(x, EYE_Y)}" fill="#fbf8f4"/>`).join('')
}

function irises(c: Character): string {
  return EYES.map(
    (x) =>
      `<circle cx="${x}" cy="${EYE_Y}" r="15" fill="${c.eyes.iris}"/><circle cx="${x}" cy="${EYE_Y}" r="15" fill="none" stroke="${c.eyes.irisDark}" stroke-width="2.5"/>` +
      `<circle cx="${x}" cy="${EYE_Y}" r="7" fill="${c.eyes.irisDark}"/><circle cx="${x + 5}" cy="${EYE_Y - 5}" r="4" fill="#fff" opacity="0.95"/><circle cx="${x - 5}" cy="${EYE_Y + 6}" r="1.8" fill="#fff" opacity="0.6"/>`,
  ).join('')
}

function eyeLines(c: Character): string {
  return EYES.map((x, i) => {
    const d = i ? 1 : -1
    const outer = x + d * 33
    return (
      // upper lid with a lash line that thickens outward
      `<path d="M${x - 35} ${EYE_Y + 2} C${x - 20} ${EYE_Y - 22} ${x + 20} ${EYE_Y - 23} ${x + 35} ${EYE_Y - 1}" stroke="${c.eyes.lash}" stroke-width="5.5" fill="none" stroke-linecap="round"/>` +
      `<path d="M${outer} ${EYE_Y - 1} l${d * 9} -6" stroke="${c.eyes.lash}" stroke-width="4" stroke-linecap="round"/>` +
      // crease and lower lid
      `<path d="M${x - 28} ${EYE_Y - 22} C${x - 12} ${EYE_Y - 34} ${x + 14} ${EYE_Y - 34} ${x + 30} ${EYE_Y - 20}" stroke="${c.skin.shade}" stroke-width="3" fill="none" stroke-linecap="round" opacity="0.7"/>` +
      `<path d="M${x - 26} ${EYE_Y + 10} C${x - 10} ${EYE_Y + 18} ${x + 12} ${EYE_Y + 18} ${x + 28} ${EYE_Y + 8}" stroke="${c.skin.shade}" stroke-width="2" fill="none" stroke-linecap="round" opacity="0.55"/>`
    )
  }).join('')
}

function eyesClosed(c: Character): string {
  return EYES.map(
    (x) =>
      `<path d="${eye(x, EYE_Y, 38, 21)}" fill="${c.skin.base}"/>` +
      `<path d="M${x - 34} ${EYE_Y + 1} C${x - 16} ${EYE_Y + 14} ${x + 16} ${EYE_Y + 14} ${x + 34} ${EYE_Y}" stroke="${c.eyes.lash}" stroke-width="5" fill="none" stroke-linecap="round"/>` +
      `<path d="M${x - 28} ${EYE_Y - 20} C${x - 12} ${EYE_Y - 30} ${x + 14} ${EYE_Y - 30} ${x + 30} ${EYE_Y - 18}" stroke="${c.skin.shade}" stroke-width="3" fill="none" stroke-linecap="round" opacity="0.6"/>`,
  ).join('')
}

function brows(c: Character): string {
  return EYES.map((x, i) => {
    const d = i ? 1 : -1
    const inner = x - d * 36
    const outer = x + d * 40
    return c.brows.path === 'soft'
      ? `<path d="M${inner} ${EYE_Y - 42} C${x - d * 10} ${EYE_Y - 60} ${x + d * 18} ${EYE_Y - 62} ${outer} ${EYE_Y - 48}" stroke="${c.brows.color}" stroke-width="9" fill="none" stroke-linecap="round"/>`
      : `<path d="M${inner} ${EYE_Y - 44} C${x - d * 6} ${EYE_Y - 56} ${x + d * 20} ${EYE_Y - 57} ${outer} ${EYE_Y - 50}" stroke="${c.brows.color}" stroke-width="12" fill="none" stroke-linecap="round"/>`
  }).join('')
}

function front(c: Character): string {
  const h = c.hair
  let hair = ''
  if (h.style === 'bob') {
    hair =
      // a side-swept fringe and the sides framing the face
      `<path d="M512 168 C396 168 320 240 306 352 C300 410 304 470 318 520 C330 450 350 380 380 330 C420 300 470 286 520 262 C560 300 620 318 688 330 C708 370 716 420 716 470 C728 410 726 340 706 290 C670 206 600 168 512 168Z" fill="${h.color}"/>` +
      `<path d="M318 520 C322 580 334 630 352 662 C380 660 392 620 388 560 C382 480 372 420 380 330 C350 380 330 450 318 520Z" fill="${h.color}"/>` +
      `<path d="M706 290 C726 340 728 410 716 470 C712 540 700 620 672 662 C646 660 636 620 640 560 C646 480 660 400 688 330Z" fill="${h.color}"/>` +
      `<path d="M420 214 C470 190 540 186 600 206" stroke="${h.shine}" stroke-width="12" fill="none" stroke-linecap="round" opacity="0.7"/>` +
      `<path d="M520 262 C470 286 420 300 380 330" stroke="${h.shade}" stroke-width="5" fill="none" opacity="0.6"/>`
  } else {
    // short curls: a cap of overlapping circles over the head's top
    const curls: string[] = []
    const rows = [
      { y: 206, xs: [430, 470, 512, 554, 594], r: 34 },
      { y: 238, xs: [386, 420, 604, 640], r: 32 },
      { y: 272, xs: [368, 660], r: 28 },
      { y: 190, xs: [452, 494, 536, 576], r: 30 },
      { y: 250, xs: [456, 500, 546, 588], r: 26 },
    ]
    for (const row of rows) for (const x of row.xs) curls.push(`<circle cx="${x}" cy="${row.y}" r="${row.r}" fill="${h.color}"/>`)
    for (const row of rows) for (const x of row.xs) curls.push(`<path d="M${x - row.r * 0.5} ${row.y - row.r * 0.2} q${row.r * 0.4} -${row.r * 0.5} ${row.r * 0.8} 0" stroke="${h.shine}" stroke-width="4" fill="none" stroke-linecap="round" opacity="0.55"/>`)
    hair = `<path d="M356 320 C352 240 420 180 512 178 C604 180 672 240 668 320 C640 290 600 272 512 270 C424 272 384 290 356 320Z" fill="${h.color}"/>` + curls.join('') +
      // sideburns
      `<path d="M360 320 C358 360 362 390 368 404 L380 404 C378 380 378 350 384 318Z" fill="${h.color}"/><path d="M664 320 C666 360 662 390 656 404 L644 404 C646 380 646 350 640 318Z" fill="${h.color}"/>`
  }
  const g = c.extras.glasses
  const glasses = g
    ? EYES.map((x) => `<rect x="${x - 50}" y="${EYE_Y - 34}" width="100" height="70" rx="30" fill="#dfe8f0" fill-opacity="0.12" stroke="${g}" stroke-width="7"/>`).join('') +
      `<path d="M${EYES[0]! + 50} ${EYE_Y - 8} Q512 ${EYE_Y - 20} ${EYES[1]! - 50} ${EYE_Y - 8}" stroke="${g}" stroke-width="7" fill="none"/>` +
      `<path d="M${EYES[0]! - 50} ${EYE_Y - 10} L366 ${EYE_Y - 16}" stroke="${g}" stroke-width="7"/><path d="M${EYES[1]! + 50} ${EYE_Y - 10} L658 ${EYE_Y - 16}" stroke="${g}" stroke-width="7"/>` +
      EYES.map((x) => `<path d="M${x - 30} ${EYE_Y - 22} l22 -6" stroke="#fff" stroke-width="5" stroke-linecap="round" opacity="0.5"/>`).join('')
    : ''
  return hair + glasses
}

export function background(c: Character): string {
  return `<defs><linearGradient id="bg-${c.id}" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${c.background[0]}"/><stop offset="1" stop-color="${c.background[1]}"/></linearGradient></defs><rect width="${SIZE}" height="${SIZE}" fill="url(#bg-${c.id})"/>`
}

/** Every layer of a character, as SVG fragments on the 1024² canvas. */
export function layers(c: Character): Record<string, string> {
  const out: Record<string, string> = {
    body: body(c),
    'hair-back': hairBack(c),
    face: face(c),
    'eye-whites': eyeWhites(),
    irises: irises(c),
    'eye-lines': eyeLines(c),
    'eyes-closed': eyesClosed(c),
    brows: brows(c),
    front: front(c),
  }
  for (const [name, shape] of Object.entries(MOUTHS)) out[`mouth-${name}`] = mouthSvg(`${c.id}-${name}`, shape, c.lips)
  return out
}

export const svg = (inner: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">${inner}</svg>`

/** The whole character at rest, in draw order (the preview). */
export function composite(c: Character, mouth = 'rest', closed = false): string {
  const l = layers(c)
  const eyes = closed ? l['eyes-closed'] : `${l['eye-whites']}${l.irises}${l['eye-lines']}`
  return svg(`${background(c)}${l.body}${l['hair-back']}${l.face}${eyes}${l.brows}${l[`mouth-${mouth}`]}${l.front}`)
}
