import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { chunkSections, estimateTokens, CHUNKING } from './chunk.ts'
import { documentFormat, MAX_DOCUMENT_BYTES } from './formats.ts'
import { fuseRanks } from './fuse.ts'
import { KeywordIndex } from './keyword-index.ts'
import { strToU8, zipSync } from 'fflate'
import { parseDocx } from './parse-docx.ts'
import { parseHtml } from './parse-html.ts'
import { parseMarkdown, parseText } from './parse-text.ts'
import type { Chunk } from './protocol.ts'
import { VectorIndex } from './vector-index.ts'

const fixture = (name: string) => readFileSync(new URL(`../../../tests/fixtures/documents/${name}`, import.meta.url), 'utf8')

/** The word/document.xml of a small .docx, as Word writes it (namespaced, runs split). */
const wordXml = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr><w:r><w:t>Guide</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">Intro &amp; </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>welcome.</w:t></w:r></w:p>
<w:p><w:pPr><w:pStyle w:val="Heading2"/></w:pPr><w:r><w:t>Setup</w:t></w:r></w:p>
<w:p><w:r><w:t>Step one</w:t><w:tab/><w:t>then two.</w:t></w:r></w:p>
<w:p><w:r><w:t>Line one</w:t><w:br/><w:t>line two</w:t></w:r></w:p>
<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Setup</w:t></w:r></w:p>
<w:p><w:pPr><w:pStyle w:val="Heading2"/></w:pPr><w:r><w:t>Deeper</w:t></w:r></w:p><w:p><w:r><w:t>Last.</w:t></w:r></w:p>
<w:p></w:p><w:sectPr/></w:body></w:document>`

describe('reading documents', () => {
  it('cuts Markdown at its headings and keeps the path of headings', () => {
    const sections = parseMarkdown('# Guide\n\nIntro text.\n\n## Setup\n\nStep **one**, see [the docs](https://x.y).\n\n```\ncode # not a heading\n```\n\nSetext\n------\n\nUnder it.')
    expect(sections.map((s) => s.headings)).toEqual([['Guide'], ['Guide', 'Setup'], ['Guide', 'Setext']])
    expect(sections[1]!.paragraphs).toEqual(['Step one, see the docs.', 'code # not a heading'])
  })

  it('reads an HTML page: headings, paragraphs, no scripts, styles or navigation', () => {
    const sections = parseHtml(`<!doctype html><html><head><title>Shop help</title><style>p{color:red}</style></head><body>
      <nav><a href="/">Home</a></nav><p>Welcome &amp; hello.</p><h1>Delivery</h1><p>We ship in <b>two</b> days.<br>Free over 50 €.</p>
      <script>var secret = 1</script><h2>Abroad</h2><ul><li>EU: 4 days</li><li>UK: 6 days</li></ul><p>unclosed`)
    expect(sections).toEqual([
      { headings: ['Shop help'], paragraphs: ['Welcome & hello.'] },
      { headings: ['Delivery'], paragraphs: ['We ship in two days.', 'Free over 50 €.'] },
      { headings: ['Delivery', 'Abroad'], paragraphs: ['EU: 4 days', 'UK: 6 days', 'unclosed'] },
    ])
  })

  it('reads a Word document: its headings by style, its paragraphs, tabs and breaks as spaces', () => {
    const docx = zipSync({ '[Content_Types].xml': strToU8('<Types/>'), 'word/document.xml': strToU8(wordXml) })
    expect(parseDocx(docx.buffer as ArrayBuffer, 'a.docx')).toEqual([
      { headings: ['Guide'], paragraphs: ['Intro & welcome.'] },
      { headings: ['Guide', 'Setup'], paragraphs: ['Step one then two.', 'Line one line two'] },
      { headings: ['Guide', 'Setup', 'Deeper'], paragraphs: ['Last.'] },
    ])
    expect(() => parseDocx(strToU8('not a zip').buffer as ArrayBuffer, 'old.doc')).toThrow(/not a Word document \(\.docx\)/)
    expect(() => parseDocx(zipSync({ 'a.txt': strToU8('x') }).buffer as ArrayBuffer, 'x.docx')).toThrow(/not a Word document/)
    // A zip bomb: a few KB that would unpack to 65 MB is refused before it is unpacked.
    const bomb = zipSync({ 'word/document.xml': new Uint8Array(65 * 1024 * 1024) }, { level: 9 })
    expect(bomb.byteLength).toBeLessThan(1024 * 1024)
    expect(() => parseDocx(bomb.buffer as ArrayBuffer, 'bomb.docx')).toThrow(/unpacks to 65 MB/)
  })

  it('reads plain text as paragraphs', () => {
    expect(parseText('one\nline\n\n\n two ')).toEqual([{ headings: [], paragraphs: ['one line', 'two'] }])
  })

  it('names the format from the file, and refuses what it cannot read with the way out', () => {
    expect(documentFormat({ name: 'Notes.MD', type: '', size: 10 })).toBe('markdown')
    expect(documentFormat({ name: 'scan', type: 'application/pdf', size: 10 })).toBe('pdf')
    expect(documentFormat({ name: 'report.docx', type: '', size: 10 })).toBe('docx')
    expect(() => documentFormat({ name: 'slides.pptx', type: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', size: 10 })).toThrow(/not a format Parley reads.*\.docx/)
    expect(() => documentFormat({ name: 'big.pdf', type: 'application/pdf', size: 50 * 1024 * 1024 })).toThrow(/50 MB.*up to 20 MB/)
    expect(() => documentFormat({ name: 'empty.txt', type: 'text/plain', size: 0 })).toThrow(/empty/)
    expect(MAX_DOCUMENT_BYTES).toBe(20 * 1024 * 1024)
  })
})

describe('chunking', () => {
  const words = (n: number, w = 'word') => Array.from({ length: n }, (_, i) => `${w}${i}`).join(' ')

  it('keeps a short section whole, and never joins two headings or two pages', () => {
    const chunks = chunkSections('d', [
      { headings: ['A'], paragraphs: ['alpha one.', 'alpha two.'] },
      { headings: ['A', 'B'], paragraphs: ['beta.'] },
      { headings: [], page: 3, paragraphs: ['gamma.'] },
    ])
    expect(chunks.map((c) => [c.id, c.heading, c.page, c.text])).toEqual([
      ['d#0', 'A', undefined, 'alpha one.\nalpha two.'],
      ['d#1', 'A › B', undefined, 'beta.'],
      ['d#2', undefined, 3, 'gamma.'],
    ])
  })

  it('cuts a long section into chunks of at most maxTokens that overlap', () => {
    const paragraphs = Array.from({ length: 30 }, (_, i) => `${words(40, `p${i}w`)}.`)
    const chunks = chunkSections('d', [{ headings: ['Long'], paragraphs }])
    expect(chunks.length).toBeGreaterThan(3)
    for (const c of chunks) expect(estimateTokens(c.text)).toBeLessThanOrEqual(CHUNKING.maxTokens + CHUNKING.overlapTokens)
    for (const c of chunks.slice(0, -1)) expect(estimateTokens(c.text)).toBeGreaterThan(200)
    // The next chunk starts with the end of the one before.
    const lastWords = chunks[0]!.text.split(/\s+/).slice(-5).join(' ')
    expect(chunks[1]!.text.startsWith(lastWords.split(' ')[0]!) || chunks[1]!.text.includes(lastWords)).toBe(true)
    // Nothing lost: every paragraph's last word is somewhere.
    for (let i = 0; i < 30; i++) expect(chunks.some((c) => c.text.includes(`p${i}w39.`))).toBe(true)
  })

  it('cuts a paragraph with no sentence ends at its words', () => {
    const chunks = chunkSections('d', [{ headings: [], paragraphs: [words(1000)] }])
    expect(chunks.length).toBeGreaterThan(2)
    for (const c of chunks) expect(estimateTokens(c.text)).toBeLessThanOrEqual(CHUNKING.maxTokens + CHUNKING.overlapTokens)
    expect(chunks.at(-1)!.text).toContain('word999')
  })

  it('cuts text without spaces by length and at 。, so no chunk is unbounded', () => {
    const blob = 'x'.repeat(20_000)
    const chunks = chunkSections('d', [{ headings: [], paragraphs: [blob] }])
    expect(chunks.map((c) => c.text).join('')).toBe(blob)
    for (const c of chunks) expect(c.text.length).toBeLessThanOrEqual(CHUNKING.maxTokens * 4)
    const chinese = '退货须在三十天内办理并出示收据。'.repeat(400)
    const cut = chunkSections('z', [{ headings: [], paragraphs: [chinese] }])
    expect(cut.length).toBeGreaterThan(2)
    for (const c of cut) expect(estimateTokens(c.text)).toBeLessThanOrEqual(CHUNKING.maxTokens + CHUNKING.overlapTokens)
    expect(cut[0]!.text.endsWith('。')).toBe(true)
    // About a token a character: a chunk of Chinese holds a few hundred characters, not thousands.
    expect(estimateTokens('退货须在三十天内办理')).toBe(10)
    for (const c of cut) expect(c.text.length).toBeLessThanOrEqual(CHUNKING.maxTokens + CHUNKING.overlapTokens)
  })
})

describe('search', () => {
  const corpus = (): { chunks: Chunk[]; names: Map<string, string> } => {
    const chunks: Chunk[] = []
    const names = new Map<string, string>()
    for (const [id, file] of [['r', 'returns-policy.md'], ['k', 'kettle-manual.md'], ['t', 'team-notes.txt']] as const) {
      const text = fixture(file)
      names.set(id, file)
      chunks.push(...chunkSections(id, file.endsWith('.md') ? parseMarkdown(text) : parseText(text), { maxTokens: 60, overlapTokens: 10 }))
    }
    return { chunks, names }
  }

  it('finds the passage that answers each fixture question in the top 3 by keywords alone', () => {
    const { chunks, names } = corpus()
    const index = new KeywordIndex()
    for (const [id, name] of names) index.add(chunks.filter((c) => c.docId === id), name)
    const { questions } = JSON.parse(fixture('questions.json')) as { questions: { q: string; file: string; phrase: string }[] }
    for (const { q, file, phrase } of questions) {
      const top = index.query(q, 3).map((id) => chunks.find((c) => c.id === id)!)
      const hit = top.find((c) => names.get(c.docId) === file && c.text.includes(phrase))
      expect(hit, `${q} → ${top.map((c) => c.text.slice(0, 40)).join(' | ')}`).toBeDefined()
    }
  })

  it('forgets removed passages', () => {
    const { chunks } = corpus()
    const index = new KeywordIndex()
    index.add(chunks, 'all')
    index.remove(chunks.filter((c) => c.docId === 'k').map((c) => c.id))
    expect(index.query('kettle descale vinegar', 5).every((id) => !id.startsWith('k#'))).toBe(true)
  })

  it('ranks vectors by cosine, grows, and removes rows without disturbing the others', () => {
    const v = new VectorIndex('device:test')
    const unit = (...xs: number[]) => {
      const n = Math.hypot(...xs)
      return xs.map((x) => x / n)
    }
    v.add(['a', 'b'], Float32Array.from([...unit(1, 0, 0), ...unit(0, 1, 0)]), 3)
    v.add(['c'], Float32Array.from(unit(1, 1, 0)), 3)
    expect(v.query(Float32Array.from(unit(1, 0.1, 0)), 2)).toEqual(['a', 'c'])
    // Below the floor is no match at all.
    expect(v.query(Float32Array.from(unit(1, 0.1, 0)), 3, 0.9)).toEqual(['a'])
    v.remove(['a'])
    expect(v.size).toBe(2)
    expect(v.query(Float32Array.from(unit(1, 0.1, 0)), 3)).toEqual(['c', 'b'])
    expect(() => v.add(['d'], new Float32Array(4), 4)).toThrow(/4 numbers/)
  })

  it('fuses two rankings by reciprocal rank: agreement wins', () => {
    const fused = fuseRanks([['a', 'b', 'c'], ['c', 'a', 'd']], 3)
    expect(fused.map((f) => f.id)).toEqual(['a', 'c', 'b'])
    expect(fused[0]!.ranks).toEqual([1, 2])
    expect(fused.find((f) => f.id === 'b')!.ranks).toEqual([2, undefined])
  })
})
