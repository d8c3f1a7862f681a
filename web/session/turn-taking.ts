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
 *
 * At a short pause the words so far are known (`pause`): a turn the model and the words call
 * complete ends there (`end-speech`), and one that sounds finished is answered ahead
 * (`speculate`): the answer is made but held; it becomes the turn (`commit`) if the user says
 * nothing more, and is thrown away (`abandon`) if they go on. Only from a quiet start: an answer
 * paused under the user's speech is not raced.
 *
 * A frame that may be speech (`onset`) pauses a reply before speech is certain; if it comes to
 * nothing (`onset-lost`), the reply goes on.
 */
import { judgePause, soundsUnfinished } from './end-of-turn.ts'

export type TurnPhase = 'listening' | 'user-speaking' | 'transcribing' | 'thinking' | 'speaking'

export interface TurnState {
  phase: TurnPhase
  /** A reply is paused under the user's speech, waiting to be resumed or cancelled. */
  paused: boolean
  /** Words that sounded unfinished, waiting for the rest of the sentence (absent when none). */
  held?: string
  /** The words an answer is being made for ahead of the turn's end (absent when none). */
  ahead?: string
}

export type TurnEvent =
  /** A frame that may be speech. */
  | { type: 'onset' }
  | { type: 'onset-lost' }
  | { type: 'speech-start' }
  /**
   * A short pause inside the user's speech: the words so far, the turn model's P(complete) (null
   * without one), and whether answers may be started ahead (the setting and the relay allow it).
   */
  | { type: 'pause'; pause: number; text: string; probability: number | null; preemptive: boolean }
  /** The user went on after the pause. */
  | { type: 'speech-continued' }
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
  /** The turn is over at this pause: end the speech segment now. */
  | { type: 'end-speech'; pause: number }
  /** Make an answer to these words, held until `commit` (or dropped by `abandon`). */
  | { type: 'speculate'; text: string }
  /** The words held ahead are the turn: their answer is the reply now. */
  | { type: 'commit' }
  /** The answer made ahead is not wanted: stop it and leave no trace. */
  | { type: 'abandon' }

export const initialTurn: TurnState = { phase: 'listening', paused: false }

const replyActive = (s: TurnState) => s.paused || s.phase === 'thinking' || s.phase === 'speaking'

export function nextTurn(state: TurnState, event: TurnEvent): { state: TurnState; effects: TurnEffect[] } {
  const out = step(state, event)
  // Whatever else happened, an answer made ahead that the new state no longer holds is abandoned.
  if (state.ahead && !out.state.ahead && !out.effects.some((e) => e.type === 'commit')) out.effects.unshift({ type: 'abandon' })
  return out
}

function step(state: TurnState, event: TurnEvent): { state: TurnState; effects: TurnEffect[] } {
  const held = state.held
  /** `keep`: the words held from here on ('' for none); `ahead`: the words answered ahead (dropped unless given). */
  const to = (phase: TurnPhase, paused = state.paused, effects: TurnEffect[] = [], keep = held, ahead?: string) => ({ state: { phase, paused, ...(keep && { held: keep }), ...(ahead && { ahead }) }, effects })
  /** Back to the reply if one is paused, else to listening; words held are waited for again. */
  const resume = () => (held ? to('transcribing', state.paused, [{ type: 'hold' }]) : state.paused ? to('speaking', false, [{ type: 'resume-reply' }]) : to('listening', false))
  /** The user's words become the turn: a paused reply is cancelled (only what was heard stays). */
  const send = (text: string) => to('thinking', false, [...(state.paused ? [{ type: 'cancel-reply', keep: 'heard' } as const] : []), { type: 'send', text }], '')

  switch (event.type) {
    case 'onset':
      return (state.phase === 'speaking' || state.phase === 'thinking') && !state.paused ? to(state.phase, true, [{ type: 'pause-reply' }]) : to(state.phase, state.paused, [], held, state.ahead)
    case 'onset-lost':
      return (state.phase === 'speaking' || state.phase === 'thinking') && state.paused ? to(state.phase, false, [{ type: 'resume-reply' }]) : to(state.phase, state.paused, [], held, state.ahead)
    case 'speech-start':
      if (state.phase === 'speaking' || state.phase === 'thinking') return to('user-speaking', true, state.paused ? [] : [{ type: 'pause-reply' }])
      if (state.phase === 'listening' || state.phase === 'transcribing') return to('user-speaking')
      return to(state.phase)
    case 'pause': {
      if (state.phase !== 'user-speaking') return to(state.phase, state.paused, [], held, state.ahead)
      const words = held ? `${held} ${event.text.trim()}` : event.text.trim()
      const verdict = judgePause(event.probability, words)
      const effects: TurnEffect[] = verdict.endNow ? [{ type: 'end-speech', pause: event.pause }] : []
      // Ahead only from a quiet start, and one at a time.
      const ahead = event.preemptive && verdict.speculate && !state.paused && !state.ahead ? words : state.ahead
      if (ahead && ahead !== state.ahead) effects.push({ type: 'speculate', text: ahead })
      return to('user-speaking', state.paused, effects, held, ahead)
    }
    case 'speech-continued':
      return to(state.phase)
    case 'misfire':
      return state.phase === 'user-speaking' ? resume() : to(state.phase)
    case 'speech-end':
      return to(state.phase === 'user-speaking' ? 'transcribing' : state.phase, state.paused, [], held, state.ahead)
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
      // The words answered ahead were all there was: that answer is the turn's.
      if (state.ahead && sameWords(state.ahead, words)) return to('thinking', false, [{ type: 'commit' }], '')
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
      return state.phase === 'thinking' && !state.paused ? to('speaking') : to(state.phase, state.paused, [], held, state.ahead)
    case 'reply-done':
    case 'reply-failed':
      if (state.paused) return to(state.phase, false, [], held, state.ahead)
      return state.phase === 'thinking' || state.phase === 'speaking' ? to('listening', false) : to(state.phase, state.paused, [], held, state.ahead)
    case 'stop':
      // Always: a reply can run that the machine did not start (a retry), and stopping nothing is harmless.
      return to(state.phase === 'user-speaking' || state.phase === 'transcribing' ? state.phase : 'listening', false, [{ type: 'cancel-reply', keep: 'written' }], '')
  }
}

/** The same words, whatever the case and punctuation a recogniser gave them. */
function sameWords(a: string, b: string): boolean {
  const norm = (t: string) => t.toLowerCase().replace(/[^\p{L}\p{N}']+/gu, ' ').trim()
  return norm(a) === norm(b)
}
