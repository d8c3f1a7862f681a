/**
 * Full-duplex turn-taking as a pure state machine: VAD, recognition, the user's keyboard and the
 * reply's playback feed it events; it answers with the effects the session must carry out.
 * No timers, no I/O — every path is a plain event sequence in the tests.
 *
 * Barge-in, after X-Talk: speech while the avatar talks pauses the reply at once. If the speech
 * turns out to have words, the reply is cancelled (and history truncated to what was heard) and a
 * new turn starts; if it was a cough or a click (a VAD misfire, or no words), the reply resumes.
 */
export type TurnPhase = 'listening' | 'user-speaking' | 'transcribing' | 'thinking' | 'speaking'

export interface TurnState {
  phase: TurnPhase
  /** A reply is paused under the user's speech, waiting to be resumed or cancelled. */
  paused: boolean
}

export type TurnEvent =
  | { type: 'speech-start' }
  /** Speech too short to be speech. */
  | { type: 'misfire' }
  | { type: 'speech-end' }
  /** Final recognition of the last speech (may be empty: a noise with no words). */
  | { type: 'transcript'; text: string }
  | { type: 'typed'; text: string }
  /** The reply's first sample is audible. */
  | { type: 'reply-audible' }
  /** The reply finished playing (or, without a voice, finished writing). */
  | { type: 'reply-done' }
  | { type: 'reply-failed' }
  /** The stop button or Esc. */
  | { type: 'stop' }
  /** The microphone was turned off or muted, or recognition failed: no words are coming. */
  | { type: 'voice-off' }

export type TurnEffect =
  | { type: 'pause-reply' }
  | { type: 'resume-reply' }
  /**
   * Abort the LLM and TTS requests and flush playback. `keep: 'heard'` (a spoken barge-in) keeps in
   * history only what the user heard; `keep: 'written'` (stop, or typing — the user could read it)
   * keeps what was written so far.
   */
  | { type: 'cancel-reply'; keep: 'heard' | 'written' }
  | { type: 'send'; text: string }

export const initialTurn: TurnState = { phase: 'listening', paused: false }

const replyActive = (s: TurnState) => s.paused || s.phase === 'thinking' || s.phase === 'speaking'

export function nextTurn(state: TurnState, event: TurnEvent): { state: TurnState; effects: TurnEffect[] } {
  const to = (phase: TurnPhase, paused = state.paused, effects: TurnEffect[] = []) => ({ state: { phase, paused }, effects })
  /** Back to the reply if one is paused, else to listening. */
  const resume = () => (state.paused ? to('speaking', false, [{ type: 'resume-reply' }]) : to('listening', false))

  switch (event.type) {
    case 'speech-start':
      if (state.phase === 'speaking' || state.phase === 'thinking') return to('user-speaking', true, [{ type: 'pause-reply' }])
      if (state.phase === 'listening' || state.phase === 'transcribing') return to('user-speaking')
      return to(state.phase)
    case 'misfire':
      return state.phase === 'user-speaking' ? resume() : to(state.phase)
    case 'speech-end':
      return state.phase === 'user-speaking' ? to('transcribing') : to(state.phase)
    case 'transcript': {
      const text = event.text.trim()
      if (state.phase === 'thinking' || state.phase === 'speaking') {
        // More words after the turn was taken (the user paused longer than the end-of-speech
        // delay, then went on): they start a new turn rather than being dropped.
        return text ? to('thinking', false, [{ type: 'cancel-reply', keep: 'heard' }, { type: 'send', text }]) : to(state.phase)
      }
      if (state.phase !== 'transcribing' && state.phase !== 'user-speaking') return to(state.phase)
      if (!text) return state.phase === 'transcribing' ? resume() : to(state.phase)
      return to('thinking', false, [...(state.paused ? [{ type: 'cancel-reply', keep: 'heard' } as const] : []), { type: 'send', text }])
    }
    case 'voice-off':
      return state.phase === 'user-speaking' || state.phase === 'transcribing' ? resume() : to(state.phase)
    case 'typed': {
      const text = event.text.trim()
      if (!text) return to(state.phase)
      return to('thinking', false, [...(replyActive(state) ? [{ type: 'cancel-reply', keep: 'written' } as const] : []), { type: 'send', text }])
    }
    case 'reply-audible':
      return state.phase === 'thinking' && !state.paused ? to('speaking') : to(state.phase)
    case 'reply-done':
    case 'reply-failed':
      if (state.paused) return to(state.phase, false)
      return state.phase === 'thinking' || state.phase === 'speaking' ? to('listening', false) : to(state.phase)
    case 'stop':
      // Always: a reply can run that the machine did not start (a retry), and stopping nothing is harmless.
      return to(state.phase === 'user-speaking' || state.phase === 'transcribing' ? state.phase : 'listening', false, [{ type: 'cancel-reply', keep: 'written' }])
  }
}
