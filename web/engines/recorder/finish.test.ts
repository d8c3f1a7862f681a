import { describe, expect, it } from 'vitest'
import { wholeMp4Length } from './finish.ts'

/** A top-level box of `size` bytes (header included). */
function box(type: string, size: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(size)
  new DataView(b.buffer).setUint32(0, size)
  for (let i = 0; i < 4; i++) b[4 + i] = type.charCodeAt(i)
  return b
}
const file = (...parts: Uint8Array<ArrayBuffer>[]) => new Blob(parts)

describe('wholeMp4Length', () => {
  it('is the whole file when every fragment is complete', async () => {
    const f = file(box('ftyp', 24), box('moov', 100), box('moof', 40), box('mdat', 500), box('moof', 40), box('mdat', 300))
    expect(await wholeMp4Length(f)).toBe(f.size)
  })

  it('ends before a fragment whose media was cut off, or whose header alone was written', async () => {
    const whole = 24 + 100 + 40 + 500
    expect(await wholeMp4Length(file(box('ftyp', 24), box('moov', 100), box('moof', 40), box('mdat', 500), box('moof', 40), box('mdat', 300).slice(0, 120)))).toBe(whole)
    expect(await wholeMp4Length(file(box('ftyp', 24), box('moov', 100), box('moof', 40), box('mdat', 500), box('moof', 40)))).toBe(whole)
    expect(await wholeMp4Length(file(box('ftyp', 24), box('moov', 100), box('moof', 40), box('mdat', 500), box('moof', 40).slice(0, 5)))).toBe(whole)
  })

  it('is nothing when not even the header is whole', async () => {
    expect(await wholeMp4Length(file(box('ftyp', 24), box('moov', 100).slice(0, 50)))).toBe(24)
    expect(await wholeMp4Length(file())).toBe(0)
  })
})
