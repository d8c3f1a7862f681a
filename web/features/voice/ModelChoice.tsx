interface Props {
  /** The on-device speech model the settings name (a hub id, e.g. onnx-community/whisper-base). */
  modelId: string
  modelName: string
  /** Its parameter count in millions, when the manifest says: ~1 byte each at 8-bit (the CPU), ~4 at full precision (WebGPU). */
  paramsMillions?: number
  /** What it would run on here: WebGPU loads full-precision weights, the CPU 8-bit ones. */
  device: 'webgpu' | 'wasm'
  /** The relay can recognise speech (audio would then leave the device, for the relay's service). */
  relayAsr: boolean
  onDownload(): void
  onUseRelay(): void
  /** "Not now": typing only, the card folds into one line. */
  onDismiss(): void
}

/**
 * Shown instead of a dead microphone when no speech model is here: the ways to get one, each a
 * tap away, with what each costs (a download from Hugging Face, or audio sent to the relay).
 */
export function ModelChoice({ modelId, modelName, paramsMillions, device, relayAsr, onDownload, onUseRelay, onDismiss }: Props) {
  const mb = paramsMillions && paramsMillions * (device === 'webgpu' ? 4 : 1)
  return (
    <section className="model-choice" data-testid="speech-model-choice" aria-labelledby="model-choice-title">
      <h3 id="model-choice-title" className="model-choice__title">
        Voice needs a speech model
      </h3>
      <p className="model-choice__text">{modelName} is not on this server.</p>
      <div className="model-choice__actions">
        <button type="button" className="primary-button" data-testid="download-speech-model" onClick={onDownload}>
          Download to this browser{mb ? ` · ${mb} MB` : ''}
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
      <p className="model-choice__note">
        From Hugging Face, once{mb ? ` (about ${mb} MB for ${device === 'webgpu' ? 'WebGPU' : 'the CPU'})` : ''}: the browser keeps it, and your audio stays on this device.
        {relayAsr && ' With the relay, each sentence you say is sent to the relay’s speech service.'}
      </p>
      <details className="model-choice__more">
        <summary>Run this server?</summary>
        Add the model for everyone: <code>npm run models:fetch -- {modelId}</code>, then reload.
      </details>
    </section>
  )
}
