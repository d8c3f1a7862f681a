import { useEffect, useRef } from 'react'
import type { LevelSignal } from '../../lib/level-signal.ts'

export type StageMood = 'ready' | 'listening' | 'hearing' | 'thinking' | 'answering'

const CAPTION: Record<StageMood, string> = {
  ready: 'Ready',
  listening: 'Listening',
  hearing: 'Hearing you…',
  thinking: 'Thinking…',
  answering: 'Answering…',
}

/**
 * The stage where the avatar stands. Until the face arrives it shows a calm presence that
 * follows the conversation: at rest, thinking, or answering.
 */
export function AvatarStage({ name, mood, placement, voiceLevel }: { name: string; mood: StageMood; placement: string; voiceLevel?: LevelSignal }) {
  const presence = useRef<HTMLDivElement>(null)
  // The presence swells with the voice, drawn straight from the output level (no React render).
  useEffect(
    () =>
      voiceLevel?.subscribe((rms) => {
        presence.current?.style.setProperty('--voice', Math.min(1, rms * 4).toFixed(3))
      }),
    [voiceLevel],
  )
  return (
    <section className={`stage stage--${mood}`} aria-label="Avatar stage" data-testid="stage" data-mood={mood}>
      <div className="stage__presence" aria-hidden ref={presence} data-testid="presence">
        <div className="presence__halo" />
        <div className="presence__ring presence__ring--1" />
        <div className="presence__ring presence__ring--2" />
        <div className="presence__core" />
      </div>
      <div className="stage__caption">
        <div className="stage__name">{name}</div>
        <div className="stage__mood" aria-live="polite">
          {CAPTION[mood]}
        </div>
      </div>
      <div className="stage__placement" title="Where the answers come from">
        {placement}
      </div>
    </section>
  )
}
