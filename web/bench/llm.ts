// The on-device language model under the bench (the real worker, on WASM): what the worker and
// the main thread add to each token, to the first token and to a cancel, and what the KV cache
// kept across turns saves. Run with the tiny generated models, which prove the path, not a real
// model's speed.
import type { ChatTurn } from '../engines/agent/agent.ts'
import { createLocalLlm } from '../engines/llm/local-llm.ts'
import type { GenerationStats } from '../engines/llm/protocol.ts'

type Llm = ReturnType<typeof createLocalLlm>

async function open(modelId: string, maxNewTokens: number): Promise<{ llm: Llm; loadMs: number }> {
  const llm = createLocalLlm({ modelId, device: 'wasm', dtype: 'q4', allowRemote: false, maxNewTokens })
  const t = performance.now()
  await llm.load()
  return { llm, loadMs: performance.now() - t }
}

interface Timed {
  startedAt: number
  pieces: { at: number; text: string }[]
  /** The reply's iterator ended (normally, or by the abort). */
  endedAt: number
  /** The worker's result (its stats) reached the main thread: the generation is over there. */
  statsAt: number
  abortedAt: number | null
  stats: GenerationStats
}

/** One answer, timed on the main thread; `abortAfterMs` (from the call) stops it once it is streaming. */
async function timedReply(llm: Llm, history: ChatTurn[], systemPrompt: string, abortAfterMs?: number): Promise<Timed> {
  const controller = new AbortController()
  let stats: GenerationStats | undefined
  let statsAt = 0
  let gotStats: () => void = () => {}
  const statsCame = new Promise<void>((r) => (gotStats = r))
  let abortedAt: number | null = null
  let scheduled = false
  const pieces: Timed['pieces'] = []
  const startedAt = performance.now()
  try {
    const onStats = (s: GenerationStats) => ((statsAt = performance.now()), (stats = s), gotStats())
    for await (const text of llm.reply({ history, systemPrompt, signal: controller.signal, onStats })) {
      pieces.push({ at: performance.now(), text })
      // Aborted only once it streams: a cancel that reaches the worker before its generation starts is not one.
      if (abortAfterMs !== undefined && !scheduled) {
        scheduled = true
        setTimeout(() => ((abortedAt = performance.now()), controller.abort()), Math.max(0, startedAt + abortAfterMs - performance.now()))
      }
    }
  } catch (err) {
    if (!(controller.signal.aborted && (err as Error).name === 'AbortError')) throw err
  }
  const endedAt = performance.now()
  let timer: ReturnType<typeof setTimeout> | undefined
  await Promise.race([statsCame, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('the worker sent no stats within 30 s')), 30_000)))])
  clearTimeout(timer)
  return { startedAt, pieces, endedAt, statsAt, abortedAt, stats: stats! }
}

/**
 * Which generated token (0-based) a piece came with. The streamer holds text back until a space
 * (a word may still change), so a piece is let out by the token after it: the text so far, its
 * trailing space trimmed, is that token's index in tokens (the tiny model's vocabulary has a token
 * per word and per punctuation mark, as real models do for plain English).
 */
const tokenIndexOf = (textSoFar: string) => textSoFar.trimEnd().match(/\w+|[^\w\s]/g)?.length ?? 0

/**
 * `runs` answers of `maxNewTokens` tokens (the long model never stops on its own), after one not
 * counted. `prompt`: 'cached', the same question every time (the KV cache already holds it, one
 * token is computed), or 'new', a system prompt that differs from its first word (the whole
 * prompt is computed).
 */
export async function llmStream(modelId: string, runs: number, maxNewTokens: number, prompt: 'cached' | 'new') {
  const { llm, loadMs } = await open(modelId, maxNewTokens)
  const question: ChatTurn[] = [{ role: 'user', content: 'Tell me about the weather on the coast this week.' }]
  const system = (i: number) => (prompt === 'new' ? `${i} is the number of this conversation. You are a friendly assistant who answers briefly.` : 'You are a friendly assistant who answers briefly.')
  const out = []
  for (let i = -1; i < runs; i++) {
    const r = await timedReply(llm, question, system(i))
    if (i < 0) continue
    const first = r.pieces[0]!
    const last = r.pieces.at(-1)!
    const firstToken = tokenIndexOf(first.text)
    const g = r.stats.generatedTokens
    out.push({
      pieces: r.pieces.length,
      text: r.pieces.map((p) => p.text).join(''),
      ttftMs: first.at - r.startedAt,
      firstPieceToken: firstToken,
      // Steps after the one that let the first piece out, to the iterator's end (the final flush and the result).
      msPerToken: (r.endedAt - first.at) / Math.max(1, g - 1 - firstToken),
      msPerPiece: r.pieces.length > 1 ? (last.at - first.at) / (r.pieces.length - 1) : NaN,
      stats: r.stats,
    })
  }
  llm.dispose()
  return { loadMs, runs: out }
}

/** `runs` answers of the long model stopped `abortAfterMs` after the call (once streaming). */
export async function llmCancel(modelId: string, runs: number, abortAfterMs: number) {
  const { llm, loadMs } = await open(modelId, 1000)
  const question: ChatTurn[] = [{ role: 'user', content: 'Tell me a long story.' }]
  const out = []
  for (let i = -1; i < runs; i++) {
    const r = await timedReply(llm, question, 'You are a friendly assistant.', abortAfterMs)
    if (i < 0) continue
    out.push({ firstPieceMs: r.pieces[0]!.at - r.startedAt, abortAfterCallMs: r.abortedAt! - r.startedAt, toIteratorEndMs: r.endedAt - r.abortedAt!, toStatsMs: r.statsAt - r.abortedAt!, pieces: r.pieces.length, stats: r.stats })
  }
  llm.dispose()
  return { loadMs, runs: out }
}

/** An answer cut in half at a word, as the history keeps one the listener stopped (barge-in). */
const half = (text: string) => text.slice(0, text.lastIndexOf(' ', Math.floor(text.length / 2))).trimEnd()

/**
 * Three turns of one conversation, each sequence on a new model (a new worker: an empty cache):
 * 1, a system prompt and a question; 2, the history with turn 1's answer and a new question;
 * 3, the history with only the first half of turn 2's answer (it was interrupted) and a question.
 */
export async function llmTurns(modelId: string, sequences: number, systemPrompt: string, questions: [string, string, string]) {
  const out = []
  for (let s = 0; s < sequences; s++) {
    const { llm, loadMs } = await open(modelId, 320)
    const history: ChatTurn[] = [{ role: 'user', content: questions[0] }]
    const turns = []
    for (let t = 0; t < 3; t++) {
      const r = await timedReply(llm, history, systemPrompt)
      const text = r.pieces.map((p) => p.text).join('')
      const heard = t === 1 ? half(text) : text
      turns.push({ ttftMs: r.pieces.length ? r.pieces[0]!.at - r.startedAt : NaN, totalMs: r.endedAt - r.startedAt, text, heard, stats: r.stats })
      if (t < 2) history.push({ role: 'assistant', content: heard }, { role: 'user', content: questions[t + 1]! })
    }
    llm.dispose()
    out.push({ loadMs, turns })
  }
  return out
}
