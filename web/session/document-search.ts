import type { EmbedderSpec } from '../engines/documents/protocol.ts'
import { allowHub, modelDevice, type SessionFacts } from './placement.ts'

/** How documents are searched for meaning, and why — shown in the Documents panel. */
export interface DocumentSearchPlacement {
  spec: EmbedderSpec
  /** "all-MiniLM-L6-v2 · WASM · on device", "relay · text-embedding-3-small", "keywords only". */
  label: string
  reason: string
  /** Whether the documents' text (and each question) goes to the relay to be embedded. */
  leavesDevice: boolean
}

/**
 * Where passages are embedded. Pure. On the device when the model is here (or may come from the
 * hub); the relay when it offers embeddings and the user did not keep documents on the device;
 * otherwise keyword search alone, with the reason. "On this device" never sends text to the relay.
 */
export function documentSearchPlacement(facts: Pick<SessionFacts, 'settings' | 'device' | 'relay' | 'hosted'>): DocumentSearchPlacement {
  const { settings, relay } = facts
  const choice = settings.documentSearch
  const keywords = (reason: string): DocumentSearchPlacement => ({ spec: { kind: 'none', reason }, label: 'keywords only', reason, leavesDevice: false })
  if (choice === 'keywords') return keywords('your choice: documents are searched by their words only')
  const hosted = facts.hosted.embedder
  const local = hosted === true || allowHub(settings)
  const viaRelay = relay?.embeddings?.available ? relay.embeddings.model ?? 'default' : null
  if (choice !== 'relay' && local) {
    const device = modelDevice(facts)
    const model = settings.embeddingModel.split('/').pop()!
    const spec: EmbedderSpec = { kind: 'device', modelId: settings.embeddingModel, device, dtype: device === 'webgpu' ? 'fp32' : 'q8', allowRemote: allowHub(settings) }
    return { spec, label: `${model} · ${device === 'webgpu' ? 'WebGPU' : 'WASM'} · on device`, reason: choice === 'on-device' ? 'your choice' : 'the embedding model is here', leavesDevice: false }
  }
  // Not the relay while it is still unknown whether the model is here: texts sent then could have stayed.
  if (choice === 'auto' && hosted === undefined) return keywords('checking for the embedding model…')
  if (choice === 'on-device') {
    return keywords(hosted === undefined ? 'checking for the embedding model…' : `the embedding model ${settings.embeddingModel} is not on this server (npm run models:fetch -- ${settings.embeddingModel}, or allow downloads): searching by words only`)
  }
  if (viaRelay) {
    const why = choice === 'relay' ? 'your choice' : 'no embedding model on this device'
    return { spec: { kind: 'relay', model: viaRelay === 'default' ? '' : viaRelay, ...(settings.accessToken && { token: settings.accessToken }) }, label: `relay · ${viaRelay}`, reason: `${why}: passages and questions go to the relay’s embeddings service`, leavesDevice: true }
  }
  if (choice === 'relay') return keywords('the relay offers no embeddings: searching by words only')
  return keywords(relay === undefined || hosted === undefined ? 'checking for an embedding model…' : 'no embedding model here and none on the relay: searching by words only')
}
