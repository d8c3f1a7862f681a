import { version } from '../../package.json'
import { describeError, errorCode } from '../lib/errors.ts'
import type { GenerationStats } from '../engines/llm/protocol.ts'
import { ledgerSummary, type LedgerEntry } from '../lib/network-ledger.ts'
import type { Placements } from './placement.ts'
import type { RecordingLogEntry } from './recorder.ts'
import type { StageName } from './streams.ts'
import { STAGES, waterfall, type RetrievalRecord, type TurnRecord } from './turn-log.ts'

export interface ShownError {
  at: number
  stage: StageName | 'playback' | 'session'
  code: string
  message: string
}

/** How turns were ended and answered ahead this session (issue 18's counts). */
export interface TurnTakingLog {
  preemptive: boolean
  /** The end-of-turn model: ready, off, loading, or missing (why). */
  turnModel: string
  /** Answers started at a pause; made into turns; abandoned because the user went on; the upstream requests the abandoned ones cost. */
  ahead: { started: number; committed: number; abandoned: number; wasted: { llm: number; tts: number; asr: number } }
  /** Pauses recognised ahead; of them, words that became a turn's without a second recognition, and words the user went on past. */
  pauses: { recognised: number; reused: number; discarded: number }
  /** On speakers: the voice's peer-connection loopback (for Chromium's echo canceller) — its latency, and the energy it carried; null when off. */
  echoLoopback: { latencyMs: number; receivedEnergy: number } | null
}

export interface SessionExport {
  app: { name: 'parley'; version: string }
  turnTaking?: TurnTakingLog
  exportedAt: string
  settings: Record<string, unknown>
  /** Where each stage ran (or `unavailable: why`), as the session decided it. */
  placement: Record<StageName, string>
  stages: Record<StageName, { placement: string | null; label: string; reason: string }>
  turns: {
    user: string
    assistant: string
    interrupted: boolean
    /** barge-in, stop, typed, new-turn, retry, cleared. */
    interruptedBy: string | null
    /** Where the voice was cut: ms of the answer's audio heard (the playback clock); null if it was not spoken. */
    heardMs: number | null
    spoken: boolean
    /** Epoch milliseconds; null where the stage did not happen (a typed turn has no asrFinal). */
    timestamps: Record<string, number | null>
    /** Each step of the latency waterfall, in ms from the previous mark. */
    durations: Record<string, number>
    /** The tools the answer called: arguments as the model wrote them, the result it was given, start (epoch ms) and duration. */
    tools: { name: string; arguments: string; result: unknown; ok: boolean; at: number; ms: number }[]
    /** The user's document passages the answer was given (labels and ids; the text of what search_documents found is in `tools`, as every tool's result is). */
    retrievals: RetrievalRecord[]
    /** An on-device model's counts: prompt tokens, reused from the cache, prefilled, generated; timings; cancel. */
    llm: GenerationStats | null
  }[]
  /** Every request the page and its workers made, as the service worker saw it (web/sw.ts). */
  network: { watching: boolean; leftDevice: number; bytes: number; requests: LedgerEntry[] }
  /** The videos recorded (or recovered) in this session: file name, container, codecs, length, size, captions, and any problem. */
  recordings: (Omit<RecordingLogEntry, 'startedAt'> & { startedAt: string })[]
  /** The problems the user was shown during the session. */
  errors: (Omit<ShownError, 'at'> & { at: number })[]
}

/** The session log of DESIGN §7, ready for JSON. */
export function buildSessionExport(
  turns: readonly TurnRecord[],
  settings: Record<string, unknown>,
  placements: Placements,
  textOf: (id: string) => string | undefined,
  errors: readonly ShownError[] = [],
  network: { watching: boolean; entries: readonly LedgerEntry[] } = { watching: false, entries: [] },
  recordings: readonly RecordingLogEntry[] = [],
  turnTaking?: TurnTakingLog,
): SessionExport {
  const left = ledgerSummary(network.entries)
  const epoch = (t: number | undefined) => (t === undefined ? null : Math.round(performance.timeOrigin + t))
  const stages = Object.fromEntries(Object.entries(placements).map(([k, p]) => [k, { placement: p.placement, label: p.label, reason: p.reason }])) as SessionExport['stages']
  return {
    app: { name: 'parley', version },
    ...(turnTaking && { turnTaking }),
    exportedAt: new Date().toISOString(),
    settings,
    placement: Object.fromEntries(Object.entries(placements).map(([k, p]) => [k, p.placement ?? `unavailable: ${p.reason}`])) as SessionExport['placement'],
    stages,
    turns: turns.map((t) => ({
      user: t.userText,
      assistant: (t.assistantId && textOf(t.assistantId)) ?? t.assistantText,
      interrupted: t.interrupted,
      interruptedBy: t.interruptedBy ?? null,
      heardMs: t.heardMs ?? null,
      spoken: t.spoken,
      timestamps: Object.fromEntries(STAGES.map((s) => [s, epoch(t.timestamps[s])])),
      durations: Object.fromEntries(waterfall(t).map((s) => [s.stage, Math.round(s.ms)])),
      tools: (t.tools ?? []).map((c) => ({ ...c, at: epoch(c.at)! })),
      retrievals: t.retrievals ?? [],
      llm: t.llm ?? null,
    })),
    network: { watching: network.watching, leftDevice: left.left, bytes: left.bytes, requests: [...network.entries] },
    recordings: recordings.map((r) => ({ ...r, startedAt: new Date(r.startedAt).toISOString() })),
    errors: errors.map((e) => ({ ...e, at: epoch(e.at)! })),
  }
}

/** An error as the log keeps it: its code and the words the user saw. */
export function shownError(stage: ShownError['stage'], err: unknown, at = performance.now()): ShownError {
  const code = errorCode(err) || 'error'
  const { title, detail } = describeError(err)
  return { at, stage, code, message: detail ? `${title}: ${detail}` : title }
}
