import { createLocalRecognizer, defaultDtype } from '../engines/asr/local-recognizer.ts'
import type { LoadProgress } from '../engines/asr/protocol.ts'
import { createLocalLlm, llmDtype } from '../engines/llm/local-llm.ts'
import { llmModel, modelDevice, type SessionFacts } from './placement.ts'

/**
 * The download a private session needs, made outside of one and only when the user asks: the
 * on-device language model and speech model are loaded once from the hub (transformers.js keeps
 * them in this browser's Cache Storage), then their workers are closed.
 */
export async function downloadForPrivate(facts: SessionFacts, onProgress: (info: LoadProgress) => void): Promise<string[]> {
  const device = modelDevice(facts)
  const f16 = facts.device?.shaderF16 ?? false
  const fetched: string[] = []
  if (!facts.hosted.llm) {
    const id = llmModel(facts).id
    const llm = createLocalLlm({ modelId: id, device, dtype: llmDtype(device, f16), allowRemote: true, onProgress })
    try {
      await llm.load()
      fetched.push(id)
    } finally {
      llm.dispose()
    }
  }
  if (!facts.hosted.asr) {
    const id = facts.settings.asrModel
    const asr = createLocalRecognizer({ modelId: id, device, dtype: defaultDtype(device, f16), allowRemote: true, onProgress })
    try {
      await asr.load()
      fetched.push(id)
    } finally {
      asr.dispose()
    }
  }
  return fetched
}
