/**
 * Full-duplex turn-taking as a pure state machine: VAD, recognition, the user's keyboard and the
 * reply's playback feed it events; it answers with the effects the session must carry out.
 * No timers, no I/O — every path is a plain event sequence in the tests.
 *
 * Barge-in, after X-Talk: speech while the avatar talks pauses the reply at once. If the speech
 * turns out to have words, the reply is cancelled (and history truncated to what was heard) and a
 * new turn starts; if it was a cough or a click (a VAD misfire, or no words), the reply resumes.
 *
 * An utterance that sounds unfinished ("…and", "um", a comma) is held, not sent: the session waits
 * a little longer (`hold`), and words that follow join it; if none come, it is sent as it is.
 */
import { soundsUnfinished } from './end-of-turn.ts'

export type TurnPhase = 'listening' | 'user-speaking' | 'transcribing' | 'thinking' | 'speaking'

export interface TurnState {
  phase: TurnPhase
  /** A reply is paused under the user's speech, waiting to be resumed or cancelled. */
  paused: boolean
  /** Words that sounded unfinished, waiting for the rest of the sentence (absent when none). */
  held?: string
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
  /** The wait for the rest of a held, unfinished sentence is over. */
  | { type: 'hold-expired' }

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
  /** (Re)start the wait for the rest of the held words; the session answers with `hold-expired`. */
  | { type: 'hold' }

export const initialTurn: TurnState = { phase: 'listening', paused: false }

const replyActive = (s: TurnState) => s.paused || s.phase === 'thinking' || s.phase === 'speaking'

export function nextTurn(state: TurnState, event: TurnEvent): { state: TurnState; effects: TurnEffect[] } {
  const held = state.held
  /** `keep`: the words held from here on ('' for none). */
  const to = (phase: TurnPhase, paused = state.paused, effects: TurnEffect[] = [], keep = held) => ({ state: { phase, paused, ...(keep && { held: keep }) }, effects })
  /** Back to the reply if one is paused, else to listening; words held are waited for again. */
  const resume = () => (held ? to('transcribing', state.paused, [{ type: 'hold' }]) : state.paused ? to('speaking', false, [{ type: 'resume-reply' }]) : to('listening', false))
  /** The user's words become the turn: a paused reply is cancelled (only what was heard stays). */
  const send = (text: string) => to('thinking', false, [...(state.paused ? [{ type: 'cancel-reply', keep: 'heard' } as const] : []), { type: 'send', text }], '')

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
      const words = held ? `${held} ${text}` : text
      // Sounds unfinished: wait for the rest (a paused reply stays paused meanwhile). If the user
      // is already speaking again (recognition was slower than the pause), the rest is on its way.
      if (soundsUnfinished(words)) return state.phase === 'user-speaking' ? to('user-speaking', state.paused, [], words) : to('transcribing', state.paused, [{ type: 'hold' }], words)
      return send(words)
    }
    case 'hold-expired':
      return held && state.phase === 'transcribing' ? send(held) : to(state.phase)
    case 'voice-off':
      // No more words are coming: what is held is what was said.
      if (held && (state.phase === 'user-speaking' || state.phase === 'transcribing')) return send(held)
      return state.phase === 'user-speaking' || state.phase === 'transcribing' ? resume() : to(state.phase)
    case 'typed': {
      const text = event.text.trim()
      if (!text) return to(state.phase)
      // Typing finishes a sentence the user had begun to say.
      const words = held ? `${held} ${text}` : text
      return to('thinking', false, [...(replyActive(state) ? [{ type: 'cancel-reply', keep: 'written' } as const] : []), { type: 'send', text: words }], '')
    }
    case 'reply-audible':
      return state.phase === 'thinking' && !state.paused ? to('speaking') : to(state.phase)
    case 'reply-done':
    case 'reply-failed':
      if (state.paused) return to(state.phase, false)
      return state.phase === 'thinking' || state.phase === 'speaking' ? to('listening', false) : to(state.phase)
    case 'stop':
      // Always: a reply can run that the machine did not start (a retry), and stopping nothing is harmless.
      return to(state.phase === 'user-speaking' || state.phase === 'transcribing' ? state.phase : 'listening', false, [{ type: 'cancel-reply', keep: 'written' }], '')
  }
}
