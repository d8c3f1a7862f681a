import { useEffect, useMemo, useState } from 'react'
import type { SpeechRecognizer } from '../engines/asr/asr.ts'
import { createLocalRecognizer, defaultDtype } from '../engines/asr/local-recognizer.ts'
import { MODELS_PATH, type LoadProgress } from '../engines/asr/protocol.ts'
import { createRelayRecognizer } from '../engines/asr/relay-recognizer.ts'
import type { Resolved } from '../session/placement.ts'

export interface FileProgress {
  file: string
  loaded: number
  total: number
  done: boolean
}

/** Is the model on this server (models/<id>/config.json)? Checked once per id; null: not asked. */
export function useSelfHostedModel(modelId: string | null): boolean | undefined {
  const [hosted, setHosted] = useState<Record<string, boolean>>({})
  useEffect(() => {
    if (modelId === null || modelId in hosted) return
    const abort = new AbortController()
    fetch(`${MODELS_PATH}${modelId}/config.json`, { method: 'HEAD', signal: abort.signal }).then(
      (res) => setHosted((h) => ({ ...h, [modelId]: res.ok })),
      () => !abort.signal.aborted && setHosted((h) => ({ ...h, [modelId]: false })),
    )
    return () => abort.abort()
  }, [modelId, hosted])
  return modelId === null ? undefined : hosted[modelId]
}

/**
 * The speech recognizer for the resolved placement: a model in a worker, or the relay. Tracks
 * the model's download progress per file for the progress bars.
 */
export function useRecognizer(asr: Resolved, options: { modelId: string; allowRemote: boolean; token?: string; shaderF16: boolean; onCrash(err: unknown): void }) {
  const [progress, setProgress] = useState<Record<string, FileProgress>>({})
  const [loaded, setLoaded] = useState<{ device: 'webgpu' | 'wasm'; dtype: string; loadMs: number }>()
  const { modelId, allowRemote, token, shaderF16, onCrash } = options
  const recognizer = useMemo<(SpeechRecognizer & { load?(): Promise<void> }) | null>(() => {
    if (asr.placement === 'relay') return createRelayRecognizer({ token })
    if (asr.placement === 'local-webgpu' || asr.placement === 'local-wasm') {
      const device = asr.placement === 'local-webgpu' ? 'webgpu' : 'wasm'
      return createLocalRecognizer({
        modelId,
        device,
        dtype: defaultDtype(device, shaderF16),
        allowRemote,
        onCrash,
        onReady: setLoaded,
        onProgress: (info: LoadProgress) => {
          if (!info.file || !['initiate', 'download', 'progress', 'done'].includes(info.status)) return
          const file = info.file
          setProgress((p) => ({
            ...p,
            [file]: {
              file,
              loaded: info.loaded ?? p[file]?.loaded ?? 0,
              total: info.total ?? p[file]?.total ?? 0,
              done: info.status === 'done' || (p[file]?.done ?? false),
            },
          }))
        },
      })
    }
    return null
  }, [asr.placement, modelId, allowRemote, token, shaderF16, onCrash])
  useEffect(() => {
    setProgress({})
    setLoaded(undefined)
    return () => recognizer?.dispose()
  }, [recognizer])
  return { recognizer, progress: Object.values(progress), loaded }
}
