/// <reference lib="webworker" />
// On-device speech with eSpeak NG compiled to WebAssembly (GPL-3.0: this worker and its wasm are
// a separate, optional asset — see the README; `PARLEY_ESPEAK=off` builds Parley without it).
// The wasm is compiled once; each sentence runs the espeak-ng program in a fresh instance of it.
import ESpeakNg from 'espeak-ng'
import wasmUrl from 'espeak-ng/dist/espeak-ng.wasm?url'
import { decodeWav } from '../../lib/audio/wav.ts'
import { serveRequests } from '../../lib/worker-rpc.ts'
import type { EspeakEvent, EspeakRequest } from './espeak-protocol.ts'

declare const self: DedicatedWorkerGlobalScope

let compiled: Promise<WebAssembly.Module> | undefined
const emit = (e: EspeakEvent, transfer: Transferable[] = []) => self.postMessage(e, transfer)

function compile(): Promise<WebAssembly.Module> {
  compiled ??= WebAssembly.compileStreaming(fetch(wasmUrl)).catch((err: unknown) => {
    compiled = undefined
    throw Object.assign(new Error(`The on-device voice could not be loaded (${(err as Error).message}).`), { code: 'tts_load_failed' })
  })
  return compiled
}

async function run(args: string[]): Promise<Uint8Array> {
  const module = await compile()
  const instance = await ESpeakNg({
    arguments: args,
    print: () => {},
    printErr: () => {},
    instantiateWasm(imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance) => void) {
      void WebAssembly.instantiate(module, imports).then(done)
      return {}
    },
  })
  try {
    return instance.FS.readFile('out.wav') as Uint8Array
  } catch {
    throw Object.assign(new Error('The on-device voice produced no audio for this text.'), { code: 'tts_failed' })
  }
}

serveRequests<EspeakRequest>(self, async (req) => {
  if (req.type === 'load') {
    const t = performance.now()
    await run(['-w', 'out.wav', 'warm up']) // warm-up before ready
    return emit({ type: 'ready', id: req.id, loadMs: performance.now() - t })
  }
  const t = performance.now()
  // Text goes in as one argument: nothing in it can become a command-line option.
  const wav = await run(['-v', req.voice, '-s', String(req.wordsPerMinute), '-w', 'out.wav', '--', req.text])
  const { samples, sampleRate } = decodeWav(wav)
  emit({ type: 'result', id: req.id, samples, sampleRate, ms: performance.now() - t }, [samples.buffer])
})
