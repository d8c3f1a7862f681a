import { describe, expect, it } from 'vitest'
import { SseParser } from './sse.ts'

describe('SseParser', () => {
  it('parses data frames and named events', () => {
    const p = new SseParser()
    expect(p.push('data: {"a":1}\n\nevent: error\ndata: {"error":{}}\n\n')).toEqual([
      { event: 'message', data: '{"a":1}' },
      { event: 'error', data: '{"error":{}}' },
    ])
  })

  it('joins frames split across chunks, even mid-line and mid-CRLF', () => {
    const p = new SseParser()
    expect(p.push('da')).toEqual([])
    expect(p.push('ta: hel')).toEqual([])
    expect(p.push('lo\r')).toEqual([])
    expect(p.push('\n\r\n')).toEqual([{ event: 'message', data: 'hello' }])
  })

  it('does not take a CRLF split across chunks for a blank line', () => {
    const p = new SseParser()
    expect(p.push('event: error\r')).toEqual([])
    expect(p.push('\ndata: x\r\n\r\n')).toEqual([{ event: 'error', data: 'x' }])
  })

  it('joins multi-line data and skips comments', () => {
    const p = new SseParser()
    expect(p.push(': keep-alive\ndata: a\ndata: b\n\n')).toEqual([{ event: 'message', data: 'a\nb' }])
  })

  it('resets the event name after each frame', () => {
    const p = new SseParser()
    expect(p.push('event: x\ndata: 1\n\ndata: 2\n\n').map((e) => e.event)).toEqual(['x', 'message'])
  })
})
