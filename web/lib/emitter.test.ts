import { describe, expect, it } from 'vitest'
import { Emitter } from './emitter.ts'

describe('Emitter.watch', () => {
  it('tells when a kind gains its first handler and loses its last, and says how it stands when asked', () => {
    const bus = new Emitter<{ frame: number; text: string }>()
    const told: boolean[] = []
    bus.watch('frame', (on) => told.push(on))
    expect(told).toEqual([false])
    const offA = bus.on('frame', () => {})
    const offB = bus.on('frame', () => {})
    bus.on('text', () => {}) // another kind: not this watcher's business
    expect(told).toEqual([false, true])
    offA()
    offA() // twice: still one handler left
    expect(told).toEqual([false, true])
    offB()
    expect(told).toEqual([false, true, false])
    // A watcher that comes later hears the current state at once.
    bus.on('frame', () => {})
    const late: boolean[] = []
    bus.watch('frame', (on) => late.push(on))
    expect(late).toEqual([true])
  })
})
