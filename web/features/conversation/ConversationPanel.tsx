import { useState, type ReactNode } from 'react'
import { Composer } from './Composer.tsx'
import { errorCode } from '../../lib/errors.ts'
import { ErrorBanner } from '../../ui/ErrorBanner.tsx'
import { Transcript } from './Transcript.tsx'
import type { ConversationState, Message } from '../../session/conversation-state.ts'

/** The notice already says it (the relay is unreachable): one banner, not two. */
const sameKind = (a: unknown, b: unknown) => errorCode(a) !== '' && errorCode(a) === errorCode(b)

const SUGGESTIONS = ['What is Parley?', 'How do I connect a language model?', 'Does my data leave this computer?']

interface Props {
  conversation: ConversationState
  /** Who answers: the offline guide gets its own placeholder. */
  offline: boolean
  onRetry(userId: string): void
  onDismissError(): void
  assistantName: string
  /** An app-level problem (e.g. the relay is unreachable), shown above the conversation's own. */
  notice?: { error: unknown; retry(): void }
  onDismissNotice(): void
  /** False while the app is still finding out who answers: typing waits. */
  ready: boolean
  /** The voice controls, above the composer. */
  voice?: ReactNode
  /** Typed messages and the stop button go to the session's turn-taking. */
  onSend(text: string): void
  onStop(): void
  /** Under each message (latency), and under the transcript (the session summary). */
  belowMessage?(message: Message): ReactNode
  footer?: ReactNode
}

export function ConversationPanel({ conversation: c, offline, onRetry, onDismissError, assistantName, notice, onDismissNotice, ready, voice, onSend, onStop, belowMessage, footer }: Props) {
  const [prefill, setPrefill] = useState<{ text: string; nonce: number }>()
  return (
    <section className="conversation" aria-label="Conversation">
      {notice ? <ErrorBanner error={notice.error} onDismiss={onDismissNotice} action={{ label: 'Retry', run: notice.retry }} /> : null}
      {c.error && !(notice && sameKind(c.error, notice.error)) ? <ErrorBanner error={c.error} onDismiss={onDismissError} /> : null}
      <Transcript
        messages={c.messages}
        assistantName={assistantName}
        onRetry={onRetry}
        suggestions={SUGGESTIONS}
        onSuggestion={(text) => setPrefill({ text, nonce: Date.now() })}
        below={belowMessage}
      />
      {footer}
      {voice}
      <Composer
        busy={c.replyingTo !== null}
        disabled={!ready}
        onSend={onSend}
        onStop={onStop}
        prefill={prefill}
        placeholder={!ready ? 'Connecting to the relay…' : offline ? 'Ask the offline guide about Parley…' : `Message ${assistantName}…`}
      />
    </section>
  )
}
