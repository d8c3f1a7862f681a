import { describe, expect, it } from 'vitest'
import { toChatMessages } from './agent.ts'
import { createOfflineAgent } from './offline-agent.ts'
import { guideAnswer } from './offline-guide.ts'

describe('toChatMessages', () => {
  it('puts the persona first and keeps the last turns', () => {
    const history = Array.from({ length: 30 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `m${i}` }) as const)
    const msgs = toChatMessages('Be brief.', history, 6)
    expect(msgs[0]).toEqual({ role: 'system', content: 'Be brief.' })
    expect(msgs.slice(1).map((m) => m.content)).toEqual(['m24', 'm25', 'm26', 'm27', 'm28', 'm29'])
  })

  it('starts the window at a user turn and drops empty messages', () => {
    const msgs = toChatMessages('', [
      { role: 'assistant', content: 'hi' },
      { role: 'user', content: '' },
      { role: 'user', content: 'q' },
    ])
    expect(msgs).toEqual([{ role: 'user', content: 'q' }])
  })
})

describe('offline guide', () => {
  it('answers greetings, setup and privacy questions from its topics', () => {
    expect(guideAnswer('hello there')).toMatch(/offline guide/)
    expect(guideAnswer('How do I connect an LLM?')).toMatch(/LLM_BASE_URL/)
    expect(guideAnswer('is my data private?')).toMatch(/never sees them/)
  })

  it('says plainly that it is not a language model when it has no answer', () => {
    expect(guideAnswer('What is the capital of Peru?')).toMatch(/not a language model.*capital of Peru/)
  })

  it('streams its answer word by word and stops when aborted', async () => {
    const agent = createOfflineAgent({ wordMs: 0 })
    const words: string[] = []
    for await (const w of agent.reply({ history: [{ role: 'user', content: 'hi' }], systemPrompt: '', signal: new AbortController().signal })) words.push(w)
    expect(words.length).toBeGreaterThan(10)
    expect(words.join('')).toBe(guideAnswer('hi'))

    const stop = new AbortController()
    const partial: string[] = []
    await expect(
      (async () => {
        for await (const w of agent.reply({ history: [{ role: 'user', content: 'hi' }], systemPrompt: '', signal: stop.signal })) {
          partial.push(w)
          if (partial.length === 3) stop.abort()
        }
      })(),
    ).rejects.toMatchObject({ name: 'AbortError' })
    expect(partial).toHaveLength(3)
  })
})
