import { describe, expect, it } from 'vitest'
import { parseReply, respCommand } from './resp.ts'

const bytes = (s: string) => new TextEncoder().encode(s)

describe('RESP', () => {
  it('writes commands as arrays of bulk strings, counting bytes, not characters', () => {
    expect(new TextDecoder().decode(respCommand(['EVAL', 'return 1', 0, 'é']))).toBe('*4\r\n$4\r\nEVAL\r\n$8\r\nreturn 1\r\n$1\r\n0\r\n$2\r\né\r\n')
  })

  it('reads every reply kind, and says when one has not all arrived', () => {
    expect(parseReply(bytes('+OK\r\n'), 0)).toEqual(['OK', 5])
    expect(parseReply(bytes(':42\r\n'), 0)).toEqual([42, 5])
    expect(parseReply(bytes('$-1\r\n'), 0)).toEqual([null, 5])
    expect(parseReply(bytes('$3\r\nabc\r\n'), 0)).toEqual(['abc', 9])
    expect(parseReply(bytes('*2\r\n:3\r\n:59000\r\n'), 0)).toEqual([[3, 59000], 16])
    const err = parseReply(bytes('-WRONGPASS invalid password\r\n'), 0)![0]
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toBe('WRONGPASS invalid password')
    for (const partial of ['+OK', '$3\r\nab', '*2\r\n:3\r\n', ':4']) expect(parseReply(bytes(partial), 0)).toBeUndefined()
    // Two replies in one read: the second starts where the first ended.
    const two = bytes(':1\r\n:2\r\n')
    expect(parseReply(two, parseReply(two, 0)![1])).toEqual([2, 8])
  })

  it('refuses bytes that are not RESP', () => {
    expect(() => parseReply(bytes('HTTP/1.1 400\r\n'), 0)).toThrow(/not a Redis reply/)
  })
})
