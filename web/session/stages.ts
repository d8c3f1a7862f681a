import type { Agent } from '../engines/agent/agent.ts'
import { createOfflineAgent } from '../engines/agent/offline-agent.ts'
import { createRelayAgent } from '../engines/agent/relay-agent.ts'
import type { SpeechRecognizer } from '../engines/asr/asr.ts'
import { createLocalRecognizer, defaultDtype } from '../engines/asr/local-recognizer.ts'
import type { LoadProgress } from '../engines/asr/protocol.ts'
import { createRelayRecognizer } from '../engines/asr/relay-recognizer.ts'
import { createEspeakSynthesizer } from '../engines/tts/espeak/synthesizer.ts'
import { createKokoroSynthesizer } from '../engines/tts/kokoro/synthesizer.ts'
import { createRelaySynthesizer } from '../engines/tts/relay-synthesizer.ts'
import { createRealtimeBrain, type RealtimeBrain } from '../engines/realtime/brain.ts'
import { relaySocketUrl } from '../lib/relay-url.ts'
import { allowHub, llmModel, modelDevice, realtimeModel, type SessionFacts, type StagePlacement } from './placement.ts'
import { createLocalLlm, llmDtype } from '../engines/llm/local-llm.ts'
import { withFallbackVoice } from './fallback-voice.ts'
import type { Synthesizer } from './speaker.ts'

export interface FileProgress {
  file: string
  loaded: number
  total: number
  done: boolean
}

/** What a stage's builder is told: its placement, the facts, and where to report. */
export interface StageContext {
  placement: StagePlacement
  facts: SessionFacts
  onProgress(info: LoadProgress): void
  /** Loaded: where it really runs (WebGPU can fall back to WASM). */
  onReady(info: { device: 'webgpu' | 'wasm' }): void
  onCrash(err: unknown): void
  /** The stage's model could not load and a stand-in took over (the voice: eSpeak NG for Kokoro). */
  onFallback(err: unknown): void
}

/**
 * A stage's implementation is rebuilt only when what it was built from changes: each builder says
 * which facts it depends on (`key`) and how to build.
 */
export interface StageBuilder<T> {
  key(ctx: Pick<StageContext, 'placement' | 'facts'>): string
  build(ctx: StageContext): T | null
}

const token = (facts: SessionFacts) => facts.settings.accessToken || undefined

/**
 * A Realtime model is one brain serving two stages (it hears and it answers): one per model and
 * token, shared, and closed when neither stage uses it any more.
 */
const brains = new Map<string, { brain: RealtimeBrain; users: number }>()
function sharedBrain(facts: SessionFacts): { brain: RealtimeBrain; release(): void } {
  const model = realtimeModel(facts)!
  const { accessToken, realtimeTurns: turns, endOfSpeechMs } = facts.settings
  const key = JSON.stringify([model, accessToken, turns, endOfSpeechMs])
  let entry = brains.get(key)
  if (!entry) brains.set(key, (entry = { brain: createRealtimeBrain({ model, url: relaySocketUrl('/api/v1/realtime'), token: token(facts), turns, endOfSpeechMs }), users: 0 }))
  entry.users++
  let released = false
  return {
    brain: entry.brain,
    release() {
      if (released) return
      released = true
      if (--entry.users > 0) return
      brains.delete(key)
      entry.brain.dispose()
    },
  }
}

const isRealtime = (placement: StagePlacement) => placement.engine === 'realtime'

export const agentBuilder: StageBuilder<Agent> = {
  key: ({ placement, facts }) => JSON.stringify([placement.placement, placement.engine, placement.label, facts.settings.accessToken, allowHub(facts.settings), facts.device?.shaderF16, ...(isRealtime(placement) ? [facts.settings.realtimeTurns, facts.settings.endOfSpeechMs] : [])]),
  build: ({ placement, facts, onProgress, onReady, onCrash }) => {
    if (isRealtime(placement)) {
      const { brain, release } = sharedBrain(facts)
      return { ...brain.agent, dispose: release }
    }
    if (placement.placement === 'local-webgpu' || placement.placement === 'local-wasm') {
      const device = placement.placement === 'local-webgpu' ? 'webgpu' : 'wasm'
      return createLocalLlm({ modelId: llmModel(facts).id, device, dtype: llmDtype(device, facts.device?.shaderF16 ?? false), allowRemote: allowHub(facts.settings), onProgress, onReady, onCrash })
    }
    return placement.placement === 'relay' ? createRelayAgent({ model: placement.label, token: token(facts) }) : placement.placement === 'offline' ? createOfflineAgent() : null
  },
}

export const recognizerBuilder: StageBuilder<SpeechRecognizer & { load?(): Promise<void> }> = {
  key: ({ placement, facts }) =>
    JSON.stringify([placement.placement, placement.engine, placement.label, facts.settings.asrModel, allowHub(facts.settings), facts.settings.accessToken, facts.device?.shaderF16, ...(isRealtime(placement) ? [facts.settings.realtimeTurns, facts.settings.endOfSpeechMs] : [])]),
  build({ placement, facts, onProgress, onReady, onCrash }) {
    if (isRealtime(placement)) {
      const { brain, release } = sharedBrain(facts)
      return { ...brain.recognizer, dispose: release }
    }
    if (placement.placement === 'relay') return createRelayRecognizer({ token: token(facts) })
    if (placement.placement !== 'local-webgpu' && placement.placement !== 'local-wasm') return null
    const device = placement.placement === 'local-webgpu' ? 'webgpu' : 'wasm'
    return createLocalRecognizer({
      modelId: facts.settings.asrModel,
      device,
      dtype: defaultDtype(device, facts.device?.shaderF16 ?? false),
      allowRemote: allowHub(facts.settings),
      onCrash,
      onReady,
      onProgress,
    })
  },
}

export const synthesizerBuilder: StageBuilder<Synthesizer> = {
  key: ({ placement, facts }) => {
    const s = facts.settings
    return JSON.stringify([placement.placement, placement.engine, placement.label, s.kokoroModel, s.kokoroVoice, s.ttsVoice, allowHub(s), s.accessToken])
  },
  build({ placement, facts, onProgress, onReady, onCrash, onFallback }) {
    const s = facts.settings
    // A Realtime model speaks for itself: its voice comes with its answer.
    if (placement.placement === null || isRealtime(placement)) return null
    if (placement.placement === 'relay') return createRelaySynthesizer({ voice: s.ttsVoice ?? undefined, token: token(facts) })
    if (placement.engine === 'kokoro') {
      const kokoro = createKokoroSynthesizer({ modelId: s.kokoroModel, voice: s.kokoroVoice, device: modelDevice(facts), allowRemote: allowHub(s), onProgress, onReady, onCrash })
      return withFallbackVoice(kokoro, () => createEspeakSynthesizer(), onFallback)
    }
    return createEspeakSynthesizer()
  },
}

/** Folds a library progress event into the per-file list the progress bars show. */
export function addProgress(files: Record<string, FileProgress>, info: LoadProgress): Record<string, FileProgress> {
  if (!info.file || !['initiate', 'download', 'progress', 'done'].includes(info.status)) return files
  const file = info.file
  const before = files[file]
  return { ...files, [file]: { file, loaded: info.loaded ?? before?.loaded ?? 0, total: info.total ?? before?.total ?? 0, done: info.status === 'done' || (before?.done ?? false) } }
}
