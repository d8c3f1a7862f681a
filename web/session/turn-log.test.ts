import { describe, expect, it } from 'vitest'
import { medians, TurnLog, waterfall } from './turn-log.ts'

describe('TurnLog', () => {
  it('collects the marks of a spoken turn, including those before its message existed', () => {
    const log = new TurnLog()
    log.mark('speechStart', 100)
    log.mark('speechEnd', 1000)
    log.mark('asrFinal', 1050)
    log.begin('u1', 'hello', true)
    log.mark('llmFirstToken', 1300)
    log.mark('firstSentence', 1400)
    log.mark('llmFirstToken', 9999) // only the first counts
    log.mark('ttsFirstAudio', 1600)
    log.mark('playbackStart', 1620)
    log.mark('playbackEnd', 4000)
    log.answer('a1', 'Hi there.', false)
    const [turn] = log.turns
    expect(turn).toMatchObject({ userId: 'u1', assistantId: 'a1', userText: 'hello', assistantText: 'Hi there.', spoken: true })
    expect(turn!.timestamps).toEqual({ speechStart: 100, speechEnd: 1000, asrFinal: 1050, llmFirstToken: 1300, firstSentence: 1400, ttsFirstAudio: 1600, playbackStart: 1620, playbackEnd: 4000 })
    expect(waterfall(turn!)).toEqual([
      { label: 'recognition', stage: 'asrFinal', ms: 50 },
      { label: 'first words', stage: 'llmFirstToken', ms: 250 },
      { label: 'first sentence', stage: 'firstSentence', ms: 100 },
      { label: 'voice', stage: 'ttsFirstAudio', ms: 200 },
      { label: 'playback', stage: 'playbackStart', ms: 20 },
    ])
  })

  it('starts a spoken turn\'s clock where the speech stopped: the wait for the end of the turn is its first step', () => {
    const log = new TurnLog()
    log.mark('speechStart', 100)
    log.mark('speechStop', 800)
    log.mark('speechEnd', 1000)
    log.mark('asrFinal', 1000)
    log.begin('u1', 'hello', true)
    log.mark('llmFirstToken', 1010)
    expect(waterfall(log.turns[0]!)).toEqual([
      { label: 'end of turn', stage: 'speechEnd', ms: 200 },
      { label: 'recognition', stage: 'asrFinal', ms: 0 },
      { label: 'first words', stage: 'llmFirstToken', ms: 10 },
    ])
  })

  it('a typed turn starts its clock at the send', () => {
    const log = new TurnLog()
    log.begin('u1', 'typed', false, 500)
    log.mark('llmFirstToken', 800)
    expect(waterfall(log.turns[0]!)).toEqual([{ label: 'first words', stage: 'llmFirstToken', ms: 300 }])
  })

  it('gives the median of each step over the session', () => {
    const log = new TurnLog()
    for (const [i, first] of [100, 300, 200].entries()) {
      log.begin(`u${i}`, 'q', false, 0)
      log.mark('llmFirstToken', first)
      log.mark('playbackEnd', first + 1)
    }
    expect(medians(log.turns)).toEqual([{ label: 'first words', ms: 200, turns: 3 }])
  })
})
