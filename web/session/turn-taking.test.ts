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

describe('an utterance that sounds unfinished', () => {
  it('is held, and the words after the pause join it into one turn', () => {
    const r = run([...said('I would like to order a'), ...said('large pizza.')])
    expect(r.effects).toEqual([{ type: 'hold' }, { type: 'send', text: 'I would like to order a large pizza.' }])
    expect(r.state).toEqual({ phase: 'thinking', paused: false })
  })

  it('recognised only once the user speaks again: no wait is started, the rest is already coming', () => {
    const r = run([{ type: 'speech-start' }, { type: 'speech-end' }, { type: 'speech-start' }, { type: 'transcript', text: 'I would like to' }])
    expect(r).toEqual({ state: { phase: 'user-speaking', paused: false, held: 'I would like to' }, effects: [] })
    expect(run([{ type: 'speech-end' }, { type: 'transcript', text: 'know the weather.' }], r.state).effects).toEqual([{ type: 'send', text: 'I would like to know the weather.' }])
  })

  it('is sent as it is when the wait ends with no more words', () => {
    const held = run(said('Tell me about cats and'))
    expect(held.state).toEqual({ phase: 'transcribing', paused: false, held: 'Tell me about cats and' })
    expect(run([{ type: 'hold-expired' }], held.state).effects).toEqual([{ type: 'send', text: 'Tell me about cats and' }])
    // A late timer after the turn was sent does nothing.
    expect(run([{ type: 'hold-expired' }], { phase: 'thinking', paused: false }).effects).toEqual([])
  })

  it('is never lost: a cough in the pause waits again, the microphone going off sends it, typing finishes it, Stop drops it', () => {
    const held = run(said('So, um,')).state
    expect(run([{ type: 'speech-start' }, { type: 'misfire' }], held)).toEqual({ state: { phase: 'transcribing', paused: false, held: 'So, um,' }, effects: [{ type: 'hold' }] })
    expect(run([...said('')].slice(0, 2).concat({ type: 'transcript', text: '' }), held).state.held).toBe('So, um,')
    expect(run([{ type: 'voice-off' }], held).effects).toEqual([{ type: 'send', text: 'So, um,' }])
    expect(run([{ type: 'typed', text: 'what time is it?' }], held).effects).toEqual([{ type: 'send', text: 'So, um, what time is it?' }])
    const stopped = run([{ type: 'stop' }], held)
    expect(stopped.state.held).toBeUndefined()
    expect(stopped.effects).toEqual([{ type: 'cancel-reply', keep: 'written' }])
  })

  it('over a paused answer: the answer stays paused while the sentence is held, and is cancelled when it is sent', () => {
    const held = run([...speaking, ...said('wait, and')])
    expect(held.state).toMatchObject({ phase: 'transcribing', paused: true, held: 'wait, and' })
    expect(held.effects).toEqual([{ type: 'send', text: 'hello' }, { type: 'pause-reply' }, { type: 'hold' }])
    expect(run([{ type: 'hold-expired' }], held.state).effects).toEqual([
      { type: 'cancel-reply', keep: 'heard' },
      { type: 'send', text: 'wait, and' },
    ])
  })

  describe('at a short pause', () => {
    const pause = (text: string, probability: number | null, preemptive = true): TurnEvent => ({ type: 'pause', pause: 1, text, probability, preemptive })

    it('answers a finished sentence ahead, and the same words when the turn ends make that answer the turn', () => {
      const { state, effects } = run([{ type: 'speech-start' }, pause('What time is it?', null), { type: 'speech-end' }, { type: 'transcript', text: 'what time is it' }])
      expect(effects).toEqual([{ type: 'speculate', text: 'What time is it?' }, { type: 'commit' }])
      expect(state).toEqual({ phase: 'thinking', paused: false })
    })

    it('ends the turn at the pause when the model says complete and the words agree', () => {
      const { effects } = run([{ type: 'speech-start' }, pause('What time is it?', 0.9)])
      expect(effects).toEqual([{ type: 'end-speech', pause: 1 }, { type: 'speculate', text: 'What time is it?' }])
    })

    it('neither ends nor answers ahead when the model says incomplete, or the words trail off', () => {
      expect(run([{ type: 'speech-start' }, pause('I would like to order', 0.2)]).effects).toEqual([])
      expect(run([{ type: 'speech-start' }, pause('I would like to order a', 0.9)]).effects).toEqual([])
      expect(run([{ type: 'speech-start' }, pause('', null)]).effects).toEqual([])
    })

    it('abandons the answer made ahead when the user goes on, and sends the whole sentence', () => {
      const { effects } = run([{ type: 'speech-start' }, pause('I would like a pizza.', null), { type: 'speech-continued' }, { type: 'speech-end' }, { type: 'transcript', text: 'I would like a pizza with olives.' }])
      expect(effects).toEqual([{ type: 'speculate', text: 'I would like a pizza.' }, { type: 'abandon' }, { type: 'send', text: 'I would like a pizza with olives.' }])
    })

    it('abandons it when the final words differ, when typing takes over, and on Stop', () => {
      const start: TurnEvent[] = [{ type: 'speech-start' }, pause('Tell me a joke.', null)]
      expect(run([...start, { type: 'speech-end' }, { type: 'transcript', text: 'Tell me a poem.' }]).effects).toEqual([{ type: 'speculate', text: 'Tell me a joke.' }, { type: 'abandon' }, { type: 'send', text: 'Tell me a poem.' }])
      expect(run([...start, { type: 'typed', text: 'hi' }]).effects).toEqual([{ type: 'speculate', text: 'Tell me a joke.' }, { type: 'abandon' }, { type: 'send', text: 'hi' }])
      expect(run([...start, { type: 'stop' }]).effects.slice(0, 2)).toEqual([{ type: 'speculate', text: 'Tell me a joke.' }, { type: 'abandon' }])
      expect(run([...start, { type: 'voice-off' }]).effects).toEqual([{ type: 'speculate', text: 'Tell me a joke.' }, { type: 'abandon' }])
    })

    it('does not answer ahead when the operator or the user turned it off, but still ends the turn early', () => {
      expect(run([{ type: 'speech-start' }, pause('What time is it?', 0.9, false)]).effects).toEqual([{ type: 'end-speech', pause: 1 }])
    })

    it('does not race an answer paused under the user, and joins held words before judging', () => {
      const paused = run([...speaking, { type: 'speech-start' }, pause('Wait, what?', null)])
      expect(paused.effects).toEqual([{ type: 'send', text: 'hello' }, { type: 'pause-reply' }])
      const held: TurnState = { phase: 'transcribing', paused: false, held: 'I want to and' }
      expect(run([{ type: 'speech-start' }, pause('go home.', 0.9)], held).effects).toEqual([{ type: 'end-speech', pause: 1 }, { type: 'speculate', text: 'I want to and go home.' }])
    })
  })

  describe('onsets', () => {
    it('pause the reply at a likely onset, resume it when the onset is lost, and stay paused into speech', () => {
      expect(run([...speaking, { type: 'onset' }, { type: 'onset-lost' }]).effects).toEqual([{ type: 'send', text: 'hello' }, { type: 'pause-reply' }, { type: 'resume-reply' }])
      const into = run([...speaking, { type: 'onset' }, { type: 'speech-start' }, { type: 'misfire' }])
      expect(into.effects).toEqual([{ type: 'send', text: 'hello' }, { type: 'pause-reply' }, { type: 'resume-reply' }])
      expect(into.state).toEqual({ phase: 'speaking', paused: false })
    })

    it('mean nothing while no reply is active', () => {
      expect(run([{ type: 'onset' }, { type: 'onset-lost' }]).effects).toEqual([])
    })
  })
})
