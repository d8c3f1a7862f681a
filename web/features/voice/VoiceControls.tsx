import type { VoiceStatus } from './use-voice-input.ts'

const STATUS: Record<VoiceStatus, string> = {
  off: 'Microphone off',
  starting: 'Starting the microphone…',
  listening: 'Listening — just talk',
  hearing: 'Hearing you…',
  transcribing: 'Transcribing…',
}

interface Props {
  status: VoiceStatus
  level: number
  muted: boolean
  pushToTalk: boolean
  /** Where recognition runs and why, or why voice is unavailable. */
  placement: { available: boolean; reason: string }
  partial: string
  /** Model download progress, per file, while the speech model loads. */
  progress: readonly { file: string; loaded: number; total: number; done: boolean }[]
  onStart(): void
  onStop(): void
  onMute(muted: boolean): void
}

/** The microphone button, level meter, mute and the recognition placement badge. */
export function VoiceControls({ status, level, muted, pushToTalk, placement, partial, progress, onStart, onStop, onMute }: Props) {
  const loading = progress.filter((p) => !p.done)
  const on = status !== 'off'
  // Speech RMS is small: a square-root scale makes the meter move for normal voices.
  const meter = muted ? 0 : Math.min(1, Math.sqrt(level) * 2.2)
  const hint = on && status === 'listening' && pushToTalk ? 'Hold Space to talk' : STATUS[status]
  return (
    <div className={`voice voice--${status}`} data-testid="voice" data-status={status}>
      <button
        type="button"
        className={`mic-button${on ? ' mic-button--on' : ''}`}
        data-testid="mic-toggle"
        aria-pressed={on}
        disabled={!placement.available || status === 'starting'}
        onClick={on ? onStop : onStart}
        title={placement.available ? (on ? 'Stop listening' : 'Talk to Parley') : `Voice unavailable: ${placement.reason}`}
      >
        <svg viewBox="0 0 24 24" aria-hidden>
          <rect x="9" y="3" width="6" height="11" rx="3" />
          <path d="M5.5 11a6.5 6.5 0 0 0 13 0M12 17.5V21" />
        </svg>
        <span className="sr-only">{on ? 'Stop listening' : 'Start listening'}</span>
      </button>
      <div className="voice__body">
        <div className="voice__line">
          <span className="voice__status" data-testid="voice-status">
            {placement.available ? (muted ? 'Muted' : hint) : `Voice unavailable — ${placement.reason}`}
          </span>
          {placement.available && (
            <span className="placement-badge" data-testid="asr-placement" title="Where your speech is recognised">
              speech: {placement.reason}
            </span>
          )}
        </div>
        {on && (
          <div className="meter" role="meter" aria-label="Microphone level" aria-valuemin={0} aria-valuemax={1} aria-valuenow={Number(meter.toFixed(2))}>
            <div className="meter__fill" style={{ transform: `scaleX(${meter})` }} data-testid="level" />
          </div>
        )}
        {loading.length > 0 && (
          <ul className="model-progress" data-testid="model-progress" aria-label="Loading the speech model">
            {loading.map((p) => (
              <li key={p.file}>
                <span className="model-progress__file">{p.file}</span>
                <progress max={p.total || 1} value={p.total ? p.loaded : undefined} />
                <span className="model-progress__size">{p.total ? `${(p.loaded / 1e6).toFixed(1)} / ${(p.total / 1e6).toFixed(1)} MB` : '…'}</span>
              </li>
            ))}
          </ul>
        )}
        {partial && <div className="voice__partial">{partial}</div>}
      </div>
      {on && (
        <button type="button" className="ghost-button voice__mute" data-testid="mute" aria-pressed={muted} onClick={() => onMute(!muted)}>
          {muted ? 'Unmute' : 'Mute'}
        </button>
      )}
    </div>
  )
}
