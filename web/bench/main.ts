// The page `npm run bench` drives in Chromium (built only with `vite build --mode bench`): it runs
// the real engines — VAD worker, ASR worker — on audio handed in by the bench, and reports timings.
import { documentsIndex, documentsSearch } from './documents.ts'
import { llmCancel, llmStream, llmTurns } from './llm.ts'
import { createLocalRecognizer } from '../engines/asr/local-recognizer.ts'
import { Playback } from '../engines/playback/playback.ts'
import { createEspeakSynthesizer } from '../engines/tts/espeak/synthesizer.ts'
import { createKokoroSynthesizer } from '../engines/tts/kokoro/synthesizer.ts'
import { createRealtimeBrain } from '../engines/realtime/brain.ts'
import { initialTurn, nextTurn } from '../session/turn-taking.ts'
import { startVad } from '../engines/vad/client.ts'
import type { VadEvent } from '../engines/vad/protocol.ts'

const FRAME = 512
/** What the capture worklet sends at a time (8 ms). */
const HOP = 128

/**
 * Feeds 16 kHz audio to the VAD worker in 512-sample frames through a MessagePort, as the
 * capture worklet does, as fast as the worker takes them, and collects what it reports.
 */
async function vad(samples: Float32Array, redemptionMs: number) {
  const client = await startVad({ redemptionMs })
  const channel = new MessageChannel()
  await client.attach(channel.port2)
  const ends: Extract<VadEvent, { type: 'speech-end' }>[] = []
  client.on('speech-end', (e) => ends.push(e))
  const started = performance.now()
  let sent = 0
  for (let i = 0; i + FRAME <= samples.length; i += FRAME, sent++) {
    const frame = samples.slice(i, i + FRAME)
    channel.port1.postMessage({ type: 'frame', samples: frame }, [frame.buffer])
  }
  // Frames travel on their own port, apart from requests: wait until the worker has seen them all.
  let stats = await client.stats()
  while (stats.frames < sent) {
    await new Promise((r) => setTimeout(r, 10))
    stats = await client.stats()
  }
  const wallMs = performance.now() - started
  client.stop()
  return { ...stats, wallMs, segments: ends.map((e) => ({ startMs: e.startMs, endMs: e.endMs, detectedAtMs: e.detectedAtMs })) }
}

/** Loads the model, then times `runs` transcriptions of `audio`: seen from here and inside the worker. */
async function asr(modelId: string, device: 'wasm' | 'webgpu', audio: Float32Array, runs: number) {
  const recognizer = createLocalRecognizer({ modelId, device, allowRemote: false })
  const loadStart = performance.now()
  await recognizer.load()
  const loadMs = performance.now() - loadStart
  const results: { totalMs: number; workerMs: number; text: string }[] = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    const out = await recognizer.transcribe(audio.slice(), {})
    results.push({ totalMs: performance.now() - t, workerMs: out.ms, text: out.text })
  }
  recognizer.dispose()
  return { loadMs, results }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Barge-in, as the app wires it: the reply plays (the real Playback, its clock and audio given to
 * the VAD worker's echo gate as the session gives them), the microphone's audio reaches the worker
 * in real time in 8 ms hops (as the capture worklet sends it), and its onset or speech-start goes
 * through the turn machine, whose pause-reply effect silences playback. Measured from the moment the
 * speech in `audio` really starts (sample `speechStart`) to the moment the listener hears silence
 * (the fade-out's end on the output device's clock, its latency included). Each run feeds from
 * `from` to a little after the detection; each run starts 3.2 ms later in the audio than the one
 * before (over 10 runs, every place in a 32 ms frame), as a real speaker's first sound falls anywhere.
 */
async function bargeIn(audio: Float32Array, from: number, speechStart: number, runs: number, realtime?: { url: string; model: string }) {
  const vad = await startVad({ redemptionMs: 300 })
  const channel = new MessageChannel()
  await vad.attach(channel.port2)
  const tone = new Float32Array(24000 * 4).map((_, i) => 0.3 * Math.sin((2 * Math.PI * 220 * i) / 24000))
  // Realtime: the answer is the model's own audio, streamed through the relay in 100 ms deltas.
  const brain = realtime ? createRealtimeBrain({ ...realtime, turns: 'parley', endOfSpeechMs: 300 }) : undefined
  const results: { latencyMs: number; detectMs: number; silenceMs: number; outputLatencyMs: number; by: string }[] = []
  for (let run = 0; run < runs; run++) {
    const start = from - Math.round((run % 10) * 51.2)
    let heardMs = 0
    const playback = new Playback({ clock: (clock) => vad.echoClock(clock) })
    await playback.unlock()
    const answer = new AbortController()
    const play = (chunk: { text: string; samples: Float32Array; sampleRate: number }) => {
      vad.echoAudio(heardMs, chunk.samples.slice(), chunk.sampleRate, heardMs === 0)
      heardMs += (chunk.samples.length / chunk.sampleRate) * 1000
      playback.enqueue(chunk)
    }
    if (brain) {
      let first: () => void = () => {}
      const heard = new Promise<void>((r) => (first = r))
      void (async () => {
        const deltas = brain.agent.reply({ history: [{ role: 'user', content: 'Tell me a long story.' }], systemPrompt: '', signal: answer.signal, onVoice: (c) => (play(c), first()) })
        for await (const _ of deltas);
      })().catch(() => {})
      await heard
    } else play({ text: 'a long answer', samples: tone, sampleRate: 24000 })
    await sleep(300)
    let turn = nextTurn(nextTurn(initialTurn, { type: 'typed', text: 'hi' }).state, { type: 'reply-audible' }).state
    const posted: number[] = []
    let detectedAt = 0
    let silentAt = 0
    let by = ''
    // As the session does: the first likely sound (an onset) pauses the answer, or the speech's start when it comes at once.
    const react = (event: 'onset' | 'speech-start') => {
      if (!detectedAt) (detectedAt = performance.now()), (by = event)
      const out = nextTurn(turn, { type: event })
      turn = out.state
      if (out.effects.some((e) => e.type === 'pause-reply')) void playback.pause().then((at) => (silentAt = at))
    }
    const offs = [vad.on('speech-onset', () => react('onset')), vad.on('speech-start', () => react('speech-start'))]
    const off = () => offs.forEach((o) => o())
    const t0 = performance.now()
    for (let i = start, k = 0; i + HOP <= audio.length; i += HOP, k++) {
      // A hop leaves the microphone when its last sample is captured.
      const due = t0 + ((k + 1) * HOP * 1000) / 16000
      const wait = due - performance.now()
      if (wait > 1) await sleep(wait)
      const hop = audio.slice(i, i + HOP)
      channel.port1.postMessage({ type: 'frame', samples: hop }, [hop.buffer])
      posted.push(performance.now())
      if (silentAt && i > speechStart + 16000 * 0.1) break
    }
    off()
    // The moment the user started speaking: the hop holding that sample was posted when its last sample came in.
    const k = Math.floor((speechStart - start) / HOP)
    const spokeAt = posted[k]! - (((k + 1) * HOP - (speechStart - start)) * 1000) / 16000
    const ctx = (playback as unknown as { context: AudioContext }).context
    results.push({ latencyMs: silentAt - spokeAt, detectMs: detectedAt - spokeAt, silenceMs: silentAt - detectedAt, outputLatencyMs: ((ctx.outputLatency || 0) + ctx.baseLatency) * 1000, by })
    answer.abort()
    playback.cancel()
    await playback.close()
    // Silence between runs ends the VAD's segment.
    for (let j = 0; j < 80; j++) {
      const quiet = new Float32Array(HOP)
      channel.port1.postMessage({ type: 'frame', samples: quiet }, [quiet.buffer])
    }
    await sleep(200)
  }
  vad.stop()
  brain?.dispose()
  return results
}

/** The on-device voice: load time, then per sentence the time to its audio and the real-time factor. */
async function espeak(text: string, runs: number) {
  const synth = createEspeakSynthesizer()
  const coldStart = performance.now()
  const first = await synth.synthesize(text, {})
  const coldMs = performance.now() - coldStart
  const results: { ms: number; audioSeconds: number }[] = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    const out = await synth.synthesize(text, {})
    results.push({ ms: performance.now() - t, audioSeconds: out.samples.length / out.sampleRate })
  }
  synth.dispose?.()
  return { coldMs, audioSeconds: first.samples.length / first.sampleRate, results }
}

/**
 * Kokoro's path with a given model (here the tiny generated one): load time, then per sentence the
 * time to its audio, and what came with it (IPA, phoneme timings).
 */
async function kokoro(modelId: string, text: string, runs: number) {
  const synth = createKokoroSynthesizer({ modelId, voice: 'af_heart', device: 'wasm', allowRemote: false })
  const t = performance.now()
  await synth.load()
  const loadMs = performance.now() - t
  const results: { ms: number; audioSeconds: number; phonemes: number }[] = []
  let sample: { phonemes: unknown[] } | undefined
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    const out = await synth.synthesize(text, {})
    results.push({ ms: performance.now() - t0, audioSeconds: out.samples.length / out.sampleRate, phonemes: out.phonemes?.length ?? 0 })
    sample ??= { phonemes: out.phonemes?.slice(0, 6) ?? [] }
  }
  synth.dispose?.()
  return { loadMs, results, sample }
}

Object.assign(window, { parleyBench: { vad, asr, bargeIn, espeak, kokoro, documentsIndex, documentsSearch, llmStream, llmCancel, llmTurns } })
document.body.dataset.ready = 'true'
