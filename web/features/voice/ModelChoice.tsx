import type { Ref } from 'react'

interface Props {
  /** The on-device speech model the settings name (a hub id, e.g. onnx-community/whisper-base). */
  modelId: string
  modelName: string
  /** Its parameter count in millions, when the manifest says: ~1 byte each at 8-bit (the CPU), ~4 at full precision (WebGPU). */
  paramsMillions?: number
  /** The weights it would load here: 8-bit on the CPU, 16- or 32-bit floats on WebGPU. */
  weights: 'q8' | 'fp16' | 'fp32'
  /** The relay can recognise speech (audio would then leave the device, for the relay's service). */
  relayAsr: boolean
  onDownload(): void
  onUseRelay(): void
  /** "Not now": typing only, the card folds into one line. */
  onDismiss(): void
  /** Takes focus when the card is opened again. */
  focusRef?: Ref<HTMLElement>
}

const BYTES_PER_WEIGHT = { q8: 1, fp16: 2, fp32: 4 } as const

/**
 * Shown instead of a dead microphone when no speech model is here: the ways to get one, each a
 * tap away, with what each costs (a download from Hugging Face, or audio sent to the relay).
 */
export function ModelChoice({ modelId, modelName, paramsMillions, weights, relayAsr, onDownload, onUseRelay, onDismiss, focusRef }: Props) {
  const mb = paramsMillions && paramsMillions * BYTES_PER_WEIGHT[weights]
  return (
    <section ref={focusRef} tabIndex={-1} className="model-choice" data-testid="speech-model-choice" aria-labelledby="model-choice-title">
      <h3 id="model-choice-title" className="model-choice__title">
        Voice needs a speech model
      </h3>
      <p className="model-choice__text">
        {modelName} is not on this server. A download comes from Hugging Face once; your audio stays on this device.
      </p>
      <div className="model-choice__actions">
        <button type="button" className="primary-button" data-testid="download-speech-model" onClick={onDownload}>
          Download{mb ? ` · ${mb} MB` : ''}
        </button>
        {relayAsr && (
          <button type="button" className="ghost-button" data-testid="use-relay-asr" onClick={onUseRelay}>
            Use the relay
          </button>
        )}
        <button type="button" className="ghost-button" data-testid="dismiss-model-choice" onClick={onDismiss}>
          Not now
        </button>
      </div>
      {/* The details fold away: on a phone the conversation must stay in view beside this question. */}
      <details className="model-choice__more">
        <summary>What each choice means</summary>
        <p>
          <strong>Download</strong>{mb ? ` — about ${mb} MB for ${weights === 'q8' ? 'the CPU' : 'WebGPU'}` : ''}: the browser keeps the model, and
          downloads of on-device models are allowed from then on (Settings → Privacy &amp; models). Recognition runs on this device.
        </p>
        {relayAsr && <p><strong>Use the relay</strong>: each sentence you say is sent to the relay’s speech service.</p>}
        <p>
          <strong>Run this server?</strong> Add the model for everyone: <code>npm run models:fetch -- {modelId}</code>, then reload.
        </p>
      </details>
    </section>
  )
}
