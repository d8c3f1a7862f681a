import type { Emitter } from '../lib/emitter.ts'
import type { StreamMap } from './streams.ts'
import type { Expression } from '../engines/avatar/expressions.ts'
import { DEFAULT_INTENSITY } from './tools/expression-tool.ts'

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

/** How often, at most, a turn's expression is renewed while its voice goes on (the face holds one for 6 s). */
const RENEW_MS = 2000

/**
 * The face's expression over a turn. The model's `set_expression` sets it; when the model set none
 * before the first sentence was written, that sentence's cue does, lightly. Either way it is
 * renewed while the answer's voice goes on, so a long answer looks sad to its end, then it fades.
 */
export function followFeelings(bus: Emitter<StreamMap>, face: { setExpression(e: Expression, intensity: number): unknown }): () => void {
  let turn: { id: string; text: string; settled: boolean; shown?: { expression: Expression; intensity: number }; renewedAt: number } | null = null
  const show = (expression: Expression, intensity: number) => {
    if (!turn) return
    turn.shown = { expression, intensity }
    turn.renewedAt = performance.now()
    face.setExpression(expression, intensity)
  }
  const settle = () => {
    if (!turn || turn.settled) return
    turn.settled = true
    const cue = cueFromText(turn.text)
    if (cue) show(cue, CUE_INTENSITY)
  }
  const renew = (turnId: string) => {
    if (turn?.id !== turnId || !turn.shown || performance.now() - turn.renewedAt < RENEW_MS) return
    show(turn.shown.expression, turn.shown.intensity)
  }
  const offs = [
    bus.on('turn.started', (t) => (turn = { id: t.turnId, text: '', settled: false, renewedAt: 0 })),
    bus.on('agent.tool', (e) => {
      if (turn?.id !== e.turnId || e.call.name !== 'set_expression') return
      turn.settled = true
      if (e.phase === 'done' && e.outcome.ok) {
        const args = JSON.parse(e.call.arguments || '{}') as { expression: Expression; intensity?: number }
        turn.shown = { expression: args.expression, intensity: Math.min(1, Math.max(0, args.intensity ?? DEFAULT_INTENSITY)) }
        turn.renewedAt = performance.now()
      }
    }),
    bus.on('avatar.text', (d) => {
      if (turn?.id !== d.turnId || turn.settled) return
      turn.text += d.delta
      if (/[.!?…](\s|$)|\n/.test(turn.text) || turn.text.length > 200) settle()
    }),
    bus.on('turn.written', (t) => turn?.id === t.turnId && settle()),
    // The reply's clock ticks while its voice is heard (4 times a second): renewed then, not when sentences are queued ahead.
    bus.on('avatar.clock', (c) => c.turnId && c.clock.playing && renew(c.turnId)),
    bus.on('turn.audible', (t) => renew(t.turnId)),
  ]
  return () => offs.forEach((off) => off())
}
