/** Starts the workers that hold eSpeak NG (their own assets; replaced by voice-workers.off.ts when PARLEY_ESPEAK=off). */
export const espeakIncluded = true

export function startEspeakWorker(): Worker {
  return new Worker(new URL('./espeak/espeak.worker.ts', import.meta.url), { type: 'module', name: 'parley-espeak' })
}

/** Kokoro's worker: its phonemizer is eSpeak NG, so it comes and goes with it. */
export function startKokoroWorker(): Worker {
  return new Worker(new URL('./kokoro/kokoro.worker.ts', import.meta.url), { type: 'module', name: 'parley-kokoro' })
}
