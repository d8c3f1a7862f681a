import { useEffect, useRef, useState, type ReactNode } from 'react'
import type { StagePlacement } from '../session/placement.ts'

interface Props {
  agent: StagePlacement
  canClear: boolean
  onClear(): void
  onSettings(): void
  /** The session log as a file, once there is a turn to export. */
  onExport?(): void
  /** A video of the whole conversation (shown when some answer's voice is kept). */
  onExportVideo?(): void
  /** Opens the list of what left the device. */
  onNetwork(): void
  /** The private session's sign, when it is one. */
  privacy?: ReactNode
}

/** The brand, who answers, and the app's two actions. */
export function Topbar({ agent, canClear, onClear, onSettings, onExport, onExportVideo, onNetwork, privacy }: Props) {
  const viaRelay = agent.placement === 'relay'
  const onDevice = agent.placement === 'local-webgpu' || agent.placement === 'local-wasm'
  // On a phone the actions fold into a menu (CSS shows the toggle below 640 px).
  const [open, setOpen] = useState(false)
  const nav = useRef<HTMLElement>(null)
  useEffect(() => {
    if (!open) return
    const close = (e: Event) => (e instanceof KeyboardEvent ? e.key === 'Escape' : !nav.current?.parentElement?.contains(e.target as Node)) && setOpen(false)
    document.addEventListener('pointerdown', close)
    document.addEventListener('keydown', close)
    return () => {
      document.removeEventListener('pointerdown', close)
      document.removeEventListener('keydown', close)
    }
  }, [open])
  const act = (run: () => void) => () => {
    setOpen(false)
    run()
  }
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
        className={`badge badge--${viaRelay || onDevice ? 'relay' : 'offline'}`}
        data-testid="agent-badge"
        title={viaRelay ? 'Answers come from this model, through the relay.' : onDevice ? `A language model answers on this device: ${agent.reason}.` : agent.missing ? agent.reason : `A built-in guide answers, inside this page: ${agent.reason}.`}
      >
        <span className="badge__dot" />
        <span className="badge__text">{badgeText(agent)}</span>
      </div>
      {privacy}
      <button type="button" className="icon-button topbar__menu" aria-label="Menu" aria-haspopup="true" aria-expanded={open} aria-controls="app-actions" data-testid="menu" onClick={() => setOpen((o) => !o)}>
        <svg viewBox="0 0 24 24" aria-hidden><path d="M4 7h16M4 12h16M4 17h16" /></svg>
      </button>
      <nav className={`topbar__actions${open ? ' topbar__actions--open' : ''}`} id="app-actions" ref={nav} aria-label="Conversation">
        <button type="button" className="ghost-button" onClick={act(onClear)} disabled={!canClear}>
          New conversation
        </button>
        {onExport && (
          <button type="button" className="ghost-button" data-testid="menu-export" onClick={act(onExport)}>
            Export session
          </button>
        )}
        {onExportVideo && (
          <button type="button" className="ghost-button" data-testid="menu-export-video" onClick={act(onExportVideo)}>
            Video of the conversation
          </button>
        )}
        <button type="button" className="ghost-button" data-testid="menu-network" onClick={act(onNetwork)}>
          Network
        </button>
        <button type="button" className="ghost-button" data-testid="open-settings" onClick={act(onSettings)}>
          Settings
        </button>
      </nav>
    </header>
  )
}

function badgeText(agent: StagePlacement): string {
  if (agent.placement === 'relay') return agent.engine === 'realtime' ? agent.label : `LLM · ${agent.label}`
  if (agent.placement === 'local-webgpu' || agent.placement === 'local-wasm') return `On device · ${agent.label.split(' · ')[0]}`
  if (agent.missing) return `No model · ${agent.label}`
  if (agent.placement === null) return 'Connecting…'
  return agent.reason === 'the relay cannot be reached' ? 'Offline guide · relay unreachable' : 'Offline guide · no LLM connected'
}
