import type { Section } from './protocol.ts'

/** Plain text: paragraphs between blank lines; no headings. */
export function parseText(text: string): Section[] {
  return [{ headings: [], paragraphs: paragraphsOf(text) }]
}

/**
 * Markdown: a section per heading (ATX `#` and setext underlines), its path of headings kept for
 * citations; paragraphs between blank lines, with the markup that is not words taken out. Code
 * blocks stay as they are (a name or number in them may be what someone asks about).
 */
export function parseMarkdown(text: string): Section[] {
  const sections: Section[] = []
  let headings: string[] = []
  let lines: string[] = []
  let fence: string | null = null
  const flush = () => {
    const paragraphs = paragraphsOf(lines.join('\n')).map(plainMarkdown).filter(Boolean)
    if (paragraphs.length) sections.push({ headings, paragraphs })
    lines = []
  }
  const heading = (level: number, title: string) => {
    flush()
    headings = [...headings.slice(0, level - 1), plainMarkdown(title)]
  }
  const source = text.replace(/\r\n?/g, '\n').split('\n')
  for (let i = 0; i < source.length; i++) {
    const line = source[i]!
    const fenceMark = /^\s{0,3}(```|~~~)/.exec(line)?.[1]
    if (fenceMark && (fence === null || fence === fenceMark)) {
      fence = fence === null ? fenceMark : null
      continue
    }
    if (fence !== null) {
      lines.push(line)
      continue
    }
    const atx = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line)
    if (atx) {
      heading(atx[1]!.length, atx[2]!)
      continue
    }
    const next = source[i + 1]
    // A setext heading: one line of text underlined with = or - (a lone --- is a rule, not this).
    const startsParagraph = !lines.length || !lines.at(-1)!.trim()
    if (line.trim() && startsParagraph && next !== undefined && /^\s{0,3}(=+|-+)\s*$/.test(next)) {
      heading(next.trim().startsWith('=') ? 1 : 2, line.trim())
      i++
      continue
    }
    lines.push(line)
  }
  flush()
  return sections
}

/** Paragraphs: text between blank lines, its lines joined, its spaces made single. */
export function paragraphsOf(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
}

/** Markdown's markup out, its words in: links and images keep their text, emphasis and bullets go. */
function plainMarkdown(text: string): string {
  return text
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__|~~)(.*?)\1/g, '$2')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/(^|\s)[-*+]\s+/g, '$1')
    .replace(/(^|\s)>\s?/g, '$1')
    .replace(/<\/?[a-z][^>]*>/gi, '')
    .replace(/\s+/g, ' ')
    .trim()
}
