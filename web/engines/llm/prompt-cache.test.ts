import { describe, expect, it } from 'vitest'
import { fitToContext, reusablePrefix } from './prompt-cache.ts'

describe('reusablePrefix', () => {
  it('reuses the whole cache when the new prompt extends it', () => {
    expect(reusablePrefix([1, 2, 3], [1, 2, 3, 4, 5])).toBe(3)
  })
  it('stops where an interrupted answer was cut back to what was heard', () => {
    // cached: prompt 1 2, answer 7 8 9; the history now holds only 7, then a new question 5 6
    expect(reusablePrefix([1, 2, 7, 8, 9], [1, 2, 7, 5, 6])).toBe(3)
  })
  it('leaves one token to feed when the prompt is what the cache holds', () => {
    expect(reusablePrefix([1, 2, 3], [1, 2, 3])).toBe(2)
  })
  it('reuses nothing from a different conversation', () => {
    expect(reusablePrefix([9, 2, 3], [1, 2, 3, 4])).toBe(0)
    expect(reusablePrefix([], [1, 2])).toBe(0)
  })
})

describe('fitToContext', () => {
  const m = (role: string, n: number) => ({ role, n })
  const count = (ms: readonly { n: number }[]) => ms.reduce((a, x) => a + x.n, 0)
  it('keeps everything that fits', () => {
    const all = [m('system', 10), m('user', 5), m('assistant', 5), m('user', 5)]
    expect(fitToContext(all, 100, count)).toEqual({ messages: all, dropped: 0 })
  })
  it('drops the oldest turns after the system prompt, and starts at a user turn', () => {
    const all = [m('system', 10), m('user', 50), m('assistant', 50), m('user', 5), m('assistant', 5), m('user', 5)]
    const fit = fitToContext(all, 40, count)
    expect(fit.messages).toEqual([m('system', 10), m('user', 5), m('assistant', 5), m('user', 5)])
    expect(fit.dropped).toBe(2)
  })
  it('always keeps the last question', () => {
    const fit = fitToContext([m('system', 10), m('user', 500)], 40, count)
    expect(fit.messages).toHaveLength(2)
  })
})
