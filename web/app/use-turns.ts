import { useCallback, useRef, useState } from 'react'
import { initialTurn, nextTurn, type TurnEvent, type TurnPhase } from '../session/turn-taking.ts'

export interface TurnHandlers {
  send(text: string, spoken?: { startMs: number; endMs: number }): void
  pause(): void
  resume(): void
  /** Cancels the spoken reply; returns what the listener heard, or null when nothing was spoken. */
  cancel(): string | null
  /** Truncates the answer to what was heard. */
  interrupt(heard: string): void
  /** Stops a written (unspoken) answer. */
  stop(): void
}

/** Runs the turn-taking machine and carries out its effects on the conversation and the voice. */
export function useTurns(handlers: TurnHandlers) {
  const state = useRef(initialTurn)
  const [phase, setPhase] = useState<TurnPhase>('listening')
  const latest = useRef(handlers)
  latest.current = handlers
  /** Where the speech behind the next transcript was, for the message it becomes. */
  const span = useRef<{ startMs: number; endMs: number } | undefined>(undefined)

  const dispatch = useCallback((event: TurnEvent, spoken?: { startMs: number; endMs: number }) => {
    if (event.type === 'transcript') span.current = spoken
    const out = nextTurn(state.current, event)
    state.current = out.state
    setPhase(out.state.phase)
    const h = latest.current
    for (const effect of out.effects) {
      if (effect.type === 'pause-reply') h.pause()
      else if (effect.type === 'resume-reply') h.resume()
      else if (effect.type === 'cancel-reply') {
        const heard = h.cancel()
        if (effect.keep === 'heard' && heard !== null) h.interrupt(heard)
        else h.stop()
      } else {
        h.send(effect.text, event.type === 'transcript' ? span.current : undefined)
        span.current = undefined
      }
    }
  }, [])

  return { phase, dispatch }
}
