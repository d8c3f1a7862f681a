import { Parser } from 'htmlparser2'
import type { Section } from './protocol.ts'

/** Elements whose content is not the page's text. */
const SKIP = new Set(['script', 'style', 'noscript', 'template', 'svg', 'head', 'nav', 'iframe', 'object', 'canvas'])
/** Elements that end a paragraph. */
const BLOCK = new Set(['p', 'div', 'section', 'article', 'main', 'aside', 'header', 'footer', 'li', 'ul', 'ol', 'dl', 'dt', 'dd', 'tr', 'table', 'blockquote', 'pre', 'figure', 'figcaption', 'br', 'hr', 'form', 'details', 'summary'])

/**
 * An HTML page's text (a worker has no DOMParser; htmlparser2 reads it as browsers do, forgiving
 * broken markup): a section per h1–h6, paragraphs at block elements; scripts, styles and
 * navigation left out. The title heads the page when it has no h1.
 */
export function parseHtml(html: string): Section[] {
  const sections: Section[] = []
  let headings: string[] = []
  let paragraphs: string[] = []
  let text = ''
  let skipping = 0
  let inTitle = false
  let title = ''
  let heading: { level: number; text: string } | null = null
  const endParagraph = () => {
    const p = text.replace(/\s+/g, ' ').trim()
    if (p) paragraphs.push(p)
    text = ''
  }
  const endSection = () => {
    endParagraph()
    if (paragraphs.length) sections.push({ headings, paragraphs })
    paragraphs = []
  }
  const parser = new Parser(
    {
      onopentag(name) {
        if (name === 'title') inTitle = true
        if (SKIP.has(name)) skipping++
        if (skipping) return
        const level = /^h([1-6])$/.exec(name)?.[1]
        if (level) {
          endSection()
          heading = { level: Number(level), text: '' }
        } else if (BLOCK.has(name)) endParagraph()
      },
      ontext(data) {
        if (inTitle) title += data
        if (skipping) return
        if (heading) heading.text += data
        else text += data
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false
        if (SKIP.has(name)) {
          skipping = Math.max(0, skipping - 1)
          return
        }
        if (skipping) return
        if (heading && name === `h${heading.level}`) {
          const h = heading.text.replace(/\s+/g, ' ').trim()
          headings = [...headings.slice(0, heading.level - 1), h].filter(Boolean)
          heading = null
        } else if (BLOCK.has(name)) endParagraph()
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  )
  parser.write(html)
  parser.end()
  endSection()
  const pageTitle = title.replace(/\s+/g, ' ').trim()
  if (pageTitle) for (const s of sections) if (!s.headings.length) s.headings = [pageTitle]
  return sections
}
