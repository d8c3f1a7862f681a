import { describe, expect, it } from 'vitest'
import { CaptionTrack } from './captions.ts'
import { toWebVtt } from './stored.ts'

describe('CaptionTrack', () => {
  it('keeps cues in order of their start, clipped to the recording and to its end', () => {
    const t = new CaptionTrack()
    t.add({ speaker: 'avatar', text: 'Second.', startMs: 3000, endMs: 4000 })
    t.add({ speaker: 'you', text: 'First.', startMs: -500, endMs: 1200 })
    t.add({ speaker: 'you', text: '   ', startMs: 100, endMs: 200 })
    expect(t.list(3500)).toEqual([
      { speaker: 'you', text: 'First.', startMs: 0, endMs: 1200 },
      { speaker: 'avatar', text: 'Second.', startMs: 3000, endMs: 3500 },
    ])
  })

  it('cuts the avatar where it was interrupted: a sentence under way ends there, one not yet heard goes', () => {
    const t = new CaptionTrack()
    t.add({ speaker: 'avatar', text: 'Heard.', startMs: 0, endMs: 1000 })
    t.add({ speaker: 'avatar', text: 'Half heard.', startMs: 1000, endMs: 2000 })
    t.add({ speaker: 'avatar', text: 'Never heard.', startMs: 2000, endMs: 3000 })
    t.add({ speaker: 'you', text: 'Wait!', startMs: 1400, endMs: 1900 })
    t.cut(1500)
    expect(t.list().map((c) => [c.text, c.endMs])).toEqual([['Heard.', 1000], ['Half heard.', 1500], ['Wait!', 1900]])
  })
})

describe('toWebVtt', () => {
  it('writes cues with voices and escapes what would end or open markup', () => {
    const vtt = toWebVtt([
      { speaker: 'avatar', text: 'A <b> & c --> d', startMs: 61_234, endMs: 3_723_005 },
      { speaker: 'you', text: 'Hello', startMs: 0, endMs: 999 },
    ])
    expect(vtt).toBe('WEBVTT\n\n00:00:00.000 --> 00:00:00.999\n<v You>Hello\n\n00:01:01.234 --> 01:02:03.005\n<v Avatar>A &lt;b> &amp; c → d\n')
  })
})
