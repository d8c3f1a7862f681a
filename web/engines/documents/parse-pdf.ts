import { AppError } from '../../lib/errors.ts'
import type { Section } from './protocol.ts'

type PdfJs = typeof import('pdfjs-dist')

let pdfjs: Promise<PdfJs> | undefined

/**
 * pdf.js, loaded on the first PDF. It runs here, in the documents worker, on its "main thread"
 * path (its own worker module imported into this one): the worker is already off the page's thread.
 */
function loadPdfJs(): Promise<PdfJs> {
  pdfjs ??= (async () => {
    const worker = await import('pdfjs-dist/build/pdf.worker.min.mjs')
    ;(globalThis as { pdfjsWorker?: unknown }).pdfjsWorker = worker
    return import('pdfjs-dist')
  })()
  return pdfjs
}

/** A PDF's text, a section per page (its number kept for citations); lines joined into paragraphs by pdf.js's line ends and gaps. */
export async function parsePdf(data: ArrayBuffer, name: string): Promise<{ sections: Section[]; pages: number }> {
  const lib = await loadPdfJs()
  const task = lib.getDocument({ data: new Uint8Array(data), disableFontFace: true, useSystemFonts: false })
  let doc: Awaited<typeof task.promise>
  try {
    doc = await task.promise
  } catch (err) {
    const why = (err as { name?: string })?.name === 'PasswordException' ? 'it is protected by a password' : 'it is not a readable PDF (damaged, or not a PDF at all)'
    throw new AppError('document_unreadable', `“${name}” could not be read: ${why}.`)
  }
  const sections: Section[] = []
  try {
    for (let page = 1; page <= doc.numPages; page++) {
      const content = await (await doc.getPage(page)).getTextContent()
      let text = ''
      for (const item of content.items) {
        if (!('str' in item)) continue
        text += item.str
        text += item.hasEOL ? '\n' : ''
      }
      const paragraphs = paragraphsFromLines(text)
      if (paragraphs.length) sections.push({ headings: [], page, paragraphs })
    }
    return { sections, pages: doc.numPages }
  } finally {
    void task.destroy()
  }
}

/**
 * PDF text comes as lines: a blank line, or a line that ends a sentence and is shorter than most,
 * ends a paragraph; a word broken by a hyphen at a line's end is joined again.
 */
function paragraphsFromLines(text: string): string[] {
  const lines = text.split('\n').map((l) => l.replace(/\s+/g, ' ').trim())
  const longest = Math.max(0, ...lines.map((l) => l.length))
  const paragraphs: string[] = []
  let current = ''
  for (const line of lines) {
    if (!line) {
      if (current) paragraphs.push(current)
      current = ''
      continue
    }
    current = current.endsWith('-') ? `${current.slice(0, -1)}${line}` : current ? `${current} ${line}` : line
    if (/[.!?:]["”’)]?$/.test(line) && line.length < longest * 0.7) {
      paragraphs.push(current)
      current = ''
    }
  }
  if (current) paragraphs.push(current)
  return paragraphs
}
