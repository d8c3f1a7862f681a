/// <reference lib="webworker" />
// On-device speech with eSpeak NG compiled to WebAssembly (GPL-3.0: this worker and its wasm are
// a separate, optional asset — see the README; `PARLEY_ESPEAK=off` builds Parley without it).
import { decodeWav } from '../../../lib/audio/wav.ts'
import { serveRequests } from '../../../lib/worker-rpc.ts'
import type { EspeakEvent, EspeakRequest } from './protocol.ts'
import { runEspeak } from './program.ts'
import { estimateTimings } from './phoneme-estimate.ts'

declare const self: DedicatedWorkerGlobalScope

const emit = (e: EspeakEvent, transfer: Transferable[] = []) => self.postMessage(e, transfer)

async function run(args: string[]): Promise<Uint8Array> {
  const { wav } = await runEspeak(args)
  if (!wav) throw Object.assign(new Error('The on-device voice produced no audio for this text.'), { code: 'tts_failed' })
  return wav
}

serveRequests<EspeakRequest>(self, async (req) => {
  if (req.type === 'load') {
    const t = performance.now()
    await run(['-w', 'out.wav', 'warm up']) // warm-up before ready
    return emit({ type: 'ready', id: req.id, loadMs: performance.now() - t })
  }
  const t = performance.now()
  // Text goes in as one argument: nothing in it can become a command-line option.
  const voice = ['-v', req.voice, '-s', String(req.wordsPerMinute)]
  const wav = await run([...voice, '-w', 'out.wav', '--', req.text])
  const { samples, sampleRate } = decodeWav(wav)
  // The program reports no timings: its phonemes, laid over its audio, stand in for them (lip-sync).
  const { stdout } = await runEspeak(['-q', '--ipa', '--sep=_', ...voice, '--', req.text])
  const phonemes = estimateTimings(stdout, samples, sampleRate)
  emit({ type: 'result', id: req.id, samples, sampleRate, phonemes, ms: performance.now() - t }, [samples.buffer])
})
