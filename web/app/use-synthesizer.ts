import { useEffect, useMemo, useState } from 'react'
import { espeakAvailable, createEspeakSynthesizer } from '../engines/tts/espeak-synthesizer.ts'
import { createKokoroSynthesizer } from '../engines/tts/kokoro-synthesizer.ts'
import { createRelaySynthesizer } from '../engines/tts/relay-synthesizer.ts'
import type { SpeechSynthesizer } from '../engines/tts/tts.ts'
import type { Settings } from '../features/settings/settings-store.ts'
import type { FileProgress } from './use-recognizer.ts'

interface Options {
  settings: Settings
  /** Capabilities known: the relay's voice is there, or not (null while loading). */
  relayVoice: boolean | null
  token?: string
  webgpu: boolean
  /** Whether the Kokoro model is on this server (undefined while checking). */
  kokoroHosted: boolean | undefined
}

/**
 * The voice that says the answers: the relay's when it has one and the user left it on
 * automatic, else eSpeak NG on the device — or Kokoro on the device when chosen, with its
 * download progress and where it really runs.
 */
export function useSynthesizer({ settings, relayVoice, token, webgpu, kokoroHosted }: Options) {
  const [progress, setProgress] = useState<Record<string, FileProgress>>({})
  const [kokoroDevice, setKokoroDevice] = useState<string>()
  const engine = settings.voiceEngine
  const allowRemote = settings.allowRemoteModels ?? kokoroHosted === false
  const device = webgpu && settings.modelDevice !== 'wasm' ? 'webgpu' : 'wasm'
  const synth = useMemo<(SpeechSynthesizer & { load?(): Promise<void> }) | null>(() => {
    if (!settings.speakAnswers || relayVoice === null) return null
    if (engine === 'kokoro' && espeakAvailable) {
      if (kokoroHosted === undefined && settings.allowRemoteModels === null) return null
      return createKokoroSynthesizer({
        modelId: settings.kokoroModel,
        voice: settings.kokoroVoice,
        device,
        allowRemote,
        onProgress: (info) => {
          if (!info.file) return
          const file = info.file
          setProgress((p) => ({ ...p, [file]: { file, loaded: info.loaded ?? p[file]?.loaded ?? 0, total: info.total ?? p[file]?.total ?? 0, done: info.status === 'done' || p[file]?.done === true } }))
        },
        onReady: (r) => setKokoroDevice(r.device),
      })
    }
    if (engine === 'auto' && relayVoice) return createRelaySynthesizer({ voice: settings.ttsVoice ?? undefined, token })
    return espeakAvailable ? createEspeakSynthesizer() : null
  }, [settings.speakAnswers, relayVoice, engine, settings.kokoroModel, settings.kokoroVoice, settings.ttsVoice, settings.allowRemoteModels, device, allowRemote, kokoroHosted, token])
  useEffect(() => {
    setProgress({})
    return () => synth?.dispose?.()
  }, [synth])

  const files = Object.values(progress)
  const loading = files.length > 0 && files.some((f) => !f.done)
  const fraction = loading ? files.reduce((n, f) => n + f.loaded, 0) / Math.max(1, files.reduce((n, f) => n + f.total, 0)) : null
  const label = !synth
    ? 'voice off'
    : `voice: ${synth.label}${engine === 'kokoro' && device === 'webgpu' && kokoroDevice === 'wasm' ? ' (WebGPU failed: WASM)' : ''}${fraction !== null ? ` · loading ${Math.round(fraction * 100)}%` : ''}`
  return { synth, label, progress }
}
