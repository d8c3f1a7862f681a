import { waterfall, type TurnRecord } from '../../session/turn-log.ts'

const COLORS = ['#3fd0c9', '#8b7bff', '#f4b740', '#ff8fab', '#7fd67f']

/** One turn's latency, stage by stage, as a bar (widths to scale) with the numbers beside it. */
export function LatencyWaterfall({ turn }: { turn: TurnRecord }) {
  const steps = waterfall(turn)
  if (!steps.length) return null
  const total = steps.reduce((n, s) => n + s.ms, 0)
  return (
    <div className="waterfall" data-testid="waterfall" title={`${turn.spoken ? 'From the end of your speech' : 'From sending'} to the first audible word`}>
      <div className="waterfall__bar" role="img" aria-label={steps.map((s) => `${s.label} ${Math.round(s.ms)} ms`).join(', ')}>
        {steps.map((s, i) => (
          <span key={s.stage} style={{ flexGrow: Math.max(s.ms, total * 0.02), background: COLORS[i % COLORS.length] }} />
        ))}
      </div>
      <div className="waterfall__legend">
        {steps.map((s, i) => (
          <span key={s.stage} data-stage={s.stage}>
            <i style={{ background: COLORS[i % COLORS.length] }} />
            {s.label} {Math.round(s.ms)} ms
          </span>
        ))}
        <strong>= {Math.round(total)} ms</strong>
      </div>
    </div>
  )
}
