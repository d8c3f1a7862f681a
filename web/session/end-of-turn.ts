import { COMPLETE_PROBABILITY } from '../engines/turn/protocol.ts'

export { COMPLETE_PROBABILITY, UNFINISHED_SILENCE_MS } from '../engines/turn/protocol.ts'

/**
 * Does a recognised utterance sound finished? A text signal for the end of a turn, used where no
 * turn model runs: a sentence that stops on "and", "so", "um", "the", a comma or an ellipsis is
 * one the speaker is likely to go on with after a pause ("I would like to order… a large pizza").
 * A question or an exclamation is finished. Recognisers add a full stop to nearly everything, so a
 * final "." does not count as finishing. English only, by design: a miss costs a wait, not words.
 */
const TRAILING_WORD =
  /\b(and|but|or|so|because|then|than|um+|uh+|erm|hmm+|like|the|a|an|to|of|with|for|from|in|on|at|if|that|which|who|when|where|my|your|our|their|is|are|was|were|i|we|you|it's|i'm|and then|as well as)$/i

export function soundsUnfinished(text: string): boolean {
  const t = text.trim()
  if (!t || /[?!]["')\]]*$/.test(t)) return false
  if (/(\.\.\.|…|,|;|:|-|–|—)$/.test(t)) return true
  return TRAILING_WORD.test(t.replace(/[.\s]+$/, ''))
}


/**
 * What a short pause in the user's speech means, from the turn model's probability (null: no
 * model) and the words so far:
 * - `endNow`: the model says complete and the words do not trail off: answer at this pause;
 * - `speculate`: worth starting the answer ahead (the words sound finished, and the model, if
 *   any, agrees); it is kept only if the user says nothing more;
 * - otherwise the end-of-speech wait decides (which the model lengthens when it says incomplete).
 */
export function judgePause(probability: number | null, words: string): { endNow: boolean; speculate: boolean } {
  const finished = words.trim() !== '' && !soundsUnfinished(words)
  const complete = probability !== null && probability >= COMPLETE_PROBABILITY
  return { endNow: finished && complete, speculate: finished && (probability === null || complete) }
}
