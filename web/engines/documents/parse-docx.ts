import { unzipSync } from 'fflate'
import { Parser } from 'htmlparser2'
import { AppError } from '../../lib/errors.ts'
import type { Section } from './protocol.ts'

/** Word's heading styles: "Heading1" … "Heading6" (and the same in other languages' ids), "Title". */
const HEADING = /^(?:heading|titre|berschrift|kop|encabezado|titolo)\s*([1-6])$/i

/** Word's text of a whole book is a few MB of XML; a zip that says more is not a document to unpack in memory. */
const MAX_XML_BYTES = 64 * 1024 * 1024

function tooBig(size: number, name: string): true {
  if (size > MAX_XML_BYTES) throw new AppError('document_too_large', `“${name}” unpacks to ${Math.round(size / 1024 / 1024)} MB of text, more than Parley reads (${MAX_XML_BYTES / 1024 / 1024} MB). Split it, or save it as PDF.`)
  return true
}

/**
 * A Word document (.docx) is a zip of XML: its text is in word/document.xml, a `w:p` per
 * paragraph, `w:t` runs of text, and a paragraph style that says which are headings. fflate
 * unzips it, htmlparser2 reads the XML; nothing else of the file (images, comments) is read.
 */
export function parseDocx(data: ArrayBuffer, name: string): Section[] {
  let xml: Uint8Array | undefined
  try {
    xml = unzipSync(new Uint8Array(data), { filter: (f) => f.name === 'word/document.xml' && tooBig(f.originalSize, name) })['word/document.xml']
  } catch (err) {
    if ((err as { code?: string }).code === 'document_too_large') throw err
    xml = undefined
  }
  if (!xml) throw new AppError('document_unreadable', `“${name}” could not be read: it is not a Word document (.docx) — damaged, or an older .doc. Save it as .docx or PDF.`)
  const sections: Section[] = []
  let headings: string[] = []
  // The document's Title heads every section; Heading 1 is the first level under it.
  let title: string | null = null
  let paragraphs: string[] = []
  let text = ''
  let level = 0
  let inText = false
  const parser = new Parser(
    {
      onopentag(tag, attrs) {
        if (tag === 'w:p') [text, level] = ['', 0]
        else if (tag === 'w:t') inText = true
        else if (tag === 'w:tab' || tag === 'w:br') text += ' '
        else if (tag === 'w:pstyle') {
          const style = attrs['w:val'] ?? ''
          level = style.toLowerCase() === 'title' ? -1 : Number(HEADING.exec(style)?.[1] ?? 0)
        }
      },
      ontext(data) {
        if (inText) text += data
      },
      onclosetag(tag) {
        if (tag === 'w:t') inText = false
        if (tag !== 'w:p') return
        const p = text.replace(/\s+/g, ' ').trim()
        if (!p) return
        if (level) {
          if (paragraphs.length) sections.push({ headings: title ? [title, ...headings] : headings, paragraphs })
          paragraphs = []
          if (level === -1) [title, headings] = [p, []]
          else headings = [...headings.slice(0, level - 1), p]
        } else paragraphs.push(p)
      },
    },
    { xmlMode: true, decodeEntities: true, lowerCaseTags: true },
  )
  parser.write(new TextDecoder().decode(xml))
  parser.end()
  if (paragraphs.length) sections.push({ headings: title ? [title, ...headings] : headings, paragraphs })
  return sections
}
