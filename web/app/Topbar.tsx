import type { StagePlacement } from '../session/placement.ts'

interface Props {
  agent: StagePlacement
  canClear: boolean
  onClear(): void
  onSettings(): void
}

/** The brand, who answers, and the app's two actions. */
export function Topbar({ agent, canClear, onClear, onSettings }: Props) {
  const viaRelay = agent.placement === 'relay'
  return (
    <header className="topbar">
      <div className="brand">
        <svg className="brand__mark" viewBox="0 0 32 32" aria-hidden>
          <circle cx="16" cy="16" r="14" />
          <path d="M10 13c0-2 2-4 6-4s6 2 6 4-2 4-6 4h-2l-4 4v-4.5c-.6-.7-1-1.8-1-3.5z" />
        </svg>
        <span className="brand__name">Parley</span>
      </div>
      <div
        className={`badge badge--${viaRelay ? 'relay' : 'offline'}`}
        data-testid="agent-badge"
        title={viaRelay ? 'Answers come from this model, through the relay.' : 'No language model is connected: a built-in guide answers, inside this page.'}
      >
        <span className="badge__dot" />
        {viaRelay ? `LLM · ${agent.label}` : 'Offline guide · no LLM connected'}
      </div>
      <nav className="topbar__actions">
        <button type="button" className="ghost-button" onClick={onClear} disabled={!canClear}>
          New conversation
        </button>
        <button type="button" className="ghost-button" data-testid="open-settings" onClick={onSettings}>
          Settings
        </button>
      </nav>
    </header>
  )
}
