import { useEffect, useRef, useState, type KeyboardEvent } from 'react'

interface Props {
  busy: boolean
  disabled?: boolean
  onSend(text: string): void
  onStop(): void
  placeholder: string
  /** Text to put in the box (a suggestion), with a nonce so the same text can be set twice. */
  prefill?: { text: string; nonce: number }
}

/** Enter sends, Shift+Enter starts a new line, Escape stops an answer in flight. */
export function Composer({ busy, disabled = false, onSend, onStop, placeholder, prefill }: Props) {
  const [text, setText] = useState('')
  const box = useRef<HTMLTextAreaElement>(null)
  /** When the last message was sent: Send turns into Stop under the pointer, and a double click must not stop the answer it asked for. */
  const sentAt = useRef(0)

  useEffect(() => {
    if (!prefill) return
    setText(prefill.text)
    box.current?.focus()
  }, [prefill])

  // Grow with the text up to a few lines.
  useEffect(() => {
    const el = box.current
    if (!el) return
    el.style.height = 'auto'
    el.style.height = `${Math.min(el.scrollHeight, 180)}px`
  }, [text])

  const send = () => {
    if (!text.trim() || disabled) return
    sentAt.current = performance.now()
    onSend(text)
    setText('')
  }
  const stop = () => {
    if (performance.now() - sentAt.current < 350) return
    onStop()
  }

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault()
      send()
    } else if (e.key === 'Escape' && busy) {
      e.preventDefault()
      onStop()
    }
  }

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault()
        send()
      }}
    >
      <textarea
        ref={box}
        className="composer__input"
        data-testid="composer"
        aria-label="Message"
        rows={1}
        value={text}
        placeholder={placeholder}
        disabled={disabled}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        autoFocus
      />
      {busy && !text.trim() ? (
        <button type="button" className="composer__button composer__button--stop" data-testid="stop" onClick={stop} title="Stop the answer (Esc)">
          <svg viewBox="0 0 24 24" aria-hidden><rect x="7" y="7" width="10" height="10" rx="2" /></svg>
          <span>Stop</span>
        </button>
      ) : (
        <button type="submit" className="composer__button" data-testid="send" disabled={!text.trim() || disabled} title={busy ? 'Send now: the answer being written stops (Enter)' : 'Send (Enter)'}>
          <svg viewBox="0 0 24 24" aria-hidden><path d="M4 12l16-8-6 16-2.5-6.5L4 12z" /></svg>
          <span>Send</span>
        </button>
      )}
    </form>
  )
}
