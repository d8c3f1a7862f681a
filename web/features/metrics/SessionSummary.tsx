import { medians, type TurnRecord } from '../../session/turn-log.ts'

/** Median latency per stage over the session, and the Export button. */
export function SessionSummary({ turns, onExport }: { turns: readonly TurnRecord[]; onExport(): void }) {
  const m = medians(turns)
  return (
    <div className="summary" data-testid="session-summary">
      <span className="summary__title">Median over {turns.length} turn{turns.length === 1 ? '' : 's'}</span>
      {m.map((s) => (
        <span key={s.label} className="summary__item">
          {s.label} <strong>{Math.round(s.ms)} ms</strong>
        </span>
      ))}
      <button type="button" className="ghost-button summary__export" data-testid="export" onClick={onExport}>
        Export session
      </button>
    </div>
  )
}
