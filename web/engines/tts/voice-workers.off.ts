/** This build leaves out eSpeak NG (PARLEY_ESPEAK=off): no worker, no GPL code, no wasm — and so no Kokoro. */
export const espeakIncluded = false

export function startEspeakWorker(): Worker {
  throw new Error('This build of Parley has no on-device voice (built with PARLEY_ESPEAK=off).')
}

export function startKokoroWorker(): Worker {
  throw new Error('This build of Parley has no Kokoro voice: its phonemizer is eSpeak NG (built with PARLEY_ESPEAK=off).')
}
