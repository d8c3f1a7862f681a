/**
 * Per-turn timestamps (DESIGN §7), in ms of performance.now(). They drive the latency waterfall
 * and go into the exported session log. Pure bookkeeping: callers say what happened when.
 */
export const STAGES = ['speechStart', 'speechEnd', 'asrFinal', 'llmFirstToken', 'firstSentence', 'ttsFirstAudio', 'firstFrame', 'playbackStart', 'playbackEnd'] as const
export type Stage = (typeof STAGES)[number]
export type Timestamps = Partial<Record<Stage, number>>

export interface TurnRecord {
  /** The user message that began the turn. */
  userId: string
  assistantId?: string
  userText: string
  /** As heard when interrupted, else as written. */
  assistantText: string
  interrupted: boolean
  spoken: boolean
  timestamps: Timestamps
}

/** The waterfall's steps: each is the time from the previous mark to this one. */
export const WATERFALL: readonly { stage: Stage; label: string }[] = [
  { stage: 'asrFinal', label: 'recognition' },
  { stage: 'llmFirstToken', label: 'model first token' },
  { stage: 'firstSentence', label: 'first sentence' },
  { stage: 'ttsFirstAudio', label: 'voice' },
  { stage: 'playbackStart', label: 'playback' },
]

/** Where a turn's clock starts: the end of speech for spoken turns, else the send (asrFinal: the user's text was final). */
export function turnOrigin(t: TurnRecord): number | undefined {
  return t.timestamps.speechEnd ?? t.timestamps.asrFinal
}

/** The steps of one turn's waterfall that were measured, as [label, ms] from the previous mark. */
export function waterfall(t: TurnRecord): { label: string; ms: number; stage: Stage }[] {
  let prev = turnOrigin(t)
  const out: { label: string; ms: number; stage: Stage }[] = []
  if (prev === undefined) return out
  for (const { stage, label } of WATERFALL) {
    // A typed turn has no recognition: its text was final when sent (that is its origin).
    if (stage === 'asrFinal' && !t.spoken) continue
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
    const target = turn && !turn.timestamps.playbackEnd && stage !== 'speechStart' && stage !== 'speechEnd' && stage !== 'asrFinal' ? turn.timestamps : this.early
    target[stage] ??= at
  }

  /** A user message starts a turn, taking the speech marks that led to it. */
  begin(userId: string, userText: string, spoken: boolean, at = performance.now()) {
    const timestamps: Timestamps = spoken ? { ...this.early } : { asrFinal: at }
    this.early = {}
    this.records.push({ userId, userText, assistantText: '', interrupted: false, spoken, timestamps })
  }

  /** The answer this turn got (its final or heard text). */
  answer(assistantId: string, text: string, interrupted: boolean) {
    const turn = this.records.find((t) => t.assistantId === assistantId) ?? this.current
    if (!turn) return
    turn.assistantId = assistantId
    turn.assistantText = text
    turn.interrupted = interrupted
  }

  forgetSpeech() {
    this.early = {}
  }

  clear() {
    this.records.length = 0
    this.early = {}
  }
}
