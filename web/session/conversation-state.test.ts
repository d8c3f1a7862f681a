import { describe, expect, it } from 'vitest'
import { conversationReducer as reduce, emptyConversation, historyOf, type ConversationState } from './conversation-state.ts'

const user = (id: string, text: string) => ({ id, role: 'user' as const, text, status: 'done' as const })

function sent(state: ConversationState = emptyConversation, n = 1) {
  return reduce(state, { type: 'sent', user: user(`u${n}`, `question ${n}`), assistantId: `a${n}` })
}

describe('conversationReducer', () => {
  it('streams deltas into the assistant message and finishes it', () => {
    let s = sent()
    expect(s.replyingTo).toBe('a1')
    s = reduce(s, { type: 'delta', id: 'a1', text: 'Hel' })
    s = reduce(s, { type: 'delta', id: 'a1', text: 'lo' })
    s = reduce(s, { type: 'finished', id: 'a1' })
    expect(s.messages.map((m) => [m.role, m.text, m.status])).toEqual([
      ['user', 'question 1', 'done'],
      ['assistant', 'Hello', 'done'],
    ])
    expect(s.replyingTo).toBeNull()
  })

  it('keeps the partial answer when stopped', () => {
    let s = reduce(sent(), { type: 'delta', id: 'a1', text: 'Half an' })
    s = reduce(s, { type: 'stopped', id: 'a1' })
    expect(s.messages[1]).toMatchObject({ text: 'Half an', status: 'stopped' })
  })

  it('keeps a question that failed before any answer, marked failed, and can retry it', () => {
    let s = reduce(sent(), { type: 'failed', userId: 'u1', assistantId: 'a1', error: new Error('down') })
    expect(s.messages).toEqual([{ ...user('u1', 'question 1'), status: 'failed' }])
    expect(s.error).toBeInstanceOf(Error)
    expect(historyOf(s.messages)).toEqual([])

    s = reduce(s, { type: 'retry', userId: 'u1', assistantId: 'a2' })
    expect(s.messages.map((m) => [m.id, m.status])).toEqual([['u1', 'done'], ['a2', 'streaming']])
    expect(s.error).toBeNull()
  })

  it('keeps a partial answer that failed mid-stream, marked failed', () => {
    let s = reduce(sent(), { type: 'delta', id: 'a1', text: 'Part' })
    s = reduce(s, { type: 'failed', userId: 'u1', assistantId: 'a1', error: new Error('cut') })
    expect(s.messages.map((m) => m.status)).toEqual(['done', 'failed'])
  })

  it('an interrupted answer that ends after the next one began leaves the new turn running', () => {
    let s = reduce(sent(), { type: 'delta', id: 'a1', text: 'Half' })
    s = sent(s, 2) // the user sent again while a1 was streaming
    s = reduce(s, { type: 'stopped', id: 'a1' })
    expect(s.replyingTo).toBe('a2')
    s = reduce(s, { type: 'failed', userId: 'u1', assistantId: 'a1', error: new Error('late') })
    expect(s.replyingTo).toBe('a2')
    expect(s.error).toBeNull()
  })

  it('an interrupted answer keeps only what was heard, for the transcript and the history', () => {
    let s = reduce(sent(), { type: 'delta', id: 'a1', text: 'One. Two. Three. Four.' })
    s = reduce(s, { type: 'interrupted', id: 'a1', heard: 'One. Two…' })
    expect(s.messages[1]).toMatchObject({ text: 'One. Two…', status: 'stopped', interrupted: true })
    expect(s.replyingTo).toBeNull()
    expect(historyOf(s.messages).at(-1)).toEqual({ role: 'assistant', content: 'One. Two…' })
  })

  it('restores a saved conversation only into an empty one, with a half answer kept as stopped', () => {
    const saved = [user('u1', 'q'), { id: 'a1', role: 'assistant' as const, text: 'half', status: 'streaming' as const }]
    const s = reduce(emptyConversation, { type: 'restored', messages: saved })
    expect(s.messages.map((m) => m.status)).toEqual(['done', 'stopped'])
    const busy = sent()
    expect(reduce(busy, { type: 'restored', messages: saved })).toBe(busy)
  })

  it('gives the agent finished turns only', () => {
    let s = reduce(sent(), { type: 'delta', id: 'a1', text: 'A1' })
    s = reduce(s, { type: 'finished', id: 'a1' })
    s = sent(s, 2)
    expect(historyOf(s.messages)).toEqual([
      { role: 'user', content: 'question 1' },
      { role: 'assistant', content: 'A1' },
      { role: 'user', content: 'question 2' },
    ])
  })

  it("keeps an answer's tool chips in the order they were called, each replaced in place when its call ends", () => {
    let s = reduce(sent(), { type: 'tool', id: 'a1', chip: { id: 'c1', label: 'get_time…', status: 'running' } })
    s = reduce(s, { type: 'tool', id: 'a1', chip: { id: 'c2', label: 'remember…', status: 'running' } })
    s = reduce(s, { type: 'tool', id: 'a1', chip: { id: 'c2', label: 'noted: tea', status: 'done' } })
    s = reduce(s, { type: 'tool', id: 'a1', chip: { id: 'c1', label: 'time: 12:00', status: 'done' } })
    expect(s.messages.at(-1)!.tools!.map((c) => c.label)).toEqual(['time: 12:00', 'noted: tea'])
  })

  it('a call still running when the page went away is restored as stopped', () => {
    const saved = [user('u1', 'q'), { id: 'a1', role: 'assistant' as const, text: '', status: 'streaming' as const, tools: [{ id: 'k', label: 'shop__slow…', status: 'running' as const }] }]
    expect(reduce(emptyConversation, { type: 'restored', messages: saved }).messages[1]!.tools).toEqual([{ id: 'k', label: 'shop__slow: stopped', status: 'failed' }])
  })
})
