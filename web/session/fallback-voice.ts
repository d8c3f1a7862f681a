import type { SpeechSynthesizer } from '../engines/tts/tts.ts'
import { AppError, isAbort } from '../lib/errors.ts'
import type { Synthesizer } from './speaker.ts'

/**
 * A voice with a stand-in: when the chosen one cannot load its model (Kokoro missing, damaged, out
 * of memory), the stand-in (eSpeak NG, nothing to download) says this sentence and every later one,
 * and `onFallback` says why — an answer is never silent because a model is missing.
 */
export function withFallbackVoice(primary: Synthesizer, standIn: () => Synthesizer, onFallback: (err: AppError) => void): Synthesizer {
  let fallback: Synthesizer | null = null
  const switchOver = (err: unknown) => {
    if (fallback) return fallback
    fallback = standIn()
    const why = err instanceof Error ? err.message : String(err)
    onFallback(new AppError('voice_fallback', `${primary.label.split(' · ')[0]} could not load, so ${fallback.label.split(' · ')[0]} speaks instead. ${why}`))
    return fallback
  }
  const cannotLoad = (err: unknown) => err instanceof AppError && (err.code.startsWith('model_') || err.code === 'worker_crashed')
  return {
    get placement() {
      return (fallback ?? primary).placement
    },
    get label() {
      return (fallback ?? primary).label
    },
    async load() {
      if (fallback) return fallback.load?.()
      await primary.load?.().catch((err: unknown) => {
        if (!cannotLoad(err)) throw err
        return switchOver(err).load?.()
      })
    },
    async synthesize(text, options): ReturnType<SpeechSynthesizer['synthesize']> {
      if (fallback) return fallback.synthesize(text, options)
      try {
        return await primary.synthesize(text, options)
      } catch (err) {
        if (isAbort(err) || options.signal?.aborted || !cannotLoad(err)) throw err
        return switchOver(err).synthesize(text, options)
      }
    },
    dispose() {
      primary.dispose?.()
      fallback?.dispose?.()
    },
  }
}
