import { describe, expect, it } from 'vitest'
import { timingsFromDurations, withPunctuation } from './phonemes.ts'

describe('withPunctuation', () => {
  it("puts each clause's punctuation back after eSpeak's lines", () => {
    expect(withPunctuation('Hello, world. How are you?', ['həlˈoʊ', 'wˈɜːld', 'hˈaʊ ɑːɹ juː'])).toBe('həlˈoʊ, wˈɜːld. hˈaʊ ɑːɹ juː?')
  })
  it('keeps runs of marks and ignores marks with no words before them', () => {
    expect(withPunctuation('Wait... what?!', ['wˈeɪt', 'wˈʌt'])).toBe('wˈeɪt... wˈʌt?!')
    expect(withPunctuation('— Yes.', ['jˈɛs'])).toBe('jˈɛs.')
  })
  it('falls back to the final mark when the clauses do not line up', () => {
    expect(withPunctuation('It costs 3.5 dollars.', ['ɪt kˈɔsts θɹˈiː pɔɪnt fˈaɪv dˈɑːlɚz'])).toBe('ɪt kˈɔsts θɹˈiː pɔɪnt fˈaɪv dˈɑːlɚz.')
  })
})

describe('timingsFromDurations', () => {
  it('spreads the audio over the tokens by their durations, skipping the boundary tokens', () => {
    const t = timingsFromDurations(['$', 'h', 'ə', '$'], [1, 2, 1, 0], 24000, 24000)
    expect(t).toEqual([
      { symbol: 'h', startMs: 250, endMs: 750 },
      { symbol: 'ə', startMs: 750, endMs: 1000 },
    ])
  })
  it('accepts int64 durations, and gives nothing for a mismatch', () => {
    expect(timingsFromDurations(['a'], [2n], 100, 1000)).toEqual([{ symbol: 'a', startMs: 0, endMs: 100 }])
    expect(timingsFromDurations(['a', 'b'], [1], 100, 1000)).toEqual([])
  })
})
