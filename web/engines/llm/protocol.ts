import type { WorkerErrorEvent } from '../../lib/worker-rpc.ts'
import type { LoadProgress } from '../asr/protocol.ts'

export type LlmDevice = 'webgpu' | 'wasm'

export interface LlmMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

/** What one answer cost, counted in the worker (the prefill is what the cache did not already hold). */
export interface GenerationStats {
  /** Tokens of the whole prompt (the chat template applied to the trimmed history). */
  promptTokens: number
  /** Prompt tokens taken from the cache of earlier turns, not computed again. */
  reusedTokens: number
  /** Prompt tokens the model computed for this answer. */
  prefillTokens: number
  generatedTokens: number
  /** Messages left out so that the prompt fits the model's context. */
  droppedMessages: number
  /** From the request to the first token, and to the end (ms, in the worker). */
  firstTokenMs: number | null
  totalMs: number
  /** The model's own time per decoding step (ms), the forward passes only. */
  forwardMsPerToken: number | null
  /** Stopped by a cancel (barge-in, Stop), and how long the stop took to take effect (ms). */
  cancelled: boolean
  cancelMs: number | null
}

/** Main thread → LLM worker. */
export type LlmRequest =
  | {
      type: 'load'
      id: number
      /** Hub id, also the folder under /models/ when self-hosted: "onnx-community/Qwen2.5-0.5B-Instruct". */
      modelId: string
      device: LlmDevice
      dtype: string
      allowRemote: boolean
      /** The most tokens a prompt plus its answer may take (the model's context, bounded for memory). */
      contextTokens: number
    }
  /** `generation` names it for a cancel. */
  | { type: 'generate'; id: number; generation: number; messages: LlmMessage[]; maxNewTokens: number }
  /** Not queued (sent with `notify`): it reaches the worker while a generation runs, and ends it at the next token. */
  | { type: 'cancel'; id: number; generation: number }

/** LLM worker → main thread. */
export type LlmEvent =
  | { type: 'progress'; id: number; info: LoadProgress }
  | { type: 'ready'; id: number; device: LlmDevice; dtype: string; loadMs: number; contextTokens: number }
  | { type: 'partial'; generation: number; delta: string }
  | { type: 'result'; id: number; text: string; stats: GenerationStats }
  | WorkerErrorEvent
