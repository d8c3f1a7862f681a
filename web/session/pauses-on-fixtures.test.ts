// The session's turn-taking policy on the pause fixtures (tests/fixtures/pause-run.ts): the real
// Silero and segmenter, the real turn machine, the fixture's true words as the recogniser's. 26
// sentences with a 300–900 ms pause inside.
import { describe, expect, it } from 'vitest'
import { pauseCases, pausesOn } from '../../tests/fixtures/pause-run.ts'

describe('a pause inside a sentence', { timeout: 300_000 }, () => {
  const cases = pauseCases()

  it('without a turn model: is never taken for the end after a filler, an article, a conjunction or a preposition', async () => {
    const outcomes = await Promise.all(cases.map((c) => pausesOn(c, 'none')))
    expect(outcomes).toHaveLength(26)
    for (const o of outcomes) if (o.pauseAfter !== 'content') expect(o.premature, o.name).toBe(false)
    // After a content word ("order … a large pizza") the words cannot tell: a pause past the 500 ms wait is answered (the turn model's job).
    expect(outcomes.filter((o) => o.pauseAfter === 'content' && o.pauseMs > 500).every((o) => o.premature)).toBe(true)
    expect(outcomes.filter((o) => o.pauseAfter === 'content' && o.pauseMs <= 300).some((o) => o.premature)).toBe(false)
  })

  it('with a turn model that knows (an oracle: the policy, not a model): is never taken for the end', async () => {
    for (const c of cases) expect((await pausesOn(c, 'oracle')).premature, c.name).toBe(false)
  })
})
