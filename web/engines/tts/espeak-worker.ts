/** Starts the eSpeak NG worker (its own asset; replaced by espeak-worker.off.ts when PARLEY_ESPEAK=off). */
export const espeakIncluded = true

export function startEspeakWorker(): Worker {
  return new Worker(new URL('./espeak.worker.ts', import.meta.url), { type: 'module', name: 'parley-espeak' })
}
