import { describe, expect, it } from 'vitest'
import { redact } from './errors.ts'

describe('redact', () => {
  const key = 'sk-live-abcdefghijklmnop1234'
  it('removes the whole key', () => {
    expect(redact(`bad key ${key} given`, [key])).toBe('bad key [redacted] given')
  })
  it('removes a quoted head of the key as providers print it', () => {
    expect(redact('Incorrect API key provided: sk-liv*****1234.', [key])).not.toContain('sk-liv')
  })
  it('ignores unset and tiny secrets', () => {
    expect(redact('abc', [undefined, 'a'])).toBe('abc')
  })
})
