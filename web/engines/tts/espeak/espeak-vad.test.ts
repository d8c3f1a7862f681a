// eSpeak NG (the WebAssembly build the on-device voice uses) makes speech that Silero VAD — the
// app's own speech detector — recognises as speech: a sanity check of the whole voice path.
import ESpeakNg from 'espeak-ng'
import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { DownSampler } from '../../../lib/audio/resampler.ts'
import { decodeWav } from '../../../lib/audio/wav.ts'
import { SileroVad, SILERO_FRAME } from '../../vad/silero.ts'
import { SpeechSegmenter } from '../../vad/speech-segmenter.ts'

it('eSpeak NG speech is detected as speech by Silero VAD', async () => {
  const espeak = await ESpeakNg({ arguments: ['-v', 'en-us', '-w', 'out.wav', '--', 'Hello, I am speaking from inside WebAssembly on this device.'] })
  const { samples, sampleRate } = decodeWav(espeak.FS.readFile('out.wav'))
  expect(sampleRate).toBe(22050)
  const seconds = samples.length / sampleRate
  expect(seconds).toBeGreaterThan(2)

  const audio = new DownSampler(sampleRate, 16000).process(samples)
  const vad = await SileroVad.load(new Uint8Array(readFileSync(new URL('../../../../node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx', import.meta.url))))
  const seg = new SpeechSegmenter()
  const ends = []
  for (let i = 0; i + SILERO_FRAME <= audio.length; i += SILERO_FRAME) {
    const frame = audio.slice(i, i + SILERO_FRAME)
    ends.push(...seg.push(await vad.process(frame), frame).filter((e) => e.type === 'speech-end'))
  }
  ends.push(...seg.end().filter((e) => e.type === 'speech-end'))
  const speechMs = ends.reduce((n, e) => n + (e.type === 'speech-end' ? e.endMs - e.startMs : 0), 0)
  expect(ends.length).toBeGreaterThanOrEqual(1)
  expect(speechMs).toBeGreaterThan(seconds * 1000 * 0.6)
}, 60_000) // compute-bound (synthesis, then Silero over every frame): a loaded machine gets time; its speed is `npm run bench`'s
