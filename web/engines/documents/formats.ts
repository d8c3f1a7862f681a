import { AppError } from '../../lib/errors.ts'
import type { DocumentFormat } from './protocol.ts'

/**
 * The largest file read. Text this size is thousands of pages; a bigger file is usually a scan or
 * an archive, and reading it whole would hold the tab's memory for nothing.
 */
export const MAX_DOCUMENT_BYTES = 20 * 1024 * 1024

const BY_EXTENSION: Record<string, DocumentFormat> = {
  txt: 'text',
  text: 'text',
  md: 'markdown',
  markdown: 'markdown',
  html: 'html',
  htm: 'html',
  pdf: 'pdf',
  docx: 'docx',
}

const BY_TYPE: Record<string, DocumentFormat> = {
  'text/plain': 'text',
  'text/markdown': 'markdown',
  'text/html': 'html',
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
}

/** What the file picker offers. */
export const ACCEPTED = '.txt,.md,.markdown,.html,.htm,.pdf,.docx,text/plain,text/markdown,text/html,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document'

/** The format of a file, by its name first (browsers guess types from it anyway), or a clear refusal. */
export function documentFormat(file: { name: string; type: string; size: number }): DocumentFormat {
  const ext = /\.([a-z0-9]+)$/i.exec(file.name)?.[1]?.toLowerCase()
  const format = (ext && BY_EXTENSION[ext]) || BY_TYPE[file.type.split(';')[0]!.trim()]
  if (!format) {
    throw new AppError('document_unsupported', `“${file.name}” is not a format Parley reads. Add a .txt, .md, .html, .pdf or .docx file (save other documents as PDF first).`)
  }
  if (file.size > MAX_DOCUMENT_BYTES) {
    const mb = (file.size / 1024 / 1024).toFixed(0)
    throw new AppError('document_too_large', `“${file.name}” is ${mb} MB; Parley reads files up to ${MAX_DOCUMENT_BYTES / 1024 / 1024} MB. Split it, or save just the text.`)
  }
  if (file.size === 0) throw new AppError('document_empty', `“${file.name}” is empty: there is nothing to read in it.`)
  return format
}
