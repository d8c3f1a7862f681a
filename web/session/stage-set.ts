import type { Agent } from '../engines/agent/agent.ts'
import type { SpeechRecognizer } from '../engines/asr/asr.ts'
import type { Placements, SessionFacts } from './placement.ts'
import type { Synthesizer } from './speaker.ts'
import { addProgress, agentBuilder, recognizerBuilder, synthesizerBuilder, type FileProgress, type StageBuilder, type StageContext } from './stages.ts'

type Built = 'agent' | 'asr' | 'tts'
type ModelStage = 'asr' | 'tts' | 'agent'

/** A stage's load, as the UI shows it: download progress per file, and where its model really runs. */
export interface StageLoads {
  progress: Record<ModelStage, FileProgress[]>
  /** Where a model runs once loaded (WebGPU can fall back to WASM); 'fallback': a stand-in took over. */
  loaded: Partial<Record<ModelStage, 'webgpu' | 'wasm' | 'fallback'>>
}

/**
 * The stages the session builds from placements — the agent, the recognizer, the voice — each
 * rebuilt (the old one disposed) only when what it was built from changes, and their loading
 * state. Reports go to `changed` (progress, the device it runs on) and `fail` (a crash, a stand-in).
 */
export class StageSet {
  agent: Agent | null = null
  recognizer: (SpeechRecognizer & { load?(): Promise<void> }) | null = null
  synth: Synthesizer | null = null
  loads: StageLoads = { progress: { asr: [], tts: [], agent: [] }, loaded: {} }
  private readonly built = new Map<Built, { key: string; stage: object | null }>()
  private files: Record<ModelStage, Record<string, FileProgress>> = { asr: {}, tts: {}, agent: {} }

  constructor(
    private readonly changed: () => void,
    private readonly fail: (stage: Built, err: unknown) => void,
  ) {}

  update(placements: Placements, facts: SessionFacts) {
    this.agent = this.stage('agent', agentBuilder, placements, facts)
    this.recognizer = this.stage('asr', recognizerBuilder, placements, facts)
    this.synth = this.stage('tts', synthesizerBuilder, placements, facts)
  }

  dispose() {
    for (const { stage } of this.built.values()) (stage as { dispose?(): void } | null)?.dispose?.()
    this.built.clear()
  }

  private stage<T extends object>(name: Built, builder: StageBuilder<T>, placements: Placements, facts: SessionFacts): T | null {
    const placement = placements[name]
    const key = builder.key({ placement, facts })
    const current = this.built.get(name)
    if (current?.key === key) return current.stage as T | null
    ;(current?.stage as { dispose?(): void } | null | undefined)?.dispose?.()
    this.setLoad(name, {}, undefined)
    // Reports from a stage that has since been replaced are dropped.
    const live = () => this.built.get(name)?.key === key
    const ctx: StageContext = {
      placement,
      facts,
      onProgress: (info) => {
        if (!live()) return
        this.setLoad(name as ModelStage, addProgress(this.files[name as ModelStage], info), this.loads.loaded[name as ModelStage])
        this.changed()
      },
      onReady: (info) => {
        if (!live()) return
        this.setLoad(name as ModelStage, this.files[name as ModelStage], info.device)
        this.changed()
      },
      onCrash: (err) => this.fail(name, err),
      onFallback: (err) => {
        if (!live()) return
        // The model's progress bars stop meaning anything: the stand-in needs no download.
        this.setLoad(name as ModelStage, {}, 'fallback')
        this.fail(name, err)
      },
    }
    const stage = builder.build(ctx)
    this.built.set(name, { key, stage })
    return stage
  }

  private setLoad(name: ModelStage, files: Record<string, FileProgress>, loaded: StageLoads['loaded'][ModelStage]) {
    this.files[name] = files
    this.loads = { progress: { ...this.loads.progress, [name]: Object.values(files) }, loaded: { ...this.loads.loaded, [name]: loaded } }
  }
}
