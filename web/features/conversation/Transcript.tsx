import { useEffect, useRef, type ReactNode } from 'react'
import type { Message, ToolChip } from '../../session/conversation-state.ts'
import { CitedText, PassageDialog, SourceList, useOpenPassage } from './Citations.tsx'

/** The same call made again (a model that asks the time each round) shows once, counted. */
function grouped(chips: readonly ToolChip[]): { chip: ToolChip; count: number }[] {
  const out: { chip: ToolChip; count: number }[] = []
  for (const chip of chips) {
    const same = out.find((g) => g.chip.label === chip.label && g.chip.status === chip.status)
    if (same) same.count++
    else out.push({ chip, count: 1 })
  }
  return out
}

interface Props {
  messages: readonly Message[]
  assistantName: string
  onRetry(userId: string): void
  /** Shown when the transcript is empty: starter prompts. */
  suggestions: readonly string[]
  onSuggestion(text: string): void
  /** Extra content under a message (the app puts the latency waterfall there). */
  below?(message: Message): ReactNode
}

export function Transcript({ messages, assistantName, onRetry, suggestions, onSuggestion, below }: Props) {
  const end = useRef<HTMLDivElement>(null)
  const [passage, openPassage] = useOpenPassage()
  const last = messages.at(-1)
  // Follow the answer as it streams in, like a chat app does.
  useEffect(() => {
    end.current?.scrollIntoView({ block: 'end' })
  }, [messages.length, last?.text])

  if (!messages.length) {
    return (
      <div className="transcript transcript--empty" data-testid="transcript">
        <p className="transcript__hello">Say hello to {assistantName}.</p>
        <p className="transcript__hint">Type below and press Enter. Try one of these:</p>
        <div className="suggestions">
          {suggestions.map((s) => (
            <button key={s} type="button" className="suggestion" onClick={() => onSuggestion(s)}>
              {s}
            </button>
          ))}
        </div>
      </div>
    )
  }

  return (
    <div className="transcript" data-testid="transcript" role="log" aria-live="polite" aria-relevant="additions text" aria-label="Conversation transcript" tabIndex={0}>
      {messages.map((m, i) => (
        <div
          key={m.id}
          className={`message message--${m.role} message--${m.status}`}
          data-testid={`message-${m.role}`}
          data-status={m.status}
          data-speech-start={m.spoken?.startMs}
          data-speech-end={m.spoken?.endMs}
        >
          <div className="message__who">
            {m.role === 'user' ? 'You' : assistantName}
            {m.spoken && <span className="message__spoken"> · spoken, {((m.spoken.endMs - m.spoken.startMs) / 1000).toFixed(1)} s</span>}
          </div>
          {m.tools?.length ? (
            <ul className="tool-chips" aria-label="What the assistant did">
              {grouped(m.tools).map(({ chip, count }) => (
                <li key={chip.id} className={`tool-chip tool-chip--${chip.status}`} data-testid="tool-chip" data-status={chip.status} title={chip.label}>
                  {chip.label}
                  {count > 1 && <span className="tool-chip__count"> ×{count}</span>}
                </li>
              ))}
            </ul>
          ) : null}
          <div className="message__text">
            {m.role === 'assistant' ? <CitedText text={m.text} sources={m.sources} onOpen={openPassage} /> : m.text}
            {m.status === 'streaming' && !m.text && !m.tools?.some((c) => c.status === 'running') && <span className="typing" aria-label="Writing"><i /><i /><i /></span>}
            {m.status === 'streaming' && m.text && <span className="caret" aria-hidden />}
          </div>
          {m.sources?.length && m.status !== 'streaming' ? <SourceList text={m.text} sources={m.sources} onOpen={openPassage} /> : null}
          {below?.(m)}
          {m.status === 'stopped' && (
            <div className="message__note">{m.interrupted ? (m.text ? 'Interrupted — you heard this much' : 'Interrupted before you heard any of it') : m.text ? 'Stopped' : 'Stopped before it began'}</div>
          )}
          {m.status === 'failed' && m.role === 'assistant' && <div className="message__note message__note--error">Cut off</div>}
          {m.status === 'failed' && m.role === 'user' && (
            <div className="message__note message__note--error">
              Not answered.{' '}
              {i === messages.length - 1 && (
                <button type="button" className="link-button" onClick={() => onRetry(m.id)}>
                  Try again
                </button>
              )}
            </div>
          )}
        </div>
      ))}
      <div ref={end} />
      <PassageDialog source={passage} onClose={() => openPassage(null)} />
    </div>
  )
}
