import { describe, expect, it } from 'vitest'
import { initialTurn, nextTurn, type TurnEffect, type TurnEvent, type TurnState } from './turn-taking.ts'

/** Runs events from a state; returns the final state and every effect in order. */
function run(events: TurnEvent[], from: TurnState = initialTurn) {
  let state = from
  const effects: TurnEffect[] = []
  for (const e of events) {
    const out = nextTurn(state, e)
    state = out.state
    effects.push(...out.effects)
  }
  return { state, effects }
}

const said = (text: string): TurnEvent[] => [{ type: 'speech-start' }, { type: 'speech-end' }, { type: 'transcript', text }]
const speaking: TurnEvent[] = [...said('hello'), { type: 'reply-audible' }]

describe('turn-taking', () => {
  it('a spoken question goes listening → user speaking → transcribing → thinking → speaking → listening', () => {
    const phases: string[] = []
    let s = initialTurn
    for (const e of [...speaking, { type: 'reply-done' } as const]) {
      s = nextTurn(s, e).state
      phases.push(s.phase)
    }
    expect(phases).toEqual(['user-speaking', 'transcribing', 'thinking', 'speaking', 'listening'])
    expect(run(speaking).effects).toEqual([{ type: 'send', text: 'hello' }])
  })

  it('barge-in: speech while the avatar speaks pauses it, and words cancel it and start a new turn', () => {
    const { state, effects } = run([...speaking, ...said('stop, tell me something else')])
    expect(effects).toEqual([
      { type: 'send', text: 'hello' },
      { type: 'pause-reply' },
      { type: 'cancel-reply', keep: 'heard' },
      { type: 'send', text: 'stop, tell me something else' },
    ])
    expect(state).toEqual({ phase: 'thinking', paused: false })
  })

  it('false interrupt: a cough (misfire) resumes the paused reply', () => {
    const { state, effects } = run([...speaking, { type: 'speech-start' }, { type: 'misfire' }])
    expect(effects.slice(1)).toEqual([{ type: 'pause-reply' }, { type: 'resume-reply' }])
    expect(state).toEqual({ phase: 'speaking', paused: false })
  })

  it('false interrupt: speech with no words resumes the paused reply', () => {
    const { state, effects } = run([...speaking, ...said('  ')])
    expect(effects.slice(1)).toEqual([{ type: 'pause-reply' }, { type: 'resume-reply' }])
    expect(state.phase).toBe('speaking')
  })

  it('barge-in before the first audio: the pending reply is held, then cancelled by words', () => {
    const { effects, state } = run([...said('hello'), ...said('actually, never mind')])
    expect(effects).toEqual([{ type: 'send', text: 'hello' }, { type: 'pause-reply' }, { type: 'cancel-reply', keep: 'heard' }, { type: 'send', text: 'actually, never mind' }])
    expect(state.phase).toBe('thinking')
  })

  it('typing interrupts in every phase where a reply is active, and only there', () => {
    const states: TurnState[] = [
      { phase: 'listening', paused: false },
      { phase: 'user-speaking', paused: false },
      { phase: 'user-speaking', paused: true },
      { phase: 'transcribing', paused: true },
      { phase: 'thinking', paused: false },
      { phase: 'speaking', paused: false },
    ]
    const cancels = states.map((s) => nextTurn(s, { type: 'typed', text: 'hi' }).effects.some((e) => e.type === 'cancel-reply'))
    expect(cancels).toEqual([false, false, true, true, true, true])
    for (const s of states) expect(nextTurn(s, { type: 'typed', text: 'hi' }).state).toEqual({ phase: 'thinking', paused: false })
  })

  it('stop cancels in every phase (a retry may run a reply the machine did not start)', () => {
    const cancel = [{ type: 'cancel-reply', keep: 'written' }]
    expect(nextTurn({ phase: 'speaking', paused: false }, { type: 'stop' })).toEqual({ state: { phase: 'listening', paused: false }, effects: cancel })
    expect(nextTurn({ phase: 'thinking', paused: false }, { type: 'stop' }).effects).toEqual(cancel)
    expect(nextTurn({ phase: 'user-speaking', paused: true }, { type: 'stop' })).toEqual({ state: { phase: 'user-speaking', paused: false }, effects: cancel })
    expect(nextTurn({ phase: 'listening', paused: false }, { type: 'stop' })).toEqual({ state: { phase: 'listening', paused: false }, effects: cancel })
  })

  it('words that come after the turn was taken start a new turn instead of being dropped', () => {
    const { state, effects } = run([{ type: 'speech-start' }, { type: 'speech-end' }, { type: 'speech-start' }, { type: 'transcript', text: 'first part' }, { type: 'speech-end' }, { type: 'transcript', text: 'and the rest' }])
    expect(effects).toEqual([{ type: 'send', text: 'first part' }, { type: 'cancel-reply', keep: 'heard' }, { type: 'send', text: 'and the rest' }])
    expect(state.phase).toBe('thinking')
  })

  it('turning the microphone off under a paused reply resumes it', () => {
    const paused = run([...speaking, { type: 'speech-start' }]).state
    expect(nextTurn(paused, { type: 'voice-off' })).toEqual({ state: { phase: 'speaking', paused: false }, effects: [{ type: 'resume-reply' }] })
    expect(nextTurn({ phase: 'transcribing', paused: false }, { type: 'voice-off' }).state.phase).toBe('listening')
  })

  it('a reply that ends or fails while paused under speech is no longer resumable', () => {
    const paused = run([...speaking, { type: 'speech-start' }]).state
    const after = nextTurn(paused, { type: 'reply-failed' }).state
    expect(after).toEqual({ phase: 'user-speaking', paused: false })
    expect(run([{ type: 'misfire' }], after)).toEqual({ state: { phase: 'listening', paused: false }, effects: [] })
  })

  it('the user going on talking while their words are transcribed stays one turn', () => {
    const { state, effects } = run([{ type: 'speech-start' }, { type: 'speech-end' }, { type: 'speech-start' }, { type: 'speech-end' }, { type: 'transcript', text: 'one long thought' }])
    expect(effects).toEqual([{ type: 'send', text: 'one long thought' }])
    expect(state.paused).toBe(false)
    expect(state.phase).toBe('thinking')
  })

  it('ignores events that do not fit the phase', () => {
    for (const e of [{ type: 'misfire' }, { type: 'speech-end' }, { type: 'reply-audible' }, { type: 'reply-done' }, { type: 'transcript', text: 'x' }] as TurnEvent[]) {
      expect(nextTurn(initialTurn, e)).toEqual({ state: initialTurn, effects: [] })
    }
  })
})
