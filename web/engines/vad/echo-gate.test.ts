// The echo gate on the echo fixtures (tests/fixtures/echo-run.ts): the VAD worker's hearing — the
// real Silero v5, the quick onset, the segmenter — in 8 ms hops; echo-answer.wav's ten answers
// through five rooms (tests/fixtures/echo-path.ts: 20–120 ms, −6 to −20 dB, coloured, one
// reflection) with room noise, the reference given as the app gives it. 50 answers: none may start
// speech (a false barge-in), nor pause the answer (an onset, the model's or a quick one). Then the
// user speaks over each answer: that speech must be heard within 150 ms.
import { describe, expect, it } from 'vitest'
import { cutIns, echoOnly } from '../../../tests/fixtures/echo-run.ts'

describe('the echo gate', { timeout: 600_000 }, () => {
  it('lets no answer heard back from the speakers start speech or pause it: 50 answers, five rooms, room noise', async () => {
    const { answers, starts, onsets, ungatedStarts } = await echoOnly()
    expect(answers).toBe(50)
    // Without the gate, the loudest room's echo is taken for the user answer after answer.
    expect(ungatedStarts).toBeGreaterThanOrEqual(8)
    expect(starts).toBe(0)
    expect(onsets).toBe(0)
  })

  it('hears the user speak over the echo within 150 ms once it has heard an answer, and within 250 ms in the first', async () => {
    const { first, later } = await cutIns()
    // 45 cut-ins after the first answer (the gate knows the room by then).
    expect(later.filter((d) => d <= 150).length / later.length).toBeGreaterThanOrEqual(0.95)
    // In the first second of the first answer ever the echo is not measured yet: assumed 6 dB down at any delay, which costs time, not the cut-in.
    for (const d of first) expect(d).toBeLessThanOrEqual(250)
  })

  it('with no echo at all (headphones, the setting left on "find out"), holds the user back in the first answer only briefly', async () => {
    const { first, later } = await cutIns([null])
    for (const d of [...first, ...later]) expect(d).toBeLessThanOrEqual(150)
  })
})
