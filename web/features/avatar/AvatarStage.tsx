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
export function AvatarStage({ name, mood, placement }: { name: string; mood: StageMood; placement: string }) {
  return (
    <section className={`stage stage--${mood}`} aria-label="Avatar stage" data-testid="stage" data-mood={mood}>
      <div className="stage__presence" aria-hidden>
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
