/**
 * A tool step's added latency, in real Chromium (the session lab, /lab/session.html) through the
 * real relay to a fake LLM that answers at once — so what is measured is Parley's own work, not a
 * model's: the model's tool call complete (the `agent.tool` start: the stream ended with calls,
 * parsed) → the tool done → the continued answer's first token (a second request through the
 * relay). Set beside a plain turn's send → first token (the same relay round trip), which is what
 * any answer costs anyway. Tools: `get_time` (built in) and an MCP tool through the relay.
 */
import { execFileSync } from 'node:child_process'
import { chromium } from '@playwright/test'
import { loadConfig } from '../../relay/config.ts'
import { startRelay } from '../../relay/node.ts'
import { startFakeLlm } from '../fakes/llm-upstream.ts'
import { startMcpServer } from '../fakes/mcp-server.ts'
import { baseArgs, chromiumPath } from './conversation.ts'
import { type Benchmark, markdownTable, ms, root, summarize } from './harness.ts'

const KEY = 'sk-bench-not-a-real-key'
const RUNS = 20

type Lab = Record<string, (...a: unknown[]) => unknown>
interface Seen {
  kind: string
  at: number
  turnId?: string
}

export const tools: Benchmark = {
  name: 'tools',
  async run() {
    execFileSync(`${root}node_modules/.bin/vite`, ['build', '--mode', 'bench', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' })
    const llm = await startFakeLlm({ apiKey: KEY, chunkDelayMs: 0 })
    const mcp = await startMcpServer()
    const relay = await startRelay(
      loadConfig({ HOST: '127.0.0.1', PORT: '0', LLM_BASE_URL: llm.baseUrl, LLM_API_KEY: KEY, LLM_MODEL: 'fake-model', PARLEY_MCP_SERVERS: JSON.stringify([{ name: 'shop', url: mcp.url }]), PARLEY_RATE_LIMIT: '0' }),
      { distDir: `${root}build/bench`, log: () => {} },
    )
    const browser = await chromium.launch({ executablePath: chromiumPath, args: baseArgs })
    try {
      const page = await browser.newPage()
      await page.goto(`${relay.url}/lab/session.html`)
      await page.waitForSelector('body[data-ready="true"]')
      await page.evaluate(() => (window as unknown as { parleySessionLab: Lab }).parleySessionLab.create!({ speakAnswers: false }))
      // Answers are written, not spoken (the voice is not what is measured): ready once the relay's LLM answers.
      await page.waitForFunction(() => ((window as unknown as { parleySessionLab: Lab }).parleySessionLab.snapshot!() as { placements: { agent: { placement: string | null } } }).placements.agent.placement === 'relay')
      // The operator's tools are listed once the relay has said it has some.
      await page.waitForFunction(() => ((window as unknown as { parleySessionLab: Lab }).parleySessionLab.snapshot!() as { operatorTools: number }).operatorTools > 0)

      const turn = async (scenarios: Parameters<typeof llm.next>) => {
        llm.next(...scenarios)
        const before = ((await page.evaluate(() => (window as unknown as { parleySessionLab: Lab }).parleySessionLab.events!())) as Seen[]).length
        await page.evaluate(() => (window as unknown as { parleySessionLab: Lab }).parleySessionLab.send!('go'))
        await page.waitForFunction((n) => ((window as unknown as { parleySessionLab: Lab }).parleySessionLab.events!() as Seen[]).slice(n).some((e) => e.kind === 'turn.done'), before)
        return ((await page.evaluate(() => (window as unknown as { parleySessionLab: Lab }).parleySessionLab.events!())) as Seen[]).slice(before)
      }
      const plain: number[] = []
      const steps: Record<'get_time' | 'mcp', { run: number[]; continued: number[]; added: number[] }> = { get_time: { run: [], continued: [], added: [] }, mcp: { run: [], continued: [], added: [] } }
      for (let i = 0; i < RUNS; i++) {
        const p = await turn([{ kind: 'reply', text: 'Plain answer.' }])
        plain.push(p.find((e) => e.kind === 'avatar.text')!.at - p.find((e) => e.kind === 'turn.started')!.at)
        for (const [key, name] of [['get_time', 'get_time'], ['mcp', 'shop__lookup_order']] as const) {
          const seen = await turn([{ kind: 'tool-calls', calls: [{ name, arguments: '{"order":"4411"}' }] }, { kind: 'reply', text: 'Continued answer.' }])
          const started = seen.find((e) => e.kind === 'agent.tool' && (e as { detail?: string }).detail === 'started')!.at
          const done = seen.find((e) => e.kind === 'agent.tool' && (e as { detail?: string }).detail === 'done')!.at
          const token = seen.find((e) => e.kind === 'avatar.text' && e.at >= done)!.at
          steps[key].run.push(done - started)
          steps[key].continued.push(token - done)
          steps[key].added.push(token - started)
        }
      }
      const base = summarize(plain)
      const row = (label: string, v: number[]) => {
        const s = summarize(v)
        return [label, ms(s.p50), ms(s.p99), `${(s.p50 / base.p50).toFixed(2)}×`]
      }
      const data = { runs: RUNS, plainFirstTokenMs: base, steps: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, { runMs: summarize(v.run), continuedMs: summarize(v.continued), addedMs: summarize(v.added) }])) }
      const table = markdownTable(
        ['measure (fake LLM answering at once)', 'p50', 'p99', '÷ plain first token'],
        [
          row('plain turn: send → first token (relay round trip)', plain),
          row('get_time: tool run', steps.get_time.run),
          row('get_time: tool done → continued first token', steps.get_time.continued),
          row('**get_time: tool call complete → continued first token**', steps.get_time.added),
          row('MCP lookup_order: tool run (relay → MCP server)', steps.mcp.run),
          row('MCP lookup_order: tool done → continued first token', steps.mcp.continued),
          row('**MCP: tool call complete → continued first token**', steps.mcp.added),
        ],
      )
      return { name: 'tools', data, table }
    } finally {
      await browser.close()
      await relay.close()
      await mcp.close()
      await llm.close()
    }
  },
}
