import { describe, expect, it } from 'vitest'
import { soundsUnfinished } from './end-of-turn.ts'

describe('soundsUnfinished', () => {
  it('hears a sentence that stops on a conjunction, a filler, an article or a comma as unfinished', () => {
    for (const t of ['I would like', 'I would like to order a', 'Tell me about cats and', 'So, um.', 'It was good, but', 'Well,', 'I think…', 'My favourite is the.']) {
      expect(soundsUnfinished(t), t).toBe(true)
    }
  })

  it('hears a complete sentence, a question or an exclamation as finished', () => {
    for (const t of ['I would like to order a large pizza.', 'What is Parley?', 'Stop!', 'Thanks', 'Hello from the tiny model.', 'I heard 12345 bytes of audio.', '']) {
      expect(soundsUnfinished(t), t).toBe(false)
    }
  })

  it('does not take a word that merely contains a trailing word for it', () => {
    expect(soundsUnfinished('I love my brand')).toBe(false) // "and" inside "brand"
    expect(soundsUnfinished('That is a panda.')).toBe(false)
  })
})
