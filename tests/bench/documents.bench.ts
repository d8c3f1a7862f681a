/**
 * Documents, in real Chromium (the bench page and the session lab, through the real relay to a fake
 * LLM that answers at once):
 * - indexing throughput: a long Markdown file read, cut and embedded by the tiny generated embedding
 *   model on WASM — plumbing (tokenizer, ONNX Runtime, batches, IndexedDB), not a real model's speed;
 * - search over 10 000 passages of 384-dim vectors plus keyword search, inside the worker and as
 *   the main thread sees it (the question embedded by the model each time);
 * - what retrieval adds to an answer's first token: a typed turn with the fixture documents kept,
 *   beside the same turn with none.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { chromium } from '@playwright/test'
import { loadConfig } from '../../relay/config.ts'
import { startRelay } from '../../relay/node.ts'
import { startFakeLlm } from '../fakes/llm-upstream.ts'
import { baseArgs, chromiumPath } from './conversation.ts'
import { type Benchmark, markdownTable, ms, root, summarize } from './harness.ts'

const KEY = 'sk-bench-not-a-real-key'
const MODEL = 'parley-test/tiny-embedder'
const PASSAGES = 10_000
const SEARCHES = 60
const TURNS = 20
const QUESTIONS = ['How long does a refund take?', 'kettle blinks red three times', 'budget for paid search', 'order number NW-482913', 'when is the next meeting']

type Bench = Record<string, (...a: unknown[]) => Promise<unknown>>
type Lab = Record<string, (...a: unknown[]) => unknown>
interface Seen {
  kind: string
  at: number
}

export const documents: Benchmark = {
  name: 'documents',
  async run() {
    execFileSync(`${root}node_modules/.bin/vite`, ['build', '--mode', 'bench', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' })
    execFileSync('/usr/bin/python3', [`${root}models/tools/make-tiny-embedder.py`, `${root}models/${MODEL}`], { stdio: 'inherit' })
    const llm = await startFakeLlm({ apiKey: KEY, chunkDelayMs: 0 })
    const relay = await startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0', LLM_BASE_URL: llm.baseUrl, LLM_API_KEY: KEY, LLM_MODEL: 'fake-model', PARLEY_RATE_LIMIT: '0' }), { distDir: `${root}build/bench`, log: () => {} })
    const browser = await chromium.launch({ executablePath: chromiumPath, args: baseArgs })
    const corpus = ['returns-policy.md', 'kettle-manual.md', 'team-notes.txt'].map((name) => ({ name, text: readFileSync(`${root}tests/fixtures/documents/${name}`, 'utf8') }))
    try {
      const page = await browser.newPage()
      await page.goto(`${relay.url}/bench/index.html`)
      await page.waitForSelector('body[data-ready="true"]')
      const bench = <T>(name: string, ...args: unknown[]) => page.evaluate(([n, a]) => (window as unknown as { parleyBench: Bench }).parleyBench[n as string]!(...(a as unknown[])), [name, args] as const) as Promise<T>

      // A long file: the fixtures' sections again and again, each under its own heading.
      const long = Array.from({ length: 40 }, (_, i) => corpus.map((c) => `# Part ${i} of ${c.name}\n\n${c.text.replace(/^#+ /gm, '## ')}`).join('\n\n')).join('\n\n')
      const index = await bench<{ chunks: number; loadMs: number; parseMs: number; embedMs: number; storeMs: number; chunksPerSecond: number }>('documentsIndex', MODEL, long)
      const search = await bench<{ hybrid: { totalMs: number; workerMs: number; vector: boolean }[]; keywords: { totalMs: number; workerMs: number }[] }>('documentsSearch', MODEL, PASSAGES, 384, SEARCHES, QUESTIONS)

      // Retrieval's share of the first token: the same typed turns without documents, then with them.
      await page.goto(`${relay.url}/lab/session.html`)
      await page.waitForSelector('body[data-ready="true"]')
      const lab = (name: string, ...args: unknown[]) => page.evaluate(([n, a]) => (window as unknown as { parleySessionLab: Lab }).parleySessionLab[n as string]!(...(a as unknown[])), [name, args] as const)
      await lab('create', { speakAnswers: false, documentSearch: 'on-device', embeddingModel: MODEL })
      await page.waitForFunction(() => ((window as unknown as { parleySessionLab: Lab }).parleySessionLab.snapshot!() as { placements: { agent: { placement: string | null } } }).placements.agent.placement === 'relay')
      const firstTokens = async () => {
        const out: number[] = []
        for (let i = 0; i < TURNS; i++) {
          llm.next({ kind: 'reply', text: 'An answer.' })
          const before = ((await lab('events')) as Seen[]).length
          // A new question each time (the worker would not embed a repeated one again).
          await lab('send', `${QUESTIONS[i % QUESTIONS.length]} (${i})`)
          await page.waitForFunction((n) => ((window as unknown as { parleySessionLab: Lab }).parleySessionLab.events!() as Seen[]).slice(n).some((e) => e.kind === 'turn.done'), before)
          const seen = ((await lab('events')) as Seen[]).slice(before)
          out.push(seen.find((e) => e.kind === 'avatar.text')!.at - seen.find((e) => e.kind === 'turn.started')!.at)
        }
        return out
      }
      const without = await firstTokens()
      await lab('addDocuments', corpus)
      const withDocs = await firstTokens()
      const turns = (await lab('log')) as { turns: { retrievals: { ms: number }[] }[] }
      const retrievalMs = turns.turns.flatMap((t) => t.retrievals.map((r) => r.ms))

      const s = { hybridWorker: summarize(search.hybrid.map((r) => r.workerMs)), hybridTotal: summarize(search.hybrid.map((r) => r.totalMs)), keywordWorker: summarize(search.keywords.map((r) => r.workerMs)), keywordTotal: summarize(search.keywords.map((r) => r.totalMs)) }
      const ttft = { without: summarize(without), with: summarize(withDocs), retrieval: summarize(retrievalMs) }
      const data = { model: MODEL, index, search: { passages: PASSAGES, dims: 384, runs: SEARCHES, vectorUsed: search.hybrid.every((r) => r.vector), ...s }, firstToken: { turns: TURNS, ...ttft } }
      const row = (label: string, v: { p50: number; p99: number }) => [label, ms(v.p50), ms(v.p99)]
      const table = [
        markdownTable(
          ['indexing (tiny embedding model, WASM: plumbing, not quality)', 'value'],
          [
            ['passages', index.chunks],
            ['read and cut', ms(index.parseMs)],
            ['embedded (batches of 16)', ms(index.embedMs)],
            ['**throughput**', `${index.chunksPerSecond.toFixed(0)} passages/s`],
            ['stored (IndexedDB)', ms(index.storeMs)],
            ['model load (first passage)', ms(index.loadMs)],
          ],
        ),
        '',
        markdownTable(
          [`search over ${PASSAGES.toLocaleString('en')} passages × 384 dims`, 'p50', 'p99'],
          [
            row('**keywords + vector, in the worker** (question embedded, BM25, cosine, fusion)', s.hybridWorker),
            row('keywords + vector, main thread → answer', s.hybridTotal),
            row('keywords alone, in the worker', s.keywordWorker),
            row('keywords alone, main thread → answer', s.keywordTotal),
          ],
        ),
        '',
        markdownTable(
          ['typed turn: send → first token (fake LLM answering at once)', 'p50', 'p99'],
          [row('no documents', ttft.without), row('3 fixture documents kept (on-device search)', ttft.with), row('retrieval itself (agent.sources ms)', ttft.retrieval), ['**added by retrieval (p50 with − p50 without)**', ms(ttft.with.p50 - ttft.without.p50), '']],
        ),
      ].join('\n')
      return { name: 'documents', data, table }
    } finally {
      await browser.close()
      await relay.close()
      await llm.close()
    }
  },
}
