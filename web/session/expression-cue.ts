import type { Emitter } from '../lib/emitter.ts'
import type { StreamMap } from './streams.ts'
import type { Expression } from '../engines/avatar/expressions.ts'

/** Words that carry a feeling plainly enough for the face to follow, lightly. */
const CUES: [Expression, RegExp][] = [
  ['sad', /\b(sorry to hear|so sorry|sad(ly|ness)?|unfortunately|grief|griev\w*|passed away|loss|heartbreak\w*|miss(ed|ing)? (him|her|them|you))\b/i],
  ['concerned', /\b(worr(y|ied|ying)|careful|concern(ed|ing)?|danger\w*|risk(y|s)?|warning|serious(ly)?|urgent|emergency|pain(ful)?)\b/i],
  ['surprised', /\b(wow|whoa|amazing|incredible|unbelievabl[ey]|astonishing|no way)\b|!\?/i],
  ['happy', /\b(great news|congratulations|congrats|wonderful|delighted|glad|happy|love(ly)?|fantastic|excellent|awesome|yay|hooray)\b/i],
  ['amused', /\b(haha|ha ha|lol|funny|joke|hilarious|pun)\b/i],
]

/** How strongly a cue from the words shows: a hint, weaker than what the model asks for with `set_expression`. */
export const CUE_INTENSITY = 0.35

/**
 * The face's expression from the answer's words, when the model called no `set_expression`: the
 * first feeling word in its opening sentence decides, at a light intensity; none, no cue. Pure.
 */
export function cueFromText(text: string): Expression | null {
  let first: { expression: Expression; at: number } | null = null
  for (const [expression, words] of CUES) {
    const at = text.search(words)
    if (at >= 0 && (!first || at < first.at)) first = { expression, at }
  }
  return first?.expression ?? null
}

/**
 * The face follows the answer's feeling on its own: for each turn whose model did not call
 * `set_expression` before its first sentence was written, the cue of that sentence is shown.
 */
export function followFeelings(bus: Emitter<StreamMap>, face: { setExpression(e: Expression, intensity: number): unknown }): () => void {
  let turn: { id: string; text: string; settled: boolean } | null = null
  const settle = () => {
    if (!turn || turn.settled) return
    turn.settled = true
    const cue = cueFromText(turn.text)
    if (cue) face.setExpression(cue, CUE_INTENSITY)
  }
  const offs = [
    bus.on('turn.started', (t) => (turn = { id: t.turnId, text: '', settled: false })),
    bus.on('agent.tool', (e) => {
      if (turn?.id === e.turnId && e.call.name === 'set_expression') turn.settled = true
    }),
    bus.on('avatar.text', (d) => {
      if (turn?.id !== d.turnId || turn.settled) return
      turn.text += d.delta
      if (/[.!?…](\s|$)|\n/.test(turn.text) || turn.text.length > 200) settle()
    }),
    bus.on('turn.written', (t) => turn?.id === t.turnId && settle()),
  ]
  return () => offs.forEach((off) => off())
}
