import { STAGES, type TurnRecord } from '../../session/turn-log.ts'

export interface SessionExport {
  exportedAt: string
  settings: Record<string, unknown>
  placement: Record<string, string>
  turns: {
    user: string
    assistant: string
    interrupted: boolean
    spoken: boolean
    /** Epoch milliseconds; null where the stage did not happen (e.g. no avatar frame yet). */
    timestamps: Record<string, number | null>
  }[]
}

/** The session log of DESIGN §7, ready for JSON. */
export function buildSessionExport(turns: readonly TurnRecord[], settings: Record<string, unknown>, placement: Record<string, string>, textOf: (id: string) => string | undefined): SessionExport {
  const epoch = (t: number | undefined) => (t === undefined ? null : Math.round(performance.timeOrigin + t))
  return {
    exportedAt: new Date().toISOString(),
    settings,
    placement,
    turns: turns.map((t) => ({
      user: t.userText,
      assistant: (t.assistantId && textOf(t.assistantId)) ?? t.assistantText,
      interrupted: t.interrupted,
      spoken: t.spoken,
      timestamps: Object.fromEntries(STAGES.map((s) => [s, epoch(t.timestamps[s])])),
    })),
  }
}

/** Saves the log as a file the user downloads. */
export function downloadJson(name: string, data: unknown) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
