import { useEffect, useRef } from 'react'
import type { LevelSignal } from '../../lib/level-signal.ts'
import type { VoiceStatus } from '../../session/voice-input.ts'

const STATUS: Record<VoiceStatus, string> = {
  off: 'Microphone off',
  starting: 'Starting the microphone…',
  listening: 'Listening — just talk',
  hearing: 'Hearing you…',
  transcribing: 'Transcribing…',
}

interface Props {
  status: VoiceStatus
  level: LevelSignal
  muted: boolean
  pushToTalk: boolean
  /** Where recognition runs and why, or why voice is unavailable. */
  placement: { available: boolean; reason: string }
  /** Where speech detection runs (the session's decision, like every stage's). */
  detection: { label: string; reason: string }
  partial: string
  /** Sentences heard and kept until a recognizer can take them. */
  held: number
  /** Model download progress, per file, while the speech model loads. */
  progress: readonly { file: string; loaded: number; total: number; done: boolean }[]
  onStart(): void
  onStop(): void
  onMute(muted: boolean): void
  /** Push-to-talk held or released (the hold button: touch, mouse or pen). */
  onPress(pressed: boolean): void
}

/** The microphone button, level meter, mute and the recognition placement badge. */
export function VoiceControls({ status, level, muted, pushToTalk, placement, detection, partial, held, progress, onStart, onStop, onMute, onPress }: Props) {
  const loading = progress.filter((p) => !p.done)
  const on = status !== 'off'
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
        <span className="voice__status" data-testid="voice-status">
          {placement.available ? (muted ? 'Muted' : hint) : `Voice unavailable — ${placement.reason}`}
        </span>
        {on && <LevelMeter level={level} muted={muted} />}
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
        {/* Always there, filled when needed: a live region that appears already filled is often not read out. */}
        <div className="voice__held" data-testid="voice-held" role="status">
          {held > 0 && `${held === 1 ? 'What you just said is kept' : `The last ${held} things you said are kept`} until speech recognition works — it will be recognised then.`}
        </div>
        <div className="placement-badges" role="group" aria-label="Where speech is detected and recognised" tabIndex={0}>
          <span className="placement-badge" data-testid="vad-placement" title={`Speech detection (${detection.label}): ${detection.reason}`}>
            detection: on device · WASM
          </span>
          {placement.available && (
            <span className="placement-badge" data-testid="asr-placement" title="Where your speech is recognised">
              recognition: {placement.reason}
            </span>
          )}
        </div>
      </div>
      {on && pushToTalk && !muted && (
        <button
          type="button"
          className="ghost-button voice__hold"
          data-testid="hold-to-talk"
          aria-label="Hold to talk"
          onPointerDown={(e) => {
            e.currentTarget.setPointerCapture(e.pointerId)
            onPress(true)
          }}
          onPointerUp={() => onPress(false)}
          onPointerCancel={() => onPress(false)}
          onLostPointerCapture={() => onPress(false)}
          onContextMenu={(e) => e.preventDefault()}
        >
          Hold to talk
        </button>
      )}
      {on && (
        <button type="button" className="ghost-button voice__mute" data-testid="mute" aria-pressed={muted} onClick={() => onMute(!muted)}>
          {muted ? 'Unmute' : 'Mute'}
        </button>
      )}
    </div>
  )
}

/** Drawn from the level signal straight into the DOM: no React render per reading. */
function LevelMeter({ level, muted }: { level: LevelSignal; muted: boolean }) {
  const fill = useRef<HTMLDivElement>(null)
  useEffect(() => {
    let shown = -1
    return level.subscribe((rms) => {
      // Speech RMS is small: a square-root scale makes the meter move for normal voices.
      const v = muted ? 0 : Math.min(1, Math.sqrt(rms) * 2.2)
      // Each visible change costs a rendered frame: skip changes the eye would not see.
      if (Math.abs(v - shown) < 0.02) return
      shown = v
      if (fill.current) fill.current.style.transform = `scaleX(${v.toFixed(3)})`
    })
  }, [level, muted])
  return (
    <div className="meter" role="img" aria-label="Microphone level">
      <div ref={fill} className="meter__fill" data-testid="level" />
    </div>
  )
}
