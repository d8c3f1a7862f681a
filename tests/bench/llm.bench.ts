/**
 * The on-device language model (issue 15), in real Chromium with the real worker on WASM, through
 * the bench page, with the tiny generated Qwen2-layout models (they prove the path, not a real
 * model's speed):
 * - what the worker and the main thread add to each token, beyond the model's own forward pass;
 * - the first token: as the main thread sees it, and beyond the model's compute;
 * - a cancel: from the abort to the reply's end, and to the worker's generation stopping;
 * - the KV cache across turns: what turn 2 computes of its prompt, and turn 3 after an interrupted
 *   answer (the cache cut back to what the listener heard);
 * - what the smallest fully private set-up keeps on the device: measured files where they are
 *   here, the manifest's estimates where the weights are not.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { chromium } from '@playwright/test'
import { loadConfig } from '../../relay/config.ts'
import { startRelay } from '../../relay/node.ts'
import { TINY_LLM, TINY_LLM_LONG, TINY_LLM_TEXT } from '../e2e/models.ts'
import type { GenerationStats } from '../../web/engines/llm/protocol.ts'
import { baseArgs, chromiumPath } from './conversation.ts'
import { type Benchmark, markdownTable, mb, ms, percentile, root } from './harness.ts'

const RUNS = 20
const STREAM_TOKENS = 64
const ABORT_AFTER_MS = 100
const SEQUENCES = 10
const SYSTEM = 'You are Parley, a friendly assistant. Answer in one or two short sentences.'
const QUESTIONS: [string, string, string] = ['Hi! What can you do for me today?', 'Can you tell me how warm it will be tomorrow?', 'Sorry, I cut you off. Please go on.']
/** The smallest private set-up's models (models/manifest.json): recognition on WASM takes 8-bit, the LLM 4-bit. */
const ASR = { id: 'onnx-community/whisper-tiny.en', dtype: 'q8', bytesPerParam: 1 }
const LLM = { id: 'onnx-community/Qwen2.5-0.5B-Instruct', dtype: 'q4', bytesPerParam: 0.5 }
/** Qwen2.5-0.5B's published config.json (not in the manifest): its token embedding table. */
const QWEN_EMBEDDING = { vocab: 151_936, hidden: 896 }

type Bench = Record<string, (...a: unknown[]) => Promise<unknown>>
interface StreamRun {
  pieces: number
  text: string
  ttftMs: number
  firstPieceToken: number
  msPerToken: number
  msPerPiece: number
  stats: GenerationStats
}
interface CancelRun {
  firstPieceMs: number
  abortAfterCallMs: number
  toIteratorEndMs: number
  toStatsMs: number
  pieces: number
  stats: GenerationStats
}
interface Turn {
  ttftMs: number
  totalMs: number
  text: string
  heard: string
  stats: GenerationStats
}

/** p50 and p95 (the harness's summary gives p99; 20 runs make p95 their second-worst). */
function p50p95(values: number[]) {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b)
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), mean: s.reduce((a, b) => a + b, 0) / (s.length || 1) }
}
type Stat = ReturnType<typeof p50p95>

export const llm: Benchmark = {
  name: 'llm',
  async run() {
    execFileSync(`${root}node_modules/.bin/vite`, ['build', '--mode', 'bench', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' })
    // The LLM half of prepareTestModels() only: it also rewrites the broken Whisper copies, which
    // browser tests running beside the bench may be reading.
    for (const [id, extra] of [[TINY_LLM, []], [TINY_LLM_LONG, ['--long']]] as const) {
      if (!existsSync(`${root}models/${id}/onnx/model_q4.onnx`)) execFileSync('/usr/bin/python3', [`${root}models/tools/make-tiny-llm.py`, `${root}models/${id}`, ...extra], { stdio: 'inherit' })
    }
    const relay = await startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0', PARLEY_RATE_LIMIT: '0' }), { distDir: `${root}build/bench`, log: () => {} })
    const browser = await chromium.launch({ executablePath: chromiumPath, args: baseArgs })
    try {
      const page = await browser.newPage()
      await page.goto(`${relay.url}/bench/index.html`)
      await page.waitForSelector('body[data-ready="true"]')
      const bench = <T>(name: string, ...args: unknown[]) => page.evaluate(([n, a]) => (window as unknown as { parleyBench: Bench }).parleyBench[n as string]!(...(a as unknown[])), [name, args] as const) as Promise<T>

      const cached = await bench<{ loadMs: number; runs: StreamRun[] }>('llmStream', TINY_LLM_LONG, RUNS, STREAM_TOKENS, 'cached')
      const fresh = await bench<{ loadMs: number; runs: StreamRun[] }>('llmStream', TINY_LLM_LONG, RUNS, STREAM_TOKENS, 'new')
      const cancel = await bench<{ loadMs: number; runs: CancelRun[] }>('llmCancel', TINY_LLM_LONG, RUNS, ABORT_AFTER_MS)
      const sequences = await bench<{ loadMs: number; turns: Turn[] }[]>('llmTurns', TINY_LLM, SEQUENCES, SYSTEM, QUESTIONS)

      // 1. Per token: the main thread's time per decoding step after the first piece, less the model's forward pass.
      const forward = (r: StreamRun) => r.stats.forwardMsPerToken ?? NaN
      const perToken = {
        forward: p50p95(cached.runs.map(forward)),
        mainThread: p50p95(cached.runs.map((r) => r.msPerToken)),
        overhead: p50p95(cached.runs.map((r) => r.msPerToken - forward(r))),
        perPiece: p50p95(cached.runs.map((r) => r.msPerPiece)),
        pieces: cached.runs[0]!.pieces,
        generatedTokens: cached.runs[0]!.stats.generatedTokens,
      }

      // 2. First token. Before its first piece the model runs the prefill pass and `firstPieceToken`
      // decoding steps (the streamer lets a word out with the token after it). The worker does not
      // report the prefill pass's own time: it is taken as one step (exact up to noise with a
      // 1-token prefill; close with the whole prompt, as the long model's cost per pass is a fixed
      // MatMul that does not grow with the prompt).
      const firstToken = (runs: StreamRun[]) => {
        const model = (r: StreamRun) => (1 + r.firstPieceToken) * forward(r)
        return {
          promptTokens: p50p95(runs.map((r) => r.stats.promptTokens)),
          prefillTokens: p50p95(runs.map((r) => r.stats.prefillTokens)),
          firstPieceToken: runs[0]!.firstPieceToken,
          ttft: p50p95(runs.map((r) => r.ttftMs)),
          worker: p50p95(runs.map((r) => r.stats.firstTokenMs ?? NaN)),
          modelEstimate: p50p95(runs.map(model)),
          overhead: p50p95(runs.map((r) => r.ttftMs - model(r))),
          messaging: p50p95(runs.map((r) => r.ttftMs - (r.stats.firstTokenMs ?? NaN))),
          inWorker: p50p95(runs.map((r) => (r.stats.firstTokenMs ?? NaN) - model(r))),
        }
      }
      const ttft = { cached: firstToken(cached.runs), whole: firstToken(fresh.runs) }

      // 3. Cancel.
      const cancelled = {
        allCancelled: cancel.runs.every((r) => r.stats.cancelled),
        firstPiece: p50p95(cancel.runs.map((r) => r.firstPieceMs)),
        abortAfterCall: p50p95(cancel.runs.map((r) => r.abortAfterCallMs)),
        toIteratorEnd: p50p95(cancel.runs.map((r) => r.toIteratorEndMs)),
        toStats: p50p95(cancel.runs.map((r) => r.toStatsMs)),
        workerCancelMs: p50p95(cancel.runs.map((r) => r.stats.cancelMs ?? NaN)),
        forward: p50p95(cancel.runs.map((r) => r.stats.forwardMsPerToken ?? NaN)),
        generatedTokens: p50p95(cancel.runs.map((r) => r.stats.generatedTokens)),
      }

      // 4. Turns: the counts are the same in every sequence (greedy decoding, fixed prompts); the first one's are shown.
      const first = sequences[0]!.turns
      const held = first.map((t) => t.stats.promptTokens + t.stats.generatedTokens - 1)
      const turns = first.map((t, i) => ({
        promptTokens: t.stats.promptTokens,
        reusedTokens: t.stats.reusedTokens,
        prefillTokens: t.stats.prefillTokens,
        generatedTokens: t.stats.generatedTokens,
        cacheHeldBefore: i === 0 ? 0 : held[i - 1]!,
        ttft: p50p95(sequences.map((s) => s.turns[i]!.ttftMs)),
        workerFirstToken: p50p95(sequences.map((s) => s.turns[i]!.stats.firstTokenMs ?? NaN)),
        sameInEverySequence: sequences.every((s) => s.turns[i]!.stats.prefillTokens === t.stats.prefillTokens && s.turns[i]!.stats.reusedTokens === t.stats.reusedTokens),
        text: t.text,
        heard: t.heard,
      }))
      const answersAsExpected = sequences.every((s) => s.turns.every((t) => t.text === TINY_LLM_TEXT))

      const storage = privateSetup()
      const data = {
        models: { stream: TINY_LLM_LONG, turns: TINY_LLM, device: 'wasm', dtype: 'q4' },
        loadMs: { long: cached.loadMs, tiny: p50p95(sequences.map((s) => s.loadMs)) },
        perToken,
        firstToken: ttft,
        cancel: { abortAfterMs: ABORT_AFTER_MS, runs: RUNS, ...cancelled, raw: cancel.runs.map((r) => ({ firstPieceMs: r.firstPieceMs, abortAfterCallMs: r.abortAfterCallMs, toStatsMs: r.toStatsMs, cancelMs: r.stats.cancelMs, forwardMsPerToken: r.stats.forwardMsPerToken, generatedTokens: r.stats.generatedTokens })) },
        turns: { sequences: SEQUENCES, answersAsExpected, turns },
        storage,
      }
      return { name: 'llm', data, table: table(data) }
    } finally {
      await browser.close()
      await relay.close()
    }
  },
}

const row = (label: string, v: Stat) => [label, ms(v.p50), ms(v.p95)]
const count = (v: Stat) => (v.p50 === v.p95 ? `${v.p50}` : `${v.p50} (p95 ${v.p95})`)

function table(d: {
  loadMs: { long: number; tiny: Stat }
  perToken: { forward: Stat; mainThread: Stat; overhead: Stat; perPiece: Stat; pieces: number; generatedTokens: number }
  firstToken: Record<'cached' | 'whole', { promptTokens: Stat; prefillTokens: Stat; firstPieceToken: number; ttft: Stat; worker: Stat; modelEstimate: Stat; overhead: Stat; messaging: Stat; inWorker: Stat }>
  cancel: { allCancelled: boolean; firstPiece: Stat; abortAfterCall: Stat; toIteratorEnd: Stat; toStats: Stat; workerCancelMs: Stat; forward: Stat; generatedTokens: Stat }
  turns: { answersAsExpected: boolean; turns: { promptTokens: number; reusedTokens: number; prefillTokens: number; generatedTokens: number; cacheHeldBefore: number; ttft: Stat; workerFirstToken: Stat; sameInEverySequence: boolean }[] }
  storage: ReturnType<typeof privateSetup>
}): string {
  const { perToken: t, firstToken: f, cancel: c, turns, storage } = d
  const both = (label: string, pick: (v: (typeof f)['cached']) => Stat) => [label, ms(pick(f.cached).p50), ms(pick(f.cached).p95), ms(pick(f.whole).p50), ms(pick(f.whole).p95)]
  const [t1, t2, t3] = turns.turns
  const notes = [
    `- Models: the tiny generated Qwen2-layout ones (\`${TINY_LLM}\`, \`${TINY_LLM_LONG}\`) on WASM, q4, one thread, in the real \`llm.worker.ts\` behind \`createLocalLlm\`: they prove the path (tokenizer, ONNX Runtime, the streamer, messages, the cache), **not a real model's speed** — Qwen2.5-0.5B's forward pass is hundreds of times the tiny one's, and its 151 936-token vocabulary makes each step's sampling and decoding dearer too. The long model's step is ~5 ms of deliberate extra MatMul. Load: long ${ms(d.loadMs.long)}, tiny p50 ${ms(d.loadMs.tiny.p50)} (worker start, files from the relay, warm-up).`,
    `- Per token: the main thread's time per decoding step, from the first piece to the reply's end (${t.generatedTokens} tokens, the steps after the first piece), less the model's own forward pass (\`forwardMsPerToken\`, timed in the worker around \`model.forward\`); the rest is transformers.js's generate loop, the streamer's decode, \`postMessage\` and the main thread's delivery. The streamer holds a word back until the next space, so ${t.generatedTokens} tokens came as ${t.pieces} pieces: per piece is not per token.`,
    `- First token: from \`reply()\` to the first piece on the main thread. The streamer lets the first word out with token ${f.cached.firstPieceToken + 1}, so the model's compute before it is the prefill pass and ${f.cached.firstPieceToken} decoding step(s); the worker does not report the prefill pass's time, so it is estimated as one step (\`(1 + ${f.cached.firstPieceToken}) × forwardMsPerToken\`): exact up to noise when the cache holds the prompt (1 token computed), an estimate for a new prompt (a system prompt that differs from its first word, so all but the template's opening tokens are computed; the long model's pass costs about the same whatever its length, a real model's prefill grows with it). "Messages" is main-thread TTFT − the worker's own \`firstTokenMs\` (the request's and the piece's trips, the RPC); "in the worker" is \`firstTokenMs\` − the model (templating the history, trimming it to the context, the cache's cut, the streamer).`,
    `- Cancel: the signal aborted ${ABORT_AFTER_MS} ms after the call (once streaming; p50 ${ms(c.abortAfterCall.p50)}). The reply's iterator ends at once on an abort (it does not wait for the worker), so the second row is what matters: the worker's result arriving, i.e. the generation over and the worker free for the next turn; \`cancelMs\` is the worker's own cancel-received → generation-stopped, timed from when its message listener runs, which is when the worker's event loop is free (between passes, or where ONNX Runtime yields inside one): part or all of the pass in progress can fall before it starts, so the row above is the figure a user sees. All runs reported \`cancelled\`: ${c.allCancelled}.`,
    `- Turns: ${SEQUENCES} conversations, each on a new worker (empty cache), same counts in every one: ${turns.turns.every((x) => x.sameInEverySequence)}; the fixed answer came every time: ${turns.answersAsExpected}. "Cache held" is the previous turn's prompt + answer − 1 (the last sampled token is never fed). Turn 2 reuses all of it (${t2!.reusedTokens} of ${t2!.cacheHeldBefore}) and computes only its ${t2!.prefillTokens} new tokens (the end of the answer's message and the new question, of a ${t2!.promptTokens}-token prompt). Turn 3's history keeps only the first half of answer 2 (interrupted): the cache is cut back from ${t3!.cacheHeldBefore} to ${t3!.reusedTokens} tokens (where the prompts part) and ${t3!.prefillTokens} are computed. With the tiny model the time saved is lost in noise; with a real model it is the prefill of the whole conversation, every turn.`,
    `- Stored: ${storage.note}`,
  ]
  return [
    markdownTable(
      [`per token (\`${TINY_LLM_LONG}\`, ${t.generatedTokens} new tokens, ${t.forward.n} runs)`, 'p50', 'p95'],
      [row("model's forward pass (`forwardMsPerToken`, in the worker)", t.forward), row('main thread, per decoding step after the first piece', t.mainThread), row('**overhead per token** (main thread − forward pass)', t.overhead), row(`main thread, per streamed piece (${t.pieces} pieces)`, t.perPiece)],
    ),
    '',
    markdownTable(
      [`first token (\`${TINY_LLM_LONG}\`, ${f.cached.ttft.n} runs each)`, 'prompt cached p50', 'p95', 'new prompt p50', 'p95'],
      [
        ['prompt tokens / computed (prefill)', `${count(f.cached.promptTokens)} / ${count(f.cached.prefillTokens)}`, '', `${count(f.whole.promptTokens)} / ${count(f.whole.prefillTokens)}`, ''],
        both('**TTFT, main thread** (`reply()` → first piece)', (v) => v.ttft),
        both('worker: request → first piece (`firstTokenMs`)', (v) => v.worker),
        both("model's compute before the first piece (estimate, see notes)", (v) => v.modelEstimate),
        both('**TTFT beyond the model**', (v) => v.overhead),
        both('… of which messages (TTFT − `firstTokenMs`)', (v) => v.messaging),
        both('… of which in the worker (`firstTokenMs` − model)', (v) => v.inWorker),
      ],
    ),
    '',
    markdownTable(
      [`cancel (\`${TINY_LLM_LONG}\`, abort ${ABORT_AFTER_MS} ms in, ${c.toStats.n} runs)`, 'p50', 'p95'],
      [
        row('abort → reply iterator ends (main thread)', c.toIteratorEnd),
        row('**abort → worker result back** (generation stopped, stats on the main thread)', c.toStats),
        row('worker: cancel received → generation stopped (`cancelMs`)', c.workerCancelMs),
        row("model's forward pass per token, for scale", c.forward),
        row('call → first piece, for scale', c.firstPiece),
        ['tokens generated before the stop', count(c.generatedTokens), ''],
      ],
    ),
    '',
    markdownTable(
      [`turns (\`${TINY_LLM}\`, ${SEQUENCES} conversations)`, 'prompt tokens', 'cache held', 'reused', '**computed (prefill)**', 'generated', 'TTFT p50', 'TTFT p95'],
      [
        ['1: system prompt + question', t1!.promptTokens, '—', t1!.reusedTokens, t1!.prefillTokens, t1!.generatedTokens, ms(t1!.ttft.p50), ms(t1!.ttft.p95)],
        ['2: + answer 1 + question', t2!.promptTokens, t2!.cacheHeldBefore, t2!.reusedTokens, t2!.prefillTokens, t2!.generatedTokens, ms(t2!.ttft.p50), ms(t2!.ttft.p95)],
        ['3: + first half of answer 2 (interrupted) + question', t3!.promptTokens, t3!.cacheHeldBefore, t3!.reusedTokens, t3!.prefillTokens, t3!.generatedTokens, ms(t3!.ttft.p50), ms(t3!.ttft.p95)],
      ],
    ),
    '',
    markdownTable(
      ['stored on the device, smallest fully private set-up', 'file(s)', 'bytes', 'how'],
      [...storage.parts.map((p) => [p.part, p.files, mb(p.bytes), p.how === 'estimate' ? `**estimate**: ${p.basis}` : 'measured']), ['**total**', '', `**${mb(storage.total)}**`, `${mb(storage.measured)} measured + ${mb(storage.estimated)} estimated`]],
    ),
    '',
    ...notes,
  ].join('\n')
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []))
}
const size = (file: string) => statSync(file).size

interface Manifest {
  models: { id: string; params_millions: number; files: string[]; bytes: number | null }[]
}

/**
 * What a private session (VAD, Whisper tiny.en on WASM, Qwen2.5-0.5B on WASM, eSpeak NG) keeps on
 * the device, from the files on disk here: the app's build, its vendored VAD model, and the
 * models' own files under models/ where they have been fetched; the manifest's params-based
 * estimate where they have not (its bytes are null: nothing could be downloaded to record them).
 */
function privateSetup() {
  // The app's production build when there is one (npm run build); else the bench's own, just built.
  const app = existsSync(`${root}dist/index.html`) ? `${root}dist` : `${root}build/bench`
  const appFiles = filesUnder(app)
  const rel = (f: string) => relative(root, f)
  const assets = (re: RegExp) => appFiles.filter((f) => re.test(f.slice(app.length + 1)))
  const parts: { part: string; files: string; bytes: number; how: 'measured' | 'estimate'; basis?: string; detail?: unknown }[] = []

  const vadFile = [`${app}/vendor/silero-vad/silero_vad_v5.onnx`, `${root}node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx`].find(existsSync)!
  parts.push({ part: 'Silero VAD v5', files: rel(vadFile), bytes: size(vadFile), how: 'measured' })

  const manifest = JSON.parse(readFileSync(`${root}models/manifest.json`, 'utf8')) as Manifest
  for (const m of [ASR, LLM]) {
    const entry = manifest.models.find((e) => e.id === m.id)!
    // The files of that dtype: the configs and tokenizer, and the ONNX files the dtype names
    // (q8: *_quantized.onnx; q4: *_q4.onnx).
    const suffix = m.dtype === 'q8' ? '_quantized.onnx' : `_${m.dtype}.onnx`
    const files = entry.files.filter((f) => !f.endsWith('.onnx') || f.endsWith(suffix))
    const local = files.map((f) => `${root}models/${m.id}/${f}`)
    const label = m === ASR ? `speech recognition: ${m.id} (${m.dtype})` : `language model: ${m.id} (${m.dtype})`
    if (local.every(existsSync)) {
      parts.push({ part: label, files: files.join(', '), bytes: local.reduce((n, f) => n + size(f), 0), how: 'measured' })
      continue
    }
    const bytes = entry.params_millions * 1e6 * m.bytesPerParam
    const detail: Record<string, unknown> = { params_millions: entry.params_millions, bytesPerParam: m.bytesPerParam, manifestBytes: entry.bytes, missing: files.filter((_, i) => !existsSync(local[i]!)) }
    if (m === LLM) {
      // 4-bit exports (MatMulNBits) quantize the MatMuls only: the embedding table is a Gather and
      // usually stays 32-bit, and the tied output head comes as its own 4-bit MatMul.
      const emb = QWEN_EMBEDDING.vocab * QWEN_EMBEDDING.hidden
      detail.embeddingParams = emb
      detail.ifEmbeddingStaysFp32 = emb * 4 + (entry.params_millions * 1e6 - emb) * 0.5 + emb * 0.5
    }
    parts.push({ part: label, files: files.join(', '), bytes, how: 'estimate', basis: `${entry.params_millions} M params × ${m.bytesPerParam} byte = ${(bytes / 1e6).toFixed(0)} × 10⁶ bytes`, detail })
  }

  const espeak = assets(/^assets\/espeak-ng-.*\.wasm$/)
  parts.push({ part: 'eSpeak NG (its voice data is inside the WebAssembly)', files: espeak.map(rel).join(', '), bytes: espeak.reduce((n, f) => n + size(f), 0), how: 'measured' })
  // transformers.js loads ONNX Runtime's WebGPU build (asyncify) even on WASM, and the VAD shares it
  // when an on-device model will load it anyway (web/engines/runtime/ort.ts): the plain build is not loaded.
  const ort = assets(/^assets\/ort-wasm-simd-threaded\.asyncify-.*\.wasm$/)
  const plain = assets(/^assets\/ort-wasm-simd-threaded-.*\.wasm$/)
  parts.push({ part: 'ONNX Runtime Web (asyncify build, shared by VAD, Whisper and the LLM)', files: ort.map(rel).join(', '), bytes: ort.reduce((n, f) => n + size(f), 0), how: 'measured', detail: { notLoaded: plain.map((f) => ({ file: rel(f), bytes: size(f) })) } })
  const shell = appFiles.filter((f) => !f.endsWith('.wasm') && f !== vadFile)
  const precached = [...readFileSync(`${app}/sw.js`, 'utf8').matchAll(/"url":"([^"]+)"/g)].map((m) => join(app, m[1]!)).filter(existsSync)
  parts.push({ part: 'app shell', files: `${rel(app)}/ less the .wasm files and the VAD model (${shell.length} files)`, bytes: shell.reduce((n, f) => n + size(f), 0), how: 'measured', detail: { precachedByServiceWorker: { files: precached.length, bytes: precached.reduce((n, f) => n + size(f), 0) } } })

  const measured = parts.filter((p) => p.how === 'measured').reduce((n, p) => n + p.bytes, 0)
  const estimated = parts.filter((p) => p.how === 'estimate').reduce((n, p) => n + p.bytes, 0)
  const llmPart = parts.find((p) => p.part.startsWith('language model'))!
  const asrPart = parts.find((p) => p.part.startsWith('speech recognition'))!
  const shellPart = parts.at(-1)!
  const fp32Emb = (llmPart.detail as { ifEmbeddingStaysFp32?: number } | undefined)?.ifEmbeddingStaysFp32
  const precache = (shellPart.detail as { precachedByServiceWorker: { files: number; bytes: number } }).precachedByServiceWorker
  const note = [
    `file sizes on disk here, from \`${rel(app)}/\` (built ${statSync(`${app}/index.html`).mtime.toISOString()}) and \`models/\`; the browser's own storage adds its overhead; MB are 2²⁰ bytes.`,
    asrPart.how === 'estimate' || llmPart.how === 'estimate'
      ? `The real weights are not here (none can be downloaded; the manifest's \`bytes\` are null), so those rows are **estimates** from \`params_millions\`: Whisper tiny.en ${ASR.dtype} at 1 byte a parameter (the manifest's own rule), Qwen2.5-0.5B ${LLM.dtype} at 0.5 byte (4 bits) a parameter — a floor: 4-bit exports quantize the MatMuls only, and if the ${(QWEN_EMBEDDING.vocab * QWEN_EMBEDDING.hidden / 1e6).toFixed(0)} M-parameter embedding table stays 32-bit (as it usually does) the file is nearer ${fp32Emb ? mb(fp32Emb) : '—'}, before the 4-bit blocks' scales (~1/8 more on the quantized part); the tokenizers and configs (a few MB) are not counted. \`npm run models:fetch\` puts the real files in models/, and this bench then measures them.`
      : 'The models are measured from their fetched files in models/.',
    `The ONNX Runtime row is the asyncify build transformers.js loads (the VAD shares it in this set-up); the plain WASM build (${mb((parts.find((p) => p.part.startsWith('ONNX'))!.detail as { notLoaded: { bytes: number }[] }).notLoaded.reduce((n, f) => n + f.bytes, 0))}) is not loaded. The app shell is the whole build less the WebAssembly and the VAD model (it includes the labs, pdf.js and Kokoro's worker, which a private session does not need); the service worker precaches ${precache.files} of its files, ${mb(precache.bytes)}.`,
  ].join(' ')
  return { appDir: rel(app), parts, measured, estimated, total: measured + estimated, note }
}
