// The espeak-ng program compiled to WebAssembly (GPL-3.0; only ever loaded inside a worker that
// `PARLEY_ESPEAK=off` leaves out of the build). The wasm is compiled once; each call runs the
// program in a fresh instance of it, as its command line would.
import ESpeakNg from 'espeak-ng'
import wasmUrl from 'espeak-ng/dist/espeak-ng.wasm?url'

let compiled: Promise<WebAssembly.Module> | undefined

function compile(): Promise<WebAssembly.Module> {
  compiled ??= WebAssembly.compileStreaming(fetch(wasmUrl)).catch((err: unknown) => {
    compiled = undefined
    throw Object.assign(new Error(`eSpeak NG could not be loaded (${(err as Error).message}).`), { code: 'tts_load_failed' })
  })
  return compiled
}

/** Runs `espeak-ng <args>`; returns what it printed and, if it wrote one, the file `out.wav`. */
export async function runEspeak(args: string[]): Promise<{ stdout: string[]; wav: Uint8Array | undefined }> {
  const module = await compile()
  const stdout: string[] = []
  const instance = await ESpeakNg({
    arguments: args,
    print: (line: string) => stdout.push(line),
    printErr: () => {},
    instantiateWasm(imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance) => void) {
      void WebAssembly.instantiate(module, imports).then(done)
      return {}
    },
  })
  let wav: Uint8Array | undefined
  try {
    wav = instance.FS.readFile('out.wav') as Uint8Array
  } catch {
    wav = undefined
  }
  return { stdout, wav }
}
