import { describe, expect, it } from 'vitest'
import { SentenceSegmenter } from './sentence-segmenter.ts'
import { toSpeakable } from './speakable.ts'

/** Streams `text` in small pieces, as an LLM would, and records when each sentence came out. */
function stream(text: string, pieceSize = 3, options = {}) {
  const s = new SentenceSegmenter(options)
  const out: { sentence: string; afterChars: number }[] = []
  for (let i = 0; i < text.length; i += pieceSize) {
    for (const sentence of s.push(text.slice(i, i + pieceSize))) out.push({ sentence, afterChars: i + pieceSize })
  }
  for (const sentence of s.flush()) out.push({ sentence, afterChars: text.length })
  return out
}
const sentences = (text: string, pieceSize = 3, options = {}) => stream(text, pieceSize, options).map((o) => o.sentence)

describe('SentenceSegmenter', () => {
  it('emits each sentence as soon as it is complete, before the stream ends', () => {
    const text = 'The weather is lovely today. Shall we go for a walk? I would like that very much!'
    const out = stream(text)
    expect(out.map((o) => o.sentence)).toEqual(['The weather is lovely today.', 'Shall we go for a walk?', 'I would like that very much!'])
    expect(out[0]!.afterChars).toBeLessThanOrEqual('The weather is lovely today. '.length + 3)
    expect(out[1]!.afterChars).toBeLessThan(text.length)
  })

  it('does not break at decimals, initials, e.g. or titles', () => {
    expect(sentences('Dr. Smith paid 3.5 dollars for U.S. stamps, e.g. the blue ones. Then he left.')).toEqual([
      'Dr. Smith paid 3.5 dollars for U.S. stamps, e.g. the blue ones.',
      'Then he left.',
    ])
    expect(sentences('Meet Mr. and Mrs. Jones at 10 a.m. tomorrow, please. They will wait.')).toEqual(['Meet Mr. and Mrs. Jones at 10 a.m. tomorrow, please.', 'They will wait.'])
  })

  it('keeps closing quotes and brackets with their sentence', () => {
    expect(sentences('He said “this is the one.” Then we all laughed about it (quite loudly.) The end came soon.')).toEqual([
      'He said “this is the one.”',
      'Then we all laughed about it (quite loudly.)',
      'The end came soon.',
    ])
  })

  it('splits CJK sentences at 。！？ without spaces', () => {
    expect(sentences('你好。今天天气很好！我们去散步吧？')).toEqual(['你好。', '今天天气很好！', '我们去散步吧？'])
  })

  it('ends a sentence at an ellipsis before a new sentence, not inside one', () => {
    expect(sentences('Well… I think that could work for us. Wait… Then what happens next?')).toEqual(['Well… I think that could work for us.', 'Wait… Then what happens next?'])
  })

  it('merges fragments shorter than a few words with the next sentence', () => {
    expect(sentences('Sure! Here is what I found for you. Okay.')).toEqual(['Sure! Here is what I found for you.', 'Okay.'])
  })

  it('cuts a very long sentence at a clause so speech can start early', () => {
    const long = `${'This clause goes on and on, '.repeat(12)}and finally it ends.`
    const out = stream(long, 5, { maxChars: 120 })
    expect(out.length).toBeGreaterThan(2)
    for (const o of out) expect(o.sentence.length).toBeLessThanOrEqual(120)
    expect(out[0]!.afterChars).toBeLessThan(long.length / 2)
  })

  it('keeps code blocks, URLs, markdown and emoji out of what is spoken', () => {
    const text = 'Here is **the fix** for `parse()` 🎉. Run this:\n```js\nconst x = 1.5; call(x). done();\n```\nSee [the docs](https://example.com/docs) or https://example.com for more details.'
    // "Run this:" is too short alone, so it goes with the next spoken sentence; the code is skipped.
    expect(sentences(text, 4)).toEqual(['Here is the fix for parse().', 'Run this: See the docs or for more details.'])
  })

  it('gives the same sentences however the stream is chunked', () => {
    const text = 'Dr. Who said “hi.” Then 3.5 million people cheered! 你好。Wait… Is it over? ```\ncode. here.\n``` Yes, it is over now.'
    const whole = sentences(text, text.length)
    for (let size = 1; size <= 9; size++) expect(sentences(text, size), `pieces of ${size}`).toEqual(whole)
  })

  it('speaks a stream that ends mid-sentence when it ends', () => {
    expect(sentences('No punctuation at the end')).toEqual(['No punctuation at the end'])
  })
})

describe('toSpeakable', () => {
  it('strips markdown, links, URLs and emoji but keeps the words', () => {
    expect(toSpeakable('# Title\n- **bold** and _italic_ ~~gone~~ 👍🏽 [link](http://x.y) www.a.b')).toBe('Title bold and italic gone link')
  })

  it('does not read out citations of documents', () => {
    expect(toSpeakable('You have 45 days [1], and refunds take a week [2, 3].')).toBe('You have 45 days, and refunds take a week.')
    expect(toSpeakable('[1]')).toBe('')
    expect(toSpeakable('Section [a] stays')).toBe('Section [a] stays')
  })
})
