/// <reference lib="webworker" />
// The on-device language model: transformers.js's causal LM (a small instruct model, Qwen2.5
// layout) on WebGPU or WASM, streaming its answer token by token. The KV cache of the last
// answer is kept, so the next turn computes only the tokens the cache does not already hold.
import { AutoModelForCausalLM, AutoTokenizer, InterruptableStoppingCriteria, Tensor, TextStreamer, type PreTrainedModel, type PreTrainedTokenizer } from '@huggingface/transformers'
import { serveRequests } from '../../lib/worker-rpc.ts'
import { configureTransformers, webgpuAdapter } from '../runtime/transformers.ts'
import { generationError, loadError } from './errors.ts'
import { fitToContext, reusablePrefix } from './prompt-cache.ts'
import type { GenerationStats, LlmEvent, LlmMessage, LlmRequest } from './protocol.ts'

declare const self: DedicatedWorkerGlobalScope

type Cache = Record<string, Tensor> & { get_seq_length(): number; dispose(): Promise<void> }

let tokenizer: PreTrainedTokenizer | undefined
let model: PreTrainedModel | undefined
let loaded: string | undefined
let contextTokens = 2048
/** The cache of the last answer and the tokens it holds. */
let cache: { past: Cache; ids: number[] } | undefined
/** The generation that a cancel can stop, and when the cancel came. */
let running: { generation: number; stop: InterruptableStoppingCriteria; cancelledAt?: number } | undefined
/** The model's forward passes of the current generation: tokens fed and time spent. */
let forwards: { tokens: number; ms: number }[] = []

const emit = (e: LlmEvent) => self.postMessage(e)
const coded = (code: string, message: string) => Object.assign(new Error(message), { code })

// A cancel must not wait in the queue behind the generation it stops.
self.addEventListener('message', (e: MessageEvent<LlmRequest>) => {
  const req = e.data
  if (req.type === 'cancel' && running?.generation === req.generation) {
    running.cancelledAt ??= performance.now()
    running.stop.interrupt()
  }
})

serveRequests<LlmRequest>(self, async (req) => {
  if (req.type === 'cancel') return
  if (req.type === 'load') return load(req)
  if (!model || !tokenizer) throw coded('llm_not_loaded', 'The on-device language model is not loaded yet.')
  const started = performance.now()
  const { messages, dropped } = fitToContext(req.messages, contextTokens - req.maxNewTokens, (m) => promptIds(m).length)
  const ids = promptIds(messages)
  const stats: GenerationStats = { promptTokens: ids.length, reusedTokens: 0, prefillTokens: ids.length, generatedTokens: 0, droppedMessages: dropped, firstTokenMs: null, totalMs: 0, forwardMsPerToken: null, cancelled: false, cancelMs: null }
  const past = reuseCache(ids)
  stats.reusedTokens = past ? past.get_seq_length() : 0
  stats.prefillTokens = ids.length - stats.reusedTokens
  const stop = new InterruptableStoppingCriteria()
  running = { generation: req.generation, stop }
  forwards = []
  let text = ''
  const streamer = new TextStreamer(tokenizer, {
    skip_prompt: true,
    skip_special_tokens: true,
    callback_function: (piece: string) => {
      if (!piece) return
      stats.firstTokenMs ??= performance.now() - started
      text += piece
      emit({ type: 'partial', generation: req.generation, delta: piece })
    },
  })
  try {
    const out = (await model.generate({
      input_ids: new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
      attention_mask: new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
      ...(past && { past_key_values: past }),
      max_new_tokens: req.maxNewTokens,
      do_sample: false,
      streamer,
      stopping_criteria: [stop],
      return_dict_in_generate: true,
    } as never)) as { sequences: Tensor; past_key_values: Cache }
    const sequence = Array.from(out.sequences.data as BigInt64Array, Number)
    stats.generatedTokens = sequence.length - ids.length
    // The last token was sampled but never fed: the cache holds one token less than the sequence.
    const held = out.past_key_values.get_seq_length()
    cache = { past: out.past_key_values, ids: sequence.slice(0, held) }
  } catch (err) {
    await dropCache()
    throw generationError(err)
  } finally {
    const steps = forwards.slice(1)
    stats.forwardMsPerToken = steps.length ? steps.reduce((a, f) => a + f.ms, 0) / steps.length : null
    stats.cancelled = running.cancelledAt !== undefined
    stats.cancelMs = running.cancelledAt !== undefined ? performance.now() - running.cancelledAt : null
    stats.totalMs = performance.now() - started
    running = undefined
  }
  return emit({ type: 'result', id: req.id, text, stats })
})

async function load(req: Extract<LlmRequest, { type: 'load' }>) {
  const started = performance.now()
  let { device, dtype } = req
  // An adapter can be missing here even where the page saw one (or be lost since): use WASM.
  if (device === 'webgpu' && !(await webgpuAdapter())) {
    device = 'wasm'
    dtype = 'q4'
  }
  const key = `${req.modelId}|${device}|${dtype}|${req.allowRemote}`
  if (model && loaded === key) return emit({ type: 'ready', id: req.id, device, dtype, loadMs: 0, contextTokens })
  configureTransformers(req.allowRemote)
  await dropCache()
  await model?.dispose()
  model = undefined
  const progress_callback = (info: unknown) => emit({ type: 'progress', id: req.id, info: info as never })
  try {
    tokenizer = await AutoTokenizer.from_pretrained(req.modelId, { progress_callback })
    const m = await AutoModelForCausalLM.from_pretrained(req.modelId, { device, dtype: dtype as 'q4', progress_callback })
    timeForwards(m)
    const limit = (m.config as { max_position_embeddings?: number }).max_position_embeddings ?? req.contextTokens
    contextTokens = Math.min(limit, req.contextTokens)
    model = m
    // Warm-up: the first run compiles shaders and kernels; do it before saying ready.
    await m.generate({ ...(tokenizer.apply_chat_template([{ role: 'user', content: 'Hi' }], { add_generation_prompt: true, return_dict: true }) as object), max_new_tokens: 1 } as never)
  } catch (err) {
    model = undefined
    throw loadError(req.modelId, err, req.allowRemote)
  }
  loaded = key
  return emit({ type: 'ready', id: req.id, device, dtype, loadMs: performance.now() - started, contextTokens })
}

function promptIds(messages: readonly LlmMessage[]): number[] {
  const ids = tokenizer!.apply_chat_template(messages as LlmMessage[], { add_generation_prompt: true, return_tensor: false, return_dict: false }) as unknown as number[]
  return Array.from(ids, Number)
}

/** The last answer's cache, cut back to what the new prompt shares with it (null: start afresh). */
function reuseCache(ids: number[]): Cache | null {
  if (!cache) return null
  const keep = reusablePrefix(cache.ids, ids)
  if (keep === 0) return (void dropCache(), null)
  if (keep === cache.ids.length) return cache.past
  // The cache's own properties are its tensors (its methods are on the prototype).
  const entries = Object.entries(cache.past) as [string, Tensor][]
  // A cache kept on the GPU cannot be sliced here: computing the prompt again is correct, only slower.
  if (entries.some(([, t]) => t.location === 'gpu-buffer')) return (void dropCache(), null)
  for (const [name, t] of entries) cache.past[name] = t.slice(null, null, [0, keep], null)
  cache.ids = cache.ids.slice(0, keep)
  return cache.past
}

async function dropCache() {
  const old = cache
  cache = undefined
  await old?.past.dispose()
}

/**
 * Counts the tokens each forward pass is fed and its time: prefill (the first) and decoding steps.
 * After each pass the worker yields to its event loop: on WASM a pass runs inside a promise, so
 * without this a cancel would wait in the message queue until the whole answer was written.
 */
function timeForwards(m: PreTrainedModel) {
  const forward = m.forward.bind(m)
  m.forward = async (inputs: Record<string, Tensor>) => {
    const t0 = performance.now()
    const out = await forward(inputs)
    forwards.push({ tokens: inputs.input_ids?.dims.at(-1) ?? 0, ms: performance.now() - t0 })
    await nextTask()
    return out
  }
}

/** A zero-delay task (setTimeout is clamped to 4 ms once nested): pending messages run first. */
const yielder = new MessageChannel()
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    yielder.port1.onmessage = () => resolve()
    yielder.port2.postMessage(null)
  })
}
