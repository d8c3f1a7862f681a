// The espeak-ng package (an Emscripten build of the espeak-ng program) ships no types.
declare module 'espeak-ng' {
  interface ESpeakInstance {
    FS: { readFile(path: string, options?: { encoding?: 'binary' }): Uint8Array }
  }
  interface ESpeakOptions {
    arguments: string[]
    print?(text: string): void
    printErr?(text: string): void
    instantiateWasm?(imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance) => void): object
  }
  const ESpeakNg: (options: ESpeakOptions) => Promise<ESpeakInstance>
  export default ESpeakNg
}
