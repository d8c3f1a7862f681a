import type { GenerationStats } from '../engines/llm/protocol.ts'
/**
 * Per-turn timestamps (DESIGN §7), in ms of performance.now(). They drive the latency waterfall
 * and go into the exported session log. Pure bookkeeping: callers say what happened when.
 */
/** `speechStop`: where the user's speech really ended (the VAD's last speech frame); `speechEnd`: when the turn was taken to be over. */
export const STAGES = ['sent', 'speechStart', 'speechStop', 'speechEnd', 'asrFinal', 'llmFirstToken', 'firstSentence', 'ttsFirstAudio', 'firstFrame', 'playbackStart', 'playbackEnd'] as const
export type Stage = (typeof STAGES)[number]
export type Timestamps = Partial<Record<Stage, number>>

export interface TurnRecord {
  /** The session's id for the turn, when the session began it. */
  turnId?: string
  /** The user message that began the turn. */
  userId: string
  assistantId?: string
  userText: string
  /** As heard when interrupted, else as written. */
  assistantText: string
  interrupted: boolean
  /** What cut it short: the user speaking over it, Stop, typing over it… */
  interruptedBy?: string
  /** How far into the answer's voice the listener got when it was cut short (ms of its audio). */
  heardMs?: number
  spoken: boolean
  timestamps: Timestamps
  /** The tools the answer called, in the order they ended. */
  tools?: ToolRecord[]
  /** The document passages it was given: how found, how long the search took (ms), which passages. */
  retrievals?: RetrievalRecord[]
  /** An on-device model's counts for the answer: prompt, cache reuse, prefill, tokens, timings, cancel. */
  llm?: GenerationStats
}

/** A search of the user's documents for a turn, as the session log keeps it (labels and ids, not the text). */
export interface RetrievalRecord {
  via: 'prompt' | 'tool'
  ms: number
  /** Whether the vector search took part (else keywords only). */
  vector: boolean
  sources: { n: number; label: string; chunkId: string }[]
}

/** A tool call as the session log keeps it: its arguments (as the model wrote them), what it gave back, and when. */
export interface ToolRecord {
  name: string
  arguments: string
  result: unknown
  ok: boolean
  /** performance.now() when it started, and how long it took (ms). */
  at: number
  ms: number
}

/** The waterfall's steps: each is the time from the previous mark to this one. */
export const WATERFALL: readonly { stage: Stage; label: string }[] = [
  // The wait for the end of the turn: the end-of-speech delay, or less where the turn model ended it at a pause.
  { stage: 'speechEnd', label: 'end of turn' },
  { stage: 'asrFinal', label: 'recognition' },
  // The answer's first words, from a language model or the offline guide alike.
  { stage: 'llmFirstToken', label: 'first words' },
  { stage: 'firstSentence', label: 'first sentence' },
  { stage: 'ttsFirstAudio', label: 'voice' },
  { stage: 'playbackStart', label: 'playback' },
]

/** Where a turn's clock starts: when the user stopped speaking for spoken turns, else the send. */
export function turnOrigin(t: TurnRecord): number | undefined {
  return t.timestamps.speechStop ?? t.timestamps.speechEnd ?? t.timestamps.sent ?? t.timestamps.asrFinal
}

/** The steps of one turn's waterfall that were measured, as [label, ms] from the previous mark. */
export function waterfall(t: TurnRecord): { label: string; ms: number; stage: Stage }[] {
  let prev = turnOrigin(t)
  const out: { label: string; ms: number; stage: Stage }[] = []
  if (prev === undefined) return out
  for (const { stage, label } of WATERFALL) {
    // A typed turn has no recognition: its text was final when sent (that is its origin).
    if (stage === 'asrFinal' && !t.spoken) continue
    // Without where the speech stopped, the end of the turn is the origin itself.
    if (stage === 'speechEnd' && t.timestamps.speechStop === undefined) continue
    const at = t.timestamps[stage]
    if (at === undefined) continue
    out.push({ label, stage, ms: Math.max(0, at - prev) })
    prev = at
  }
  return out
}

/** Median of each waterfall step over the turns that have it. */
export function medians(turns: readonly TurnRecord[]): { label: string; ms: number; turns: number }[] {
  return WATERFALL.map(({ stage, label }) => {
    const values = turns.flatMap((t) => waterfall(t).filter((s) => s.stage === stage).map((s) => s.ms)).sort((a, b) => a - b)
    const mid = values.length >> 1
    const ms = values.length ? (values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2) : NaN
    return { label, ms, turns: values.length }
  }).filter((m) => m.turns > 0)
}

export class TurnLog {
  private readonly records: TurnRecord[] = []
  /** Marks that arrive before the turn's message exists (speech start and end, recognition). */
  private early: Timestamps = {}

  get turns(): readonly TurnRecord[] {
    return this.records
  }

  private get current(): TurnRecord | undefined {
    return this.records.at(-1)
  }

  /** Marks a stage of the turn in progress (the first mark of each stage counts). */
  mark(stage: Stage, at = performance.now()) {
    const turn = this.current
    const target = turn && !turn.timestamps.playbackEnd && stage !== 'speechStart' && stage !== 'speechStop' && stage !== 'speechEnd' && stage !== 'asrFinal' ? turn.timestamps : this.early
    target[stage] ??= at
  }

  /** A user message starts a turn, taking the speech marks that led to it. A typed turn's clock starts when it was sent. */
  begin(userId: string, userText: string, spoken: boolean, at = performance.now(), ids: { turnId?: string; assistantId?: string } = {}) {
    const timestamps: Timestamps = spoken ? { ...this.early } : { sent: at }
    this.early = {}
    this.records.push({ ...ids, userId, userText, assistantText: '', interrupted: false, spoken, timestamps })
  }

  /** Marks a stage of a given turn (the first mark of each stage counts). */
  markTurn(turnId: string, stage: Stage, at: number) {
    const turn = this.records.findLast((t) => t.turnId === turnId)
    if (turn) turn.timestamps[stage] ??= at
  }

  /** A tool call of the turn ended. */
  tool(turnId: string, record: ToolRecord) {
    const turn = this.records.findLast((t) => t.turnId === turnId)
    if (turn) (turn.tools ??= []).push(record)
  }

  /** Document passages were found for the turn. */
  retrieval(turnId: string, record: RetrievalRecord) {
    const turn = this.records.findLast((t) => t.turnId === turnId)
    if (turn) (turn.retrievals ??= []).push(record)
  }

  /** The on-device model's counts for the turn's answer. */
  generation(turnId: string, stats: GenerationStats) {
    const turn = this.records.findLast((t) => t.turnId === turnId)
    if (turn) turn.llm = stats
  }

  /** The turn was cut short: `text` is what stays of its answer. */
  interrupted(turnId: string, cause: string, text: string, heardMs?: number) {
    const turn = this.records.findLast((t) => t.turnId === turnId)
    if (!turn) return
    turn.interrupted = true
    turn.interruptedBy = cause
    if (heardMs !== undefined) turn.heardMs = Math.round(heardMs)
    turn.assistantText = text
  }

  /** The answer this turn got (its final or heard text). */
  answer(assistantId: string, text: string, interrupted: boolean) {
    const turn = this.records.find((t) => t.assistantId === assistantId) ?? this.current
    if (!turn) return
    turn.assistantId = assistantId
    turn.assistantText = text
    turn.interrupted = interrupted
  }

  /** Turns kept from before a reload (only into an empty log). */
  restore(records: readonly TurnRecord[]) {
    if (!this.records.length) this.records.push(...records)
  }

  forgetSpeech() {
    this.early = {}
  }

  clear() {
    this.records.length = 0
    this.early = {}
  }
}
