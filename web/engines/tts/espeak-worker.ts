/** Starts the workers that hold eSpeak NG (their own assets; replaced by espeak-worker.off.ts when PARLEY_ESPEAK=off). */
export const espeakIncluded = true

export function startEspeakWorker(): Worker {
  return new Worker(new URL('./espeak.worker.ts', import.meta.url), { type: 'module', name: 'parley-espeak' })
}

/** Kokoro's worker: its phonemizer is eSpeak NG, so it comes and goes with it. */
export function startKokoroWorker(): Worker {
  return new Worker(new URL('./kokoro.worker.ts', import.meta.url), { type: 'module', name: 'parley-kokoro' })
}
