import { describe, expect, it } from 'vitest'
import { SpeechSegmenter, type SegmentEvent } from './speech-segmenter.ts'

const FRAME = 4 // samples per frame: small, the segmenter does not care
const frame = (v: number) => new Float32Array(FRAME).fill(v)

/** Runs probabilities through a segmenter; frame i's samples all hold the value i. Pauses and onsets are off unless asked for. */
function run(probs: number[], options = {}) {
  const s = new SpeechSegmenter({ frameMs: 32, pauseMs: 0, onsetThreshold: 1, ...options })
  const events: (SegmentEvent & { at: number })[] = []
  probs.forEach((p, i) => s.push(p, frame(i)).forEach((e) => events.push({ ...e, at: i })))
  return { s, events }
}

const repeat = (p: number, n: number) => Array<number>(n).fill(p)

describe('SpeechSegmenter', () => {
  it('finds one segment with the right times, after the redemption delay', () => {
    // 10 silent frames, 20 speech frames (640 ms), then silence.
    const { events } = run([...repeat(0.05, 10), ...repeat(0.9, 20), ...repeat(0.05, 30)])
    expect(events.map((e) => e.type)).toEqual(['speech-start', 'speech-end'])
    expect(events[0]).toMatchObject({ startMs: 320, at: 10 })
    const end = events[1] as Extract<SegmentEvent, { type: 'speech-end' }> & { at: number }
    expect(end.startMs).toBe(320)
    expect(end.endMs).toBe(960)
    // 500 ms of redemption = 15 whole frames of 32 ms after the last speech frame (29).
    expect(end.at).toBe(29 + 15)
  })

  it('keeps pre-speech padding and a short tail in the audio', () => {
    const { events } = run([...repeat(0.05, 20), ...repeat(0.9, 10), ...repeat(0.05, 20)], { preSpeechPadMs: 96 })
    const end = events.find((e) => e.type === 'speech-end') as Extract<SegmentEvent, { type: 'speech-end' }>
    const firstFrameValue = end.audio[0]
    expect(firstFrameValue).toBe(17) // 3 frames of padding before frame 20
    expect(end.audio.length / FRAME).toBe(3 + 10 + 3) // pad + speech + 96 ms tail (3 frames)
  })

  it('rides out dips between the thresholds and short pauses shorter than the redemption', () => {
    const probs = [...repeat(0.9, 10), ...repeat(0.4, 5), ...repeat(0.1, 8), ...repeat(0.9, 10), ...repeat(0.0, 20)]
    const { events } = run(probs)
    expect(events.map((e) => e.type)).toEqual(['speech-start', 'speech-end'])
    expect((events[1] as { endMs: number }).endMs).toBe(33 * 32)
  })

  it('calls speech shorter than minSpeechMs a misfire', () => {
    const { events } = run([...repeat(0.0, 5), ...repeat(0.9, 4), ...repeat(0.0, 20)])
    expect(events.map((e) => e.type)).toEqual(['speech-start', 'misfire'])
  })

  it('finds nothing in silence or in noise below the threshold', () => {
    expect(run(repeat(0.3, 200)).events).toEqual([])
  })

  it('cuts speech longer than maxSpeechMs', () => {
    const { events } = run(repeat(0.9, 100), { maxSpeechMs: 1000 })
    expect(events.filter((e) => e.type === 'speech-end').length).toBe(3)
  })

  it('push-to-talk: forced segments ignore the model and end on release', () => {
    const s = new SpeechSegmenter({ frameMs: 32 })
    s.push(0, frame(0))
    expect(s.forceStart()).toEqual([{ type: 'speech-start', startMs: 32 }])
    for (let i = 1; i <= 10; i++) expect(s.push(0, frame(i))).toEqual([]) // silence does not end it
    const [end] = s.end()
    expect(end).toMatchObject({ type: 'speech-end', startMs: 32, endMs: 352 })
    expect(s.end()).toEqual([])
  })

  it('push-to-talk: a tap is a misfire, and a key held forever is cut at maxSpeechMs', () => {
    const s = new SpeechSegmenter({ frameMs: 32, maxSpeechMs: 320 })
    s.forceStart()
    s.push(0, frame(0))
    expect(s.end()).toMatchObject([{ type: 'misfire' }])
    s.forceStart()
    const events = Array.from({ length: 12 }, (_, i) => s.push(0, frame(i))).flat()
    expect(events).toMatchObject([{ type: 'speech-end' }])
  })

  it('changes options in place without losing the stream time', () => {
    const s = new SpeechSegmenter({ frameMs: 32 })
    for (let i = 0; i < 5; i++) s.push(0, frame(i))
    s.configure({ redemptionMs: 800 })
    expect(s.nowMs).toBe(160)
    expect(s.options.redemptionMs).toBe(800)
    expect(() => s.configure({ minSpeechMs: -5 })).toThrow(/minSpeechMs/)
  })

  it('rejects bad options with a message naming them', () => {
    expect(() => new SpeechSegmenter({ negativeThreshold: 0.9 })).toThrow(/negativeThreshold/)
    expect(() => new SpeechSegmenter({ redemptionMs: -1 })).toThrow(/redemptionMs/)
  })

  it('reports a short pause inside speech once, with the audio so far, and the speaker going on', () => {
    // Speech, 8 silent frames (256 ms: past the 200 ms pause, short of the 500 ms end), speech, silence.
    const { events } = run([...repeat(0.9, 10), ...repeat(0.05, 8), ...repeat(0.9, 10), ...repeat(0.05, 30)], { preSpeechPadMs: 0, pauseMs: 200 })
    expect(events.map((e) => e.type)).toEqual(['speech-start', 'speech-pause', 'speech-continued', 'speech-pause', 'speech-end'])
    const [, first, continued, second, end] = events as (SegmentEvent & { at: number })[]
    // 200 ms = 6 whole frames of silence after the last speech frame (9).
    expect(first).toMatchObject({ pause: 1, startMs: 0, endMs: 320, at: 9 + 6 })
    expect((first as Extract<SegmentEvent, { type: 'speech-pause' }>).audio.length / FRAME).toBe(10 + 3) // speech + 96 ms tail
    expect(continued).toMatchObject({ pause: 1, at: 18 })
    expect(second).toMatchObject({ pause: 2, at: 27 + 6 })
    // It ended in the second pause with nothing said since: its words are the pause's.
    expect(end).toMatchObject({ type: 'speech-end', pause: 2, at: 27 + 15 })
  })

  it('ends a segment at a pause when asked, and not once the speaker went on', () => {
    const s = new SpeechSegmenter({ frameMs: 32, preSpeechPadMs: 0 })
    for (let i = 0; i < 10; i++) s.push(0.9, frame(i))
    let pause: Extract<SegmentEvent, { type: 'speech-pause' }> | undefined
    for (let i = 0; i < 6 && !pause; i++) pause = s.push(0.05, frame(0)).find((e) => e.type === 'speech-pause')
    expect(pause?.pause).toBe(1)
    expect(s.endAtPause(2)).toEqual([])
    const [end] = s.endAtPause(1)
    expect(end).toMatchObject({ type: 'speech-end', startMs: 0, endMs: 320, pause: 1 })
    expect(s.isSpeaking).toBe(false)

    // Another segment: the speaker goes on after its pause, so that pause cannot end it.
    for (let i = 0; i < 10; i++) s.push(0.9, frame(i))
    for (let i = 0; i < 6; i++) s.push(0.05, frame(0))
    s.push(0.9, frame(0))
    expect(s.endAtPause(2)).toEqual([])
    expect(s.isSpeaking).toBe(true)
  })

  it('waits longer for the end of a segment whose pause sounded unfinished, for that segment only', () => {
    const s = new SpeechSegmenter({ frameMs: 32 })
    const silence = (n: number) => Array.from({ length: n }, () => s.push(0.05, frame(0))).flat()
    for (let i = 0; i < 10; i++) s.push(0.9, frame(i))
    const pause = silence(6).find((e) => e.type === 'speech-pause')!
    s.extend((pause as { pause: number }).pause, 1500)
    expect(silence(30).map((e) => e.type)).toEqual([]) // 36 frames = 1152 ms: still waiting
    expect(silence(10).map((e) => e.type)).toEqual(['speech-end']) // 1500 ms = 46 frames
    for (let i = 0; i < 10; i++) s.push(0.9, frame(i))
    expect(silence(15).map((e) => e.type)).toEqual(['speech-pause', 'speech-end']) // the next one: 500 ms again
  })

  it('reports a likely onset before speech is certain, and an onset that came to nothing', () => {
    const { events } = run([...repeat(0.05, 5), 0.35, 0.6, ...repeat(0.9, 10), ...repeat(0.05, 20), 0.4, 0.2, ...repeat(0.05, 5)], { onsetThreshold: 0.3 })
    expect(events.map((e) => e.type)).toEqual(['speech-onset', 'speech-start', 'speech-end', 'speech-onset', 'onset-lost'])
    expect(events[0]).toMatchObject({ startMs: 160, at: 5 })
    // 96 ms = 3 frames after the onset (frame 37).
    expect(events[4]).toMatchObject({ at: 37 + 3 })
  })

  it('reports a hum that hovers at the onset threshold once, not on every frame', () => {
    const { events } = run(repeat(0.4, 40), { onsetThreshold: 0.3 })
    expect(events.map((e) => e.type)).toEqual(['speech-onset', 'onset-lost'])
  })

  it('reports no pause for a sound too short to be speech', () => {
    const { events } = run([...repeat(0.9, 4), ...repeat(0.05, 20)], { pauseMs: 200 })
    expect(events.map((e) => e.type)).toEqual(['speech-start', 'misfire'])
  })

  it('takes a quick onset between frames as any onset: lost if no speech follows, none while speaking or pending', () => {
    const s = new SpeechSegmenter({ frameMs: 32, pauseMs: 0, onsetThreshold: 0.3 })
    repeat(0.05, 5).forEach((p) => s.push(p, frame(0)))
    expect(s.quickOnset()).toEqual([{ type: 'speech-onset', startMs: 160 }])
    // Pending: no second one, neither quick nor from the model.
    expect(s.quickOnset()).toEqual([])
    expect(s.push(0.4, frame(0))).toEqual([])
    expect(s.push(0.05, frame(0))).toEqual([])
    expect(s.push(0.05, frame(0))).toEqual([])
    // 96 ms of frames after it, none speech.
    expect(s.push(0.05, frame(0))).toEqual([{ type: 'onset-lost', startMs: 160 }])
    // Speech confirms the next one; during speech there is nothing to hurry.
    s.quickOnset()
    expect(s.push(0.9, frame(0)).map((e) => e.type)).toEqual(['speech-start'])
    expect(s.quickOnset()).toEqual([])
  })
})
