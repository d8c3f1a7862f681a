/**
 * Answering benchmarks in real Chromium (headless):
 * - turn latency in the real app, fake microphone, with stand-in upstreams (ASR, LLM, TTS) that
 *   answer at once: the end of the user's speech → the answer's first audible sample, stage by
 *   stage, from the session log the app exports (DESIGN §7). With the relay's voice everything
 *   measured is overhead; with eSpeak NG the voice stage is on-device synthesis;
 * - barge-in: the user's speech starts (known sample in the fixture) → the answer is silent, with
 *   the real VAD worker, turn machine and playback, frames fed at the microphone's pace;
 * - eSpeak NG in its worker: time to the audio of a 12-word sentence, and real-time factor.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { chromium } from '@playwright/test'
import { loadConfig } from '../../relay/config.ts'
import { startRelay } from '../../relay/node.ts'
import { decodeWav } from '../../web/lib/audio/wav.ts'
import type { Stage } from '../../web/session/turn-log.ts'
import { startFakeLlm } from '../fakes/llm-upstream.ts'
import { startFakeSpeech } from '../fakes/speech-upstream.ts'
import { startFakeTranscriber } from '../fakes/transcription-upstream.ts'
import { prepareTestModels, TINY_KOKORO } from '../e2e/models.ts'
import { baseArgs, chromiumPath, spokenConversation } from './conversation.ts'
import { type Benchmark, markdownTable, ms, percentile, root, summarize } from './harness.ts'

const KEY = 'sk-bench-not-a-real-key'
const TWELVE_WORDS = 'The weather tomorrow will be bright and warm with a light breeze.'
const BARGE_IN_RUNS = 20
const ESPEAK_RUNS = 10
/** Stages from the end of speech to the first audible sample, in order. */
const PATH: Stage[] = ['speechEnd', 'asrFinal', 'llmFirstToken', 'firstSentence', 'ttsFirstAudio', 'playbackStart']
const LABEL: Partial<Record<Stage, string>> = {
  asrFinal: 'speech end → transcript (relay ASR)',
  llmFirstToken: 'transcript → first token (relay LLM)',
  firstSentence: 'first token → first sentence (segmenter)',
  ttsFirstAudio: 'first sentence → first audio (TTS)',
  playbackStart: 'first audio → audible (playback, output latency)',
}

type Timestamps = Partial<Record<Stage, number | null>>
type Bench = { parleyBench: Record<string, (...a: unknown[]) => Promise<unknown>> }

export const answer: Benchmark = {
  name: 'answer',
  async run() {
    execFileSync(`${root}node_modules/.bin/vite`, ['build', '--mode', 'bench', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' })
    const llm = await startFakeLlm({ apiKey: KEY, chunkDelayMs: 0 })
    const asr = await startFakeTranscriber({ apiKey: KEY })
    const speech = await startFakeSpeech({ apiKey: KEY })
    const upstreams = { LLM_BASE_URL: llm.baseUrl, LLM_API_KEY: KEY, LLM_MODEL: 'fake-model', ASR_BASE_URL: asr.baseUrl, ASR_API_KEY: KEY }
    const relay = await startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0', ...upstreams, TTS_BASE_URL: speech.baseUrl, TTS_API_KEY: KEY }), { distDir: `${root}build/bench`, log: () => {} })
    const espeakRelay = await startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0', ...upstreams }), { distDir: `${root}build/bench`, log: () => {} })
    const browser = await chromium.launch({ executablePath: chromiumPath, args: baseArgs })
    try {
      // Short answers, over before the fixture's next question (the relay's voice: 0.3 s a sentence).
      const answerTurns = async (url: string, launches: number, text: string) => {
        const turns: Timestamps[] = []
        for (let i = 0; i < launches; i++) {
          llm.next(...Array.from({ length: 3 }, () => ({ kind: 'reply' as const, text, chunkDelayMs: 0 })))
          speech.next(...Array.from({ length: 6 }, () => ({ kind: 'audio' as const, seconds: 0.3, chunkDelayMs: 0 })))
          turns.push(...((await spokenConversation(url, { asrPlacement: 'relay' })) as Timestamps[]))
        }
        return turns
      }
      const relayTurns = await answerTurns(relay.url, 4, 'Sure, I can hear you well. It is a fine day today.')
      const espeakTurns = await answerTurns(espeakRelay.url, 2, 'Yes, I can hear you.')

      const page = await browser.newPage()
      await page.goto(`${relay.url}/bench/index.html`)
      await page.waitForSelector('body[data-ready="true"]')
      const fixture = JSON.parse(readFileSync(`${root}tests/fixtures/speech.json`, 'utf8')) as { files: Record<string, { speech: { start: number; end: number }[] }> }
      const second = fixture.files['speech.wav']!.speech[1]!
      const { samples } = decodeWav(readFileSync(`${root}tests/fixtures/speech.wav`))
      const bargeIn = (await page.evaluate(
        ([a, from, start, runs]) => (window as never as Bench).parleyBench.bargeIn!(Float32Array.from(a), from, start, runs),
        [Array.from(samples), Math.round((second.start - 1) * 16000), Math.round(second.start * 16000), BARGE_IN_RUNS] as const,
      )) as { latencyMs: number; detectMs: number; silenceMs: number; outputLatencyMs: number }[]
      const espeak = (await page.evaluate(([t, n]) => (window as never as Bench).parleyBench.espeak!(t, n), [TWELVE_WORDS, ESPEAK_RUNS] as const)) as {
        coldMs: number
        audioSeconds: number
        results: { ms: number; audioSeconds: number }[]
      }

      prepareTestModels()
      const kokoro = (await page.evaluate(([id, t, n]) => (window as never as Bench).parleyBench.kokoro!(id, t, n), [TINY_KOKORO, TWELVE_WORDS, ESPEAK_RUNS] as const)) as {
        loadMs: number
        results: { ms: number; audioSeconds: number; phonemes: number }[]
        sample: { phonemes: { symbol: string; startMs: number; endMs: number }[] }
      }
      const kokoroMs = summarize(kokoro.results.map((r) => r.ms))

      const stages = (turns: Timestamps[]) =>
        Object.fromEntries(PATH.slice(1).map((stage, i) => [stage, summarize(turns.filter((t) => t[stage] && t[PATH[i]!]).map((t) => t[stage]! - t[PATH[i]!]!))]))
      const totals = (turns: Timestamps[]) => summarize(turns.filter((t) => t.playbackStart && t.speechEnd).map((t) => t.playbackStart! - t.speechEnd!))
      const relayStages = stages(relayTurns)
      const espeakStages = stages(espeakTurns)
      const espeakMs = summarize(espeak.results.map((r) => r.ms))
      const rtf = espeak.audioSeconds * 1000 / espeakMs.p50
      const data = {
        turn: { relay: { turns: relayTurns.length, stages: relayStages, total: totals(relayTurns) }, espeak: { turns: espeakTurns.length, stages: espeakStages, total: totals(espeakTurns) } },
        bargeIn: { runs: bargeIn, latency: summarize(bargeIn.map((r) => r.latencyMs)), detect: summarize(bargeIn.map((r) => r.detectMs)), silence: summarize(bargeIn.map((r) => r.silenceMs)) },
        kokoroTinyModel: { loadMs: kokoro.loadMs, timeToAudioMs: kokoroMs, phonemesPerSentence: kokoro.results[0]?.phonemes, firstPhonemes: kokoro.sample.phonemes },
        espeak: { sentence: TWELVE_WORDS, coldStartMs: espeak.coldMs, audioSeconds: espeak.audioSeconds, warmMs: espeakMs, realTimeFactor: rtf },
      }
      const p = (s: { p50: number; p99: number }) => `${ms(s.p50)} / ${ms(s.p99)}`
      const table = markdownTable(
        ['metric (p50 / p99 where two)', 'value', 'target'],
        [
          ...PATH.slice(1).map((stage) => [`${LABEL[stage]} — instant upstreams`, p(relayStages[stage]!), '']),
          [`**speech end → first audible sample, all overhead** (${relayTurns.length} turns)`, `**${p(data.turn.relay.total)}**`, '≤ 150 ms'],
          [`… with eSpeak NG on the device: first sentence → first audio (synthesis)`, p(espeakStages.ttsFirstAudio!), 'model compute'],
          [`… with eSpeak NG: speech end → first audible sample (${espeakTurns.length} turns)`, p(data.turn.espeak.total), ''],
          ['(before all this: the end-of-speech wait, a setting)', '500 ms redemption + ≤ 1 frame', 'see voice'],
          [`barge-in: user speech starts → answer silent (p50 / p95, ${bargeIn.length} runs)`, `${ms(data.bargeIn.latency.p50)} / ${ms(percentile(bargeIn.map((r) => r.latencyMs).sort((a, b) => a - b), 95))}`, '≤ 100 ms p95'],
          ['… of which VAD detection (speech start → speech-start event)', ms(data.bargeIn.detect.p50), ''],
          [`… of which silencing (event → silence at the speakers; output latency ${ms(bargeIn[0]?.outputLatencyMs ?? NaN)})`, ms(data.bargeIn.silence.p50), ''],
          [`eSpeak NG, 12-word sentence (${espeak.audioSeconds.toFixed(2)} s of audio): time to audio, warm (p50 / p99)`, p(espeakMs), ''],
          ['eSpeak NG time to audio from a cold worker (load + first sentence)', ms(espeak.coldMs), ''],
          ['eSpeak NG real-time factor in the worker', `${rtf.toFixed(0)}×`, '≥ 20×'],
          [`Kokoro path with the tiny generated model, 12 words → audio + ${kokoro.results[0]?.phonemes ?? 0} phoneme timings (phonemize, tokenize, run; p50)`, ms(kokoroMs.p50), 'plumbing only: no real weights here'],
        ],
      )
      return { name: this.name, data, table }
    } finally {
      await browser.close()
      await relay.close()
      await espeakRelay.close()
      await llm.close()
      await asr.close()
      await speech.close()
    }
  },
}

