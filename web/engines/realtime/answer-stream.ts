import type { ToolCall } from '../agent/agent.ts'
import type { SpeechChunk } from '../media.ts'
import { AppError } from '../../lib/errors.ts'
import { isStopRefusal, protocolError, stopEventId, type RealtimeEvent, type RealtimeLink } from './link.ts'
import { fromPcm16Base64 } from './pcm.ts'

/** From response.create to an answer's first event, and between two of its events. */
export const RESPONSE_MS = 30_000

/**
 * One response: its transcript as text deltas, its audio as chunks (each carrying the words that
 * came with it, so the heard text can be told from the clock), and what a stop must undo. Ids are
 * taken from the deltas themselves: OpenRealtime sends no response.created or output items.
 */
export class AnswerStream {
  private responseId: string | undefined
  private itemId: string | undefined
  private active = true
  private receivedSamples = 0
  private wordsSinceAudio = ''
  private readonly queue: (RealtimeEvent | AppError)[] = []
  private wake: (() => void) | undefined
  private readonly off: () => void

  /** response.done has come (read or not). */
  private ended = false
  /** The functions the model called in this response (from its response.done), to be run before the answer goes on. */
  calls: ToolCall[] = []

  constructor(private readonly link: RealtimeLink, private readonly rate: number, private readonly finished: ReadonlySet<string>, first?: RealtimeEvent) {
    if (first) this.push(first)
    this.off = link.listen((e) => this.push(e))
  }

  /** Whether an event belongs to this response. */
  owns(e: RealtimeEvent): boolean {
    const id = responseIdOf(e)
    if (id !== undefined && this.responseId !== undefined) return id === this.responseId
    return !this.ended
  }

  /** An answer no turn took, or one that is over: it stops listening. */
  discard() {
    this.off()
    this.queue.length = 0
    this.wake?.()
  }

  async *text(signal: AbortSignal, onVoice: (chunk: SpeechChunk) => void): AsyncGenerator<string> {
    let deadline = setTimeout(() => this.fail(new AppError('realtime_timeout', 'The Realtime model did not start its answer within 30 s. Try again.')), RESPONSE_MS)
    try {
      for (;;) {
        while (!this.queue.length) {
          if (signal.aborted) return
          await new Promise<void>((r) => (this.wake = r))
          this.wake = undefined
        }
        if (signal.aborted) return
        const e = this.queue.shift()!
        if (e instanceof AppError) throw e
        clearTimeout(deadline)
        // Another response's events (an earlier one ending late) are not this answer's.
        const id = responseIdOf(e)
        if (id && this.responseId && id !== this.responseId) {
          deadline = this.rearm()
          continue
        }
        switch (e.type) {
          case 'error':
            // A refusal of this answer's own stop (it had ended already) is no failure.
            if (isStopRefusal(e)) break
            throw protocolError(e)
          case 'response.output_audio.delta': {
            if (typeof e.delta !== 'string') break
            if (typeof e.item_id === 'string') this.itemId ??= e.item_id
            const samples = decodeAudio(e.delta)
            this.receivedSamples += samples.length
            onVoice({ text: this.wordsSinceAudio, samples, sampleRate: this.rate })
            this.wordsSinceAudio = ''
            break
          }
          case 'response.output_audio_transcript.delta':
          case 'response.output_text.delta':
            if (typeof e.delta !== 'string' || !e.delta) break
            if (typeof e.item_id === 'string') this.itemId ??= e.item_id
            this.wordsSinceAudio += e.delta
            yield e.delta
            break
          case 'response.done': {
            this.active = false
            const r = (e.response ?? {}) as { status?: string; status_details?: { error?: { message?: string; code?: string } } }
            if (r.status === 'failed') throw new AppError(r.status_details?.error?.code ?? 'realtime_failed', r.status_details?.error?.message ?? 'The Realtime model could not finish its answer. Try again.')
            this.calls = functionCalls(e.response)
            return
          }
        }
        deadline = this.rearm()
      }
    } finally {
      clearTimeout(deadline)
      this.active = false
      this.off()
    }
  }

  /** How much of this response's audio has arrived (ms). */
  get audioMs(): number {
    return (this.receivedSamples / this.rate) * 1000
  }

  private rearm() {
    return setTimeout(() => this.fail(new AppError('realtime_timeout', 'The Realtime model stopped in the middle of its answer. Try again.')), RESPONSE_MS)
  }

  /**
   * The turn was stopped: a response still running is cancelled, and the answer's audio is cut
   * at what the listener heard, never past what arrived.
   */
  stop(heardMs: number | null) {
    this.off()
    this.wake?.()
    if (this.active) this.link.send({ type: 'response.cancel', event_id: stopEventId(), ...(this.responseId && { response_id: this.responseId }) })
    this.active = false
    if (!this.itemId || this.receivedSamples === 0 || heardMs === null) return
    const receivedMs = Math.floor((this.receivedSamples / this.rate) * 1000)
    this.link.send({ type: 'conversation.item.truncate', event_id: stopEventId(), item_id: this.itemId, content_index: 0, audio_end_ms: Math.max(0, Math.min(receivedMs, Math.round(heardMs))) })
  }

  private push(e: RealtimeEvent | AppError) {
    if (!(e instanceof AppError) && e.type.startsWith('response.')) {
      const id = responseIdOf(e)
      // Late events of a response that had ended before this one began.
      if (id && id !== this.responseId && this.finished.has(id)) return
      if (id && !this.ended) this.responseId ??= id
      if (e.type === 'response.done' && (!id || id === this.responseId)) this.ended = true
    }
    this.queue.push(e)
    this.wake?.()
  }

  private fail(err: AppError) {
    this.push(err)
  }
}

/**
 * The function_call items of a completed response, as the agent loop runs them. A cancelled one
 * (the user spoke: the server's VAD is answering that now) or an incomplete item (arguments cut
 * short) is not run.
 */
function functionCalls(response: unknown): ToolCall[] {
  const r = response as { status?: unknown; output?: unknown } | undefined
  if (r?.status !== 'completed' || !Array.isArray(r.output)) return []
  return r.output.flatMap((item: { type?: unknown; status?: unknown; call_id?: unknown; name?: unknown; arguments?: unknown }) =>
    item?.type === 'function_call' && (item.status === undefined || item.status === 'completed') && typeof item.call_id === 'string' && typeof item.name === 'string'
      ? [{ id: item.call_id, name: item.name, arguments: typeof item.arguments === 'string' ? item.arguments : '' }]
      : [],
  )
}

export function responseIdOf(e: RealtimeEvent): string | undefined {
  if (typeof e.response_id === 'string') return e.response_id
  const r = e.response as { id?: unknown } | undefined
  return typeof r?.id === 'string' ? r.id : undefined
}

function decodeAudio(delta: string): Float32Array {
  try {
    return fromPcm16Base64(delta)
  } catch {
    throw new AppError('realtime_error', 'The Realtime model sent audio that could not be read (not base64 PCM16). The relay’s log may say more.')
  }
}
