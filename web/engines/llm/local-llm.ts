import { AppError } from '../../lib/errors.ts'
import { lazyWorker } from '../../lib/lazy-worker.ts'
import { WorkerRpc } from '../../lib/worker-rpc.ts'
import { toChatMessages, type Agent, type AgentRequest } from '../agent/agent.ts'
import type { LoadProgress } from '../asr/protocol.ts'
import type { LlmDevice, LlmEvent, LlmRequest } from './protocol.ts'

export interface LocalLlmOptions {
  modelId: string
  device: LlmDevice
  dtype: string
  allowRemote: boolean
  /** The most tokens a prompt and its answer may take together. */
  contextTokens?: number
  /** The longest answer, in tokens. */
  maxNewTokens?: number
  onProgress?(info: LoadProgress): void
  onReady?(info: { device: LlmDevice; dtype: string; loadMs: number }): void
  /** The worker died (out of memory, a lost GPU): it is restarted on the next answer. */
  onCrash?(err: AppError): void
}

/**
 * The weights each device runs best: 4-bit weights with 16-bit floats where the GPU has
 * shader-f16, 4-bit with 32-bit floats on other GPUs and on the CPU (WASM).
 */
export function llmDtype(device: LlmDevice, shaderF16: boolean): string {
  return device === 'webgpu' && shaderF16 ? 'q4f16' : 'q4'
}

const abortError = () => new DOMException('The reply was stopped.', 'AbortError')

/**
 * A small instruct model answering in a worker on this device: nothing of the conversation leaves
 * the page. Tools are not offered (models this small call them badly); the persona, the notes and
 * document passages reach it in the system prompt like any agent's.
 */
export function createLocalLlm(options: LocalLlmOptions): Agent & { load(): Promise<void>; dispose(): void } {
  const worker = lazyWorker<LlmRequest, LlmEvent>({
    spawn() {
      const rpc = new WorkerRpc<LlmRequest, LlmEvent>(new Worker(new URL('./llm.worker.ts', import.meta.url), { type: 'module', name: 'parley-llm' }), 'on-device language model')
      rpc.on('progress', (e) => options.onProgress?.(e.info))
      return rpc
    },
    async load(rpc) {
      const ready = await rpc.request({ type: 'load', modelId: options.modelId, device: options.device, dtype: options.dtype, allowRemote: options.allowRemote, contextTokens: options.contextTokens ?? 4096 })
      options.onReady?.({ device: ready.device, dtype: ready.dtype, loadMs: ready.loadMs })
    },
    onCrash: options.onCrash,
  })
  let generation = 0
  return {
    kind: 'device',
    label: `${options.modelId.split('/').pop()} · on device`,
    load: async () => void (await worker.load()),
    async *reply({ history, systemPrompt, signal, onStats }: AgentRequest) {
      const rpc = await worker.load()
      signal.throwIfAborted()
      const pieces: string[] = []
      let wake: (() => void) | null = null
      const nudge = () => (wake?.(), (wake = null))
      const off = rpc.on('partial', (e) => {
        if (e.generation !== current) return
        pieces.push(e.delta)
        nudge()
      })
      const current = ++generation
      let done = false
      let failure: unknown
      const finished = rpc.request({ type: 'generate', generation: current, messages: toChatMessages(systemPrompt, history, Number.MAX_SAFE_INTEGER), maxNewTokens: options.maxNewTokens ?? 320 }).then(
        (r) => onStats?.(r.stats),
        (err: unknown) => void (failure = err),
      ).finally(() => ((done = true), nudge()))
      const cancel = () => {
        rpc.notify({ type: 'cancel', generation: current })
        nudge()
      }
      signal.addEventListener('abort', cancel, { once: true })
      try {
        while (true) {
          if (signal.aborted) throw abortError()
          const piece = pieces.shift()
          if (piece !== undefined) {
            yield piece
            continue
          }
          if (done) break
          await new Promise<void>((r) => (wake = r))
        }
        await finished
        if (failure) throw failure
      } finally {
        off()
        signal.removeEventListener('abort', cancel)
        // Left early without an abort (the caller broke off): the worker is told too; an abort already told it.
        if (!done && !signal.aborted) cancel()
      }
    },
    dispose: () => worker.dispose(),
  }
}
