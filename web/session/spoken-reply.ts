import type { Playback } from '../engines/playback/playback.ts'
import { SentenceSegmenter } from '../engines/tts/sentence-segmenter.ts'
import type { SpeechSynthesizer } from '../engines/tts/tts.ts'
import { errorCode, isAbort } from '../lib/errors.ts'

/** Where a reply's sentences go: playback, or a hold for an answer made ahead of its turn. */
export type ReplySink = Pick<Playback, 'reset' | 'enqueue' | 'finish'>

/**
 * One reply, spoken: streamed text → sentences → speech → playback. Each sentence is sent to the
 * synthesizer the moment it is complete (so later ones are made while earlier ones play), and
 * played strictly in order. It lives as long as its turn: the turn's abort stops synthesis and
 * drops what playback holds.
 */
export class SpokenReply {
  private readonly segmenter = new SentenceSegmenter()
  private chain: Promise<void> = Promise.resolve()
  private failed = false
  private sentences = 0

  constructor(
    /** The voice now: it can change mid-reply (Settings), and later sentences go to the new one. */
    private readonly voice: () => SpeechSynthesizer | null,
    private readonly playback: ReplySink,
    private readonly signal: AbortSignal,
    private readonly onError: (err: unknown) => void,
    /** Latency marks: the first sentence complete, its audio ready. */
    private readonly onMark: (stage: 'firstSentence' | 'ttsFirstAudio') => void = () => {},
    /** How fast the voice speaks now (settings, or the agent's `set_speaking_rate`): read per sentence. */
    private readonly rate: () => number = () => 1,
  ) {
    playback.reset()
  }

  push(delta: string) {
    for (const sentence of this.segmenter.push(delta)) this.say(sentence)
  }

  /** The text is complete: speak what is left, then let playback report the end. */
  end() {
    for (const sentence of this.segmenter.flush()) this.say(sentence)
    this.chain = this.chain.then(() => {
      if (!this.signal.aborted && !this.failed) this.playback.finish()
    })
  }

  private say(text: string) {
    const { signal } = this
    if (signal.aborted) return
    const first = this.sentences++ === 0
    if (first) this.onMark('firstSentence')
    const synth = this.voice()
    if (!synth) return
    const speech = synth.synthesize(text, { signal, rate: this.rate() })
    if (first) speech.then(() => !signal.aborted && this.onMark('ttsFirstAudio'), () => {})
    speech.catch(() => {}) // handled in order below
    this.chain = this.chain.then(async () => {
      if (signal.aborted || this.failed) return
      try {
        const { samples, sampleRate, phonemes } = await speech.catch((err: unknown) => {
          // The voice was switched while this sentence was in it: the new voice says it.
          const now = this.voice()
          if ((replaced(err) || isAbort(err)) && !signal.aborted && now && now !== synth) return now.synthesize(text, { signal, rate: this.rate() })
          throw err
        })
        if (!signal.aborted) this.playback.enqueue({ text, samples, sampleRate, phonemes })
      } catch (err) {
        if (signal.aborted || isAbort(err)) return
        // The voice failed: the words stay in the transcript; the turn ends.
        this.failed = true
        this.onError(err)
      }
    })
  }
}

/** A worker synthesizer stopped by the session (another voice was chosen), as opposed to one that failed. */
const replaced = (err: unknown) => errorCode(err) === 'worker_stopped'
