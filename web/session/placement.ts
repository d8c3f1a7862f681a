import type { Placement as EnginePlacement } from '../engines/asr/asr.ts'
import type { RelayCapabilities, RemoteAvatarStatus } from '../lib/relay-client.ts'
import type { Settings } from './settings.ts'
import type { StageName } from './streams.ts'
import { chooseLlm, tooLarge } from './llm-choice.ts'

/** What the device can do, detected once. */
export interface DeviceCapabilities {
  webgpu: boolean
  /** The only adapter is a software one (a fallback adapter such as SwiftShader): too slow for models. */
  softwareGpu?: boolean
  shaderF16: boolean
  /** navigator.deviceMemory in GiB where the browser tells. */
  memoryGiB?: number
  /** The adapter's largest buffer (MiB): a model's biggest weight must fit in one. */
  maxBufferMiB?: number
}

/**
 * Where a stage runs (DESIGN §3). `offline` is the built-in guide; `local-canvas2d` the local
 * face drawn without WebGPU (no WASM involved, so it gets its own name).
 */
export type Placement = EnginePlacement | 'omnirt' | 'direct_ws' | 'mock' | 'offline' | 'local-canvas2d'

/**
 * One stage's decision, read by the session (to build it), the UI (badges) and the session log:
 * where it runs, what it is, and why. `placement: null` — the stage cannot run, and `reason` says why.
 */
export interface StagePlacement {
  placement: Placement | null
  label: string
  reason: string
  /** Which implementation, where a placement has several (the voice: eSpeak NG or Kokoro on the device). */
  engine?: string
  /** What the stage lacks that the user can fix: 'model' — no on-device model here, and none allowed from the hub. */
  missing?: 'model'
}

export type Placements = Record<StageName, StagePlacement>

export type PlacementChoice = 'auto' | 'on-device' | 'relay'

export interface PlacementInput {
  device: DeviceCapabilities
  /** A local model for the stage is available (self-hosted or, if allowed, from the hub). */
  localModel: boolean
  /** The relay offers the stage (from /api/config). */
  relay: boolean
  choice: PlacementChoice
}

export type Resolved = { placement: EnginePlacement; reason: string } | { placement: null; reason: string }

/**
 * Picks where speech recognition runs, and says why. Pure. The user's choice wins; "on device"
 * never falls back to sending audio to the relay — it fails with a reason instead.
 */
export function resolveAsrPlacement({ device, localModel, relay, choice }: PlacementInput): Resolved {
  const local: Resolved = localModel
    ? device.webgpu
      ? { placement: 'local-webgpu', reason: 'on device · WebGPU' }
      : { placement: 'local-wasm', reason: 'on device · WASM (no WebGPU)' }
    : { placement: null, reason: 'no local speech model is available' }
  const viaRelay: Resolved = relay ? { placement: 'relay', reason: 'relay' } : { placement: null, reason: 'the relay has no speech recognition configured' }
  if (choice === 'on-device') return local.placement ? { ...local, reason: `${local.reason} · your choice` } : local
  if (choice === 'relay') return viaRelay.placement ? { ...viaRelay, reason: 'relay · your choice' } : viaRelay
  if (local.placement) return local
  if (viaRelay.placement) return { placement: 'relay', reason: 'relay · no local model' }
  return { placement: null, reason: 'no speech recognition: no local model and none on the relay' }
}

/** Everything the resolver decides from; `undefined` where it is still being found out. */
export interface SessionFacts {
  settings: Settings
  device: DeviceCapabilities | undefined
  /** The relay's public configuration; null when it cannot be reached. */
  relay: RelayCapabilities | null | undefined
  /** Whether this server hosts (or this browser stores) the chosen speech model, the Kokoro model, the embedding model and the language model. */
  hosted: { turn?: boolean | undefined; asr: boolean | undefined; kokoro: boolean | undefined; embedder?: boolean | undefined; llm?: boolean | undefined }
  remoteAvatars: readonly RemoteAvatarStatus[]
  /** How the local face draws, once it is up. */
  face?: { renderer: 'webgpu' | 'canvas2d'; why?: string } | { error: string }
  /** The eSpeak NG program is part of this build (it is GPL-3.0 and can be left out). */
  espeak: boolean
  /** A private session: every stage on this device, nothing to the relay (its settings are already made so). */
  private?: boolean
  /** The on-device language models' measured time per token here (ms): the self-benchmark. */
  llmSpeeds?: Readonly<Record<string, number>>
}

/**
 * Whether a model may come from the Hugging Face hub: only when the user said so (Settings, or the
 * voice panel's "download it to this browser"). Fetching ~100 MB from a third party is a choice,
 * not a default: a server without the model asks instead.
 */
export const allowHub = (settings: Settings) => settings.allowRemoteModels === true

/**
 * Models run on WebGPU when there is a hardware adapter and the user did not ask for the CPU; a
 * software adapter counts as none, unless the user forces WebGPU.
 */
export const modelDevice = (facts: Pick<SessionFacts, 'settings' | 'device'>): 'webgpu' | 'wasm' => {
  const { settings, device } = facts
  if (!device?.webgpu || settings.modelDevice === 'wasm') return 'wasm'
  return settings.modelDevice === 'webgpu' || !device.softwareGpu ? 'webgpu' : 'wasm'
}

/** Every stage's placement, decided in one place. Pure. */
export function resolvePlacements(facts: SessionFacts): Placements {
  const realtime = realtimeModel(facts)
  if (realtime) {
    // One speech-to-speech model hears, answers and speaks; Parley's VAD still cuts the turns.
    const stage = (reason: string): StagePlacement => ({ placement: 'relay', engine: 'realtime', label: `Realtime · ${realtime}`, reason })
    return { vad: vadPlacement(), asr: stage('the Realtime model hears you, via the relay'), agent: stage(`answers: Realtime · ${realtime} · via relay`), tts: stage('the Realtime model’s own voice, via the relay'), avatar: facePlacement(facts) }
  }
  return { vad: vadPlacement(), asr: asrPlacement(facts), agent: agentPlacement(facts), tts: voicePlacement(facts), avatar: facePlacement(facts) }
}

/** The Realtime model that answers, when the user chose Realtime and the relay has one. */
export function realtimeModel({ settings, relay }: Pick<SessionFacts, 'settings' | 'relay'>): string | null {
  const rt = relay?.realtime
  if (settings.brain !== 'realtime' || !rt?.available) return null
  return settings.realtimeModel && rt.models.includes(settings.realtimeModel) ? settings.realtimeModel : (rt.default ?? rt.models[0] ?? null)
}

const vadPlacement = (): StagePlacement => ({ placement: 'local-wasm', label: 'Silero VAD · WASM', reason: 'speech detection always runs in a worker on this device' })

function asrPlacement({ settings, device, relay, hosted }: SessionFacts): StagePlacement {
  // Until we know whether the server hosts the model, nothing is chosen: audio must not go to the
  // relay for the moment it takes to find out that it could have stayed on the device.
  if ((hosted.asr === undefined || device === undefined) && settings.asrPlacement !== 'relay') return { placement: null, label: 'speech recognition', reason: 'checking for a speech model…' }
  const gpu = modelDevice({ settings, device }) === 'webgpu'
  const r = resolveAsrPlacement({
    device: gpu ? device! : { webgpu: false, shaderF16: false },
    localModel: hosted.asr === true || allowHub(settings),
    relay: Boolean(relay?.asr.available),
    choice: settings.asrPlacement,
  })
  const model = settings.asrModel.split('/').pop()!
  const reason = r.placement === 'local-wasm' && device?.softwareGpu && settings.modelDevice === 'auto' ? r.reason.replace('(no WebGPU)', '(WebGPU here is software-only)') : r.reason
  // No model here and none allowed from the hub: the user is asked how to get one.
  const missing = r.placement === null && settings.asrPlacement !== 'relay' && hosted.asr === false && !allowHub(settings) ? ('model' as const) : undefined
  return { placement: r.placement, label: r.placement === 'relay' ? 'relay speech recognition' : model, reason, ...(missing && { missing }) }
}

/** The on-device language model this device runs, and why. */
export const llmModel = (facts: Pick<SessionFacts, 'settings' | 'device' | 'llmSpeeds'>) => chooseLlm(facts.settings.llmModel, facts.device, facts.llmSpeeds)

function agentPlacement(facts: SessionFacts): StagePlacement {
  const { settings, relay } = facts
  if (settings.brain === 'device') return deviceAgentPlacement(facts)
  if (relay === undefined) return { placement: null, label: 'connecting…', reason: 'asking the relay what it offers…' }
  const llm = relay?.llm
  // Realtime was chosen but is not on offer: the pipeline answers, and says why.
  const instead = settings.brain === 'realtime' ? (relay ? ' (the relay has no Realtime model)' : '') : ''
  if (!llm?.available) return { placement: 'offline', label: 'offline guide', reason: `${relay ? 'no language model is connected to the relay' : 'the relay cannot be reached'}${instead}` }
  const model = settings.model && llm.models.includes(settings.model) ? settings.model : llm.default
  if (!model) return { placement: 'offline', label: 'offline guide', reason: 'the relay names no default model' }
  return { placement: 'relay', label: model, reason: `${settings.model === model ? 'your choice, through the relay' : 'the relay’s default model'}${instead}` }
}

function deviceAgentPlacement(facts: SessionFacts): StagePlacement {
  const { settings, device, hosted } = facts
  const { id, why } = llmModel(facts)
  const name = id.split('/').pop()!
  if (device === undefined || (hosted.llm === undefined && !allowHub(settings))) return { placement: null, label: name, reason: 'checking for an on-device language model…' }
  if (!hosted.llm && !allowHub(settings)) {
    const where = facts.private ? 'download it outside the private session (Settings → Answers)' : 'download it (Settings → Answers), or the operator adds it with npm run models:fetch'
    return { placement: null, label: name, reason: `the language model ${name} is not on this device: ${where}`, missing: 'model' }
  }
  const large = tooLarge(id, device)
  if (large) return { placement: null, label: name, reason: large }
  const gpu = modelDevice(facts) === 'webgpu'
  return { placement: gpu ? 'local-webgpu' : 'local-wasm', label: `${name} · ${gpu ? 'WebGPU' : 'WASM'} · on device`, reason: `${why}${facts.private ? ' · private session' : ''}` }
}

function voicePlacement(facts: SessionFacts): StagePlacement {
  const { settings, relay, hosted, espeak } = facts
  if (!settings.speakAnswers) return { placement: null, label: 'voice off', reason: 'answers are not spoken (Settings → Voice)' }
  if (relay === undefined) return { placement: null, label: 'voice', reason: 'asking the relay what it offers…' }
  const engine = settings.voiceEngine
  if (engine === 'kokoro' && espeak) {
    if (hosted.kokoro === undefined && settings.allowRemoteModels === null) return { placement: null, label: 'Kokoro', reason: 'checking for the Kokoro model…' }
    const device = modelDevice(facts)
    return { placement: device === 'webgpu' ? 'local-webgpu' : 'local-wasm', engine: 'kokoro', label: `Kokoro · ${device === 'webgpu' ? 'WebGPU' : 'WASM'} · on device`, reason: 'your choice' }
  }
  if (engine === 'auto' && relay?.tts.available) return { placement: 'relay', label: `relay${settings.ttsVoice ? ` · ${settings.ttsVoice}` : ''}`, reason: 'the relay has a voice' }
  if (espeak) return { placement: 'local-wasm', engine: 'espeak', label: 'eSpeak NG · on device', reason: engine === 'espeak' ? 'your choice' : 'the relay has no voice' }
  return { placement: null, label: 'voice off', reason: 'eSpeak NG was left out of this build and the relay has no voice' }
}

function facePlacement({ settings, remoteAvatars, face }: SessionFacts): StagePlacement {
  const remote = settings.remoteAvatar ? remoteAvatars.find((m) => m.id === settings.remoteAvatar) : undefined
  if (remote?.connected) {
    const backend = remote.backend
    return { placement: backend, label: `remote ${remote.id}`, reason: `your choice, through the relay (${remote.reason})` }
  }
  const fallback = settings.remoteAvatar ? ` (remote ${settings.remoteAvatar} unavailable${remote ? `: ${remote.reason}` : ''})` : ''
  if (!face) return { placement: null, label: 'face', reason: `loading…${fallback}` }
  if ('error' in face) return { placement: null, label: 'face unavailable', reason: face.error }
  return face.renderer === 'webgpu'
    ? { placement: 'local-webgpu', label: 'WebGPU', reason: `drawn on this device${fallback}` }
    : { placement: 'local-canvas2d', label: 'Canvas2D', reason: `${face.why ?? 'drawn on this device'}${fallback}` }
}

/** The remote avatar model to stream from, when the user chose one and it is up. */
export function remoteAvatar(facts: Pick<SessionFacts, 'settings' | 'remoteAvatars'>): RemoteAvatarStatus | undefined {
  return facts.remoteAvatars.find((m) => m.id === facts.settings.remoteAvatar && m.connected)
}
