/** This build leaves out eSpeak NG (PARLEY_ESPEAK=off): no worker, no GPL code, no wasm. */
export const espeakIncluded = false

export function startEspeakWorker(): Worker {
  throw new Error('This build of Parley has no on-device voice (built with PARLEY_ESPEAK=off).')
}
