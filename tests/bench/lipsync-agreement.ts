/**
 * How good is lip-sync from audio alone? On speech.wav (eSpeak NG), against the visemes of the
 * true phoneme timings (speech-phonemes.json, from eSpeak NG's own phoneme events), every 10 ms
 * of speech: how open the mouth is (correlation of the two jaw openings), and whether the two
 * agree on the kind of mouth shape (closed, lip-teeth, tongue consonant, hiss, open, spread, round).
 */
import ESpeakNg from 'espeak-ng'
import { readFileSync } from 'node:fs'
import { AudioVisemes } from '../../web/engines/avatar/audio-visemes.ts'
import type { Viseme } from '../../web/engines/avatar/bundle.ts'
import { JAW } from '../../web/engines/avatar/pose.ts'
import { spansFromPhonemes, VisemeTrack } from '../../web/engines/avatar/visemes.ts'
import { estimateTimings } from '../../web/engines/tts/espeak/phoneme-estimate.ts'
import { decodeWav } from '../../web/lib/audio/wav.ts'
import { root } from './harness.ts'

const KIND: Record<Viseme, string> = { sil: 'closed', PP: 'closed', FF: 'lip-teeth', TH: 'lip-teeth', DD: 'tongue', nn: 'tongue', kk: 'tongue', RR: 'tongue', SS: 'hiss', CH: 'hiss', aa: 'open', E: 'open', I: 'spread', O: 'round', U: 'round' }

const dominant = (w: Map<Viseme, number>) => [...w].sort((a, b) => b[1] - a[1])[0]![0]
const opening = (w: Map<Viseme, number>) => [...w].reduce((n, [v, x]) => n + JAW[v] * x, 0)

function pearson(a: number[], b: number[]) {
  const n = a.length
  const ma = a.reduce((s, x) => s + x, 0) / n
  const mb = b.reduce((s, x) => s + x, 0) / n
  let num = 0
  let da = 0
  let db = 0
  for (let i = 0; i < n; i++) {
    num += (a[i]! - ma) * (b[i]! - mb)
    da += (a[i]! - ma) ** 2
    db += (b[i]! - mb) ** 2
  }
  return num / Math.sqrt(da * db)
}

type Truth = { sentences: { text: string; start: number; end: number; phonemes: { symbol: string; startMs: number; endMs: number }[] }[] }
const fixture = () => ({
  samples: decodeWav(readFileSync(`${root}tests/fixtures/speech.wav`)).samples,
  truth: JSON.parse(readFileSync(`${root}tests/fixtures/speech-phonemes.json`, 'utf8')) as Truth,
})

/** The audio-only driver on speech.wav, against the truth. */
export function lipsyncAgreement() {
  const { samples } = fixture()
  const fromAudio = new VisemeTrack()
  const t = performance.now()
  const spans = new AudioVisemes().push(samples)
  const msPer10ms = (performance.now() - t) / spans.length
  fromAudio.add(spans)
  return { ...agreement(fromAudio), msPer10ms }
}

/**
 * Estimated phoneme timings (the eSpeak NG program's phonemes laid over its own audio, as the
 * on-device voice does) for the same sentences, against the truth.
 */
export async function estimatedAgreement() {
  const { truth } = fixture()
  const track = new VisemeTrack()
  for (const s of truth.sentences) {
    const args = ['-v', 'en-us', '-s', '150']
    const audio = await ESpeakNg({ arguments: [...args, '-w', 'out.wav', '--', s.text] })
    const { samples, sampleRate } = decodeWav(audio.FS.readFile('out.wav'))
    const lines: string[] = []
    await ESpeakNg({ arguments: ['-q', '--ipa', '--sep=_', ...args, '--', s.text], print: (l: string) => lines.push(l) })
    // speech.wav holds each sentence with its leading silence trimmed (sox, below 0.1%).
    const lead = samples.findIndex((x) => Math.abs(x) > 0.001)
    const offset = s.start * 1000 - (lead * 1000) / sampleRate
    track.add(spansFromPhonemes(estimateTimings(lines, samples, sampleRate), offset))
  }
  return agreement(track)
}

function agreement(fromAudio: VisemeTrack) {
  const { samples, truth } = fixture()
  const reference = new VisemeTrack()
  for (const s of truth.sentences) reference.add(spansFromPhonemes(s.phonemes))

  const a: number[] = []
  const b: number[] = []
  let same = 0
  let frames = 0
  let silentFrames = 0
  let silentClosed = 0
  const byKind: Record<string, { n: number; same: number }> = {}
  const end = (samples.length / 16000) * 1000
  for (let ms = 0; ms < end; ms += 10) {
    const inSpeech = truth.sentences.some((s) => ms >= s.start * 1000 && ms < s.end * 1000)
    const r = reference.sample(ms)
    const x = fromAudio.sample(ms)
    if (!inSpeech) {
      silentFrames++
      if (opening(x) < 0.1) silentClosed++
      continue
    }
    frames++
    a.push(opening(r))
    b.push(opening(x))
    const kr = KIND[dominant(r)]
    const kx = KIND[dominant(x)]
    byKind[kr] ??= { n: 0, same: 0 }
    byKind[kr].n++
    if (kr === kx) {
      same++
      byKind[kr].same++
    }
  }
  return {
    frames,
    openingCorrelation: pearson(a, b),
    kindAgreement: same / frames,
    byKind: Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, { frames: v.n, agreement: v.same / v.n }])),
    closedInSilence: silentClosed / silentFrames,
  }
}

if (process.argv[1]?.endsWith('lipsync-agreement.ts')) console.log(JSON.stringify({ audio: lipsyncAgreement(), estimated: await estimatedAgreement() }, null, 1))
