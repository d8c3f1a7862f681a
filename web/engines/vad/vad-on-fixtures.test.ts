// The real Silero v5 model (shipped inside @ricky0123/vad-web) on ONNX Runtime's WASM backend,
// fed the committed espeak-ng fixtures, through the same SpeechSegmenter the VAD worker uses.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { decodeWav } from '../../lib/audio/wav.ts'
import { SileroVad, SILERO_FRAME } from './silero.ts'
import { SpeechSegmenter, type SegmentEvent } from './speech-segmenter.ts'

const fixtures = new URL('../../../tests/fixtures/', import.meta.url)
const expected = JSON.parse(readFileSync(new URL('speech.json', fixtures), 'utf8')) as {
  files: Record<string, { speech: { start: number; end: number }[] }>
}
const model = readFileSync(new URL('../../../node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx', import.meta.url))

async function segments(file: string) {
  const { samples, sampleRate } = decodeWav(readFileSync(new URL(file, fixtures)))
  expect(sampleRate).toBe(16000)
  const vad = await SileroVad.load(new Uint8Array(model))
  const seg = new SpeechSegmenter()
  const events: SegmentEvent[] = []
  for (let i = 0; i + SILERO_FRAME <= samples.length; i += SILERO_FRAME) {
    const frame = samples.slice(i, i + SILERO_FRAME)
    events.push(...seg.push(await vad.process(frame), frame))
  }
  events.push(...seg.end())
  await vad.release()
  return events
}

// Thousands of model runs per file on WASM: correctness, not speed, so a loaded machine gets time.
describe('Silero VAD on the speech fixtures', { timeout: 60_000 }, () => {
  for (const file of ['speech.wav', 'speech-quiet.wav', 'speech-noisy.wav']) {
    it(`finds exactly the spoken segments of ${file}, within ±150 ms`, async () => {
      const found = (await segments(file)).filter((e) => e.type === 'speech-end')
      const want = expected.files[file]!.speech
      expect(found.map((e) => [e.startMs, e.endMs])).toHaveLength(want.length)
      found.forEach((e, i) => {
        expect(Math.abs(e.startMs - want[i]!.start * 1000)).toBeLessThanOrEqual(150)
        expect(Math.abs(e.endMs - want[i]!.end * 1000)).toBeLessThanOrEqual(150)
      })
    })
  }

  it('finds nothing in pure noise', async () => {
    expect((await segments('noise.wav')).filter((e) => e.type !== 'misfire')).toEqual([])
  })
})
