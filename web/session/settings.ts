import { SMART_TURN_MODEL } from '../engines/turn/protocol.ts'

/** What the user sets, kept in localStorage on this device only. */
export interface Settings {
  persona: string
  /** The model to ask; null follows the relay's default. */
  model: string | null
  /** The relay's PARLEY_ACCESS_TOKEN, when the operator set one. */
  accessToken: string
  /** The microphone to use; null is the system default. */
  microphoneId: string | null
  /** Hold Space to talk instead of an open microphone. */
  pushToTalk: boolean
  /** Silence after speech before Parley answers. */
  endOfSpeechMs: number
  /** Start an answer at a short pause, ahead of the end of the turn (dropped if the user goes on). */
  preemptive: boolean
  /** The end-of-turn model (hub id, and folder under models/): Smart Turn v3; null: the end-of-speech wait alone. */
  turnModel: string | null
  /** Speakers or headphones: with speakers the avatar's own voice reaches the microphone, and must not interrupt it. */
  audioOutput: 'auto' | 'speakers' | 'headphones'
  /** Where speech is recognised. */
  asrPlacement: 'auto' | 'on-device' | 'relay'
  /** The on-device speech model (hub id, and folder under models/ when self-hosted). */
  asrModel: string
  /** Download models from the Hugging Face hub; null: yes, unless this server hosts the model. */
  allowRemoteModels: boolean | null
  /**
   * Where on-device models run: automatic (a hardware WebGPU adapter, else WASM), always on the
   * CPU (WASM), or on WebGPU whatever the adapter is (a software one included: for testing).
   */
  modelDevice: 'auto' | 'wasm' | 'webgpu'
  /** Say answers aloud (when a voice is available). */
  speakAnswers: boolean
  /** The relay voice to use; null is the relay's default. */
  ttsVoice: string | null
  /** Which voice speaks: the relay's when it has one (else eSpeak NG), or one on this device. */
  voiceEngine: 'auto' | 'espeak' | 'kokoro'
  /** The Kokoro model (hub id, and folder under models/ when self-hosted) and its voice. */
  kokoroModel: string
  kokoroVoice: string
  /** Loudness of the answers, 0…1. */
  volume: number
  /** How fast answers are spoken: 1 normal, 0.5…2 (Settings, or the assistant's `set_speaking_rate`). */
  speakingRate: number
  /** Let the assistant use tools (its face's expression, notes, the time, the voice, the operator's tools). */
  tools: boolean
  /** The avatar (a bundle in public/avatars/<id>/). */
  avatar: string
  /** A heavy avatar model on a GPU server, through the relay; null: the local face only. */
  remoteAvatar: string | null
  /** The longest the voice waits for the remote model's frames (ms, 0…3000), so lips and voice go together. */
  remoteAvatarMaxDelayMs: number
  /**
   * How answers are made: speech → text → the relay's language model → a voice (the pipeline), the
   * same with a small language model on this device ('device'), or one speech-to-speech model over
   * the Realtime protocol, through the relay.
   */
  brain: 'pipeline' | 'realtime' | 'device'
  /** The on-device language model (hub id, also its folder under models/), or 'auto': chosen by the device. */
  llmModel: string
  /** The Realtime model to ask; null follows the relay's default. */
  realtimeModel: string | null
  /** Who decides a Realtime turn is over: the model's own VAD, or Parley's (which keeps its false-start handling). */
  realtimeTurns: 'model' | 'parley'
  /**
   * How the user's documents are searched for meaning: an embedding model on this device, the
   * relay's embeddings service (the passages and questions go to it), either (auto), or by their
   * words only. Keyword search always runs, on the device.
   */
  documentSearch: 'auto' | 'on-device' | 'relay' | 'keywords'
  /** The sentence-embedding model (hub id, and folder under models/ when self-hosted). */
  embeddingModel: string
  /** The recording's file: MP4 (H.264, plays almost everywhere) or WebM (VP9, open formats). */
  recordFormat: 'mp4' | 'webm'
  /** Show each answer's latency waterfall and the session's medians (developer data; `?debug` turns it on too). */
  showTimings: boolean
}

export const DEFAULT_PERSONA =
  'You are Parley, a warm and helpful assistant with a voice and a face. Answer in a natural, ' +
  'conversational way, in short paragraphs, as if speaking. Be concise unless asked for detail.'

/** A hub id ("owner/name"), which is also a folder under models/: nothing that climbs out of it. */
const MODEL_ID = /^[\w-][\w.-]*(\/[\w-][\w.-]*)?$/

export const defaultSettings: Settings = {
  persona: DEFAULT_PERSONA,
  model: null,
  accessToken: '',
  microphoneId: null,
  pushToTalk: false,
  endOfSpeechMs: 500,
  preemptive: true,
  turnModel: SMART_TURN_MODEL,
  audioOutput: 'auto',
  asrPlacement: 'auto',
  asrModel: 'onnx-community/whisper-base',
  allowRemoteModels: null,
  modelDevice: 'auto',
  speakAnswers: true,
  ttsVoice: null,
  voiceEngine: 'auto',
  kokoroModel: 'onnx-community/Kokoro-82M-v1.0-ONNX',
  kokoroVoice: 'af_heart',
  avatar: 'mira',
  remoteAvatar: null,
  remoteAvatarMaxDelayMs: 1500,
  volume: 1,
  speakingRate: 1,
  tools: true,
  brain: 'pipeline',
  llmModel: 'auto',
  realtimeModel: null,
  realtimeTurns: 'model',
  documentSearch: 'auto',
  embeddingModel: 'Xenova/all-MiniLM-L6-v2',
  recordFormat: 'mp4',
  showTimings: false,
}

const PLACEMENTS = new Set(['auto', 'on-device', 'relay'])

const KEY = 'parley.settings.v1'

export function loadSettings(storage: Pick<Storage, 'getItem'> = localStorage): Settings {
  try {
    const raw = JSON.parse(storage.getItem(KEY) ?? '{}') as Partial<Settings>
    return {
      persona: typeof raw.persona === 'string' ? raw.persona : defaultSettings.persona,
      model: typeof raw.model === 'string' ? raw.model : null,
      accessToken: typeof raw.accessToken === 'string' ? raw.accessToken : '',
      microphoneId: typeof raw.microphoneId === 'string' ? raw.microphoneId : null,
      pushToTalk: raw.pushToTalk === true,
      endOfSpeechMs: typeof raw.endOfSpeechMs === 'number' && raw.endOfSpeechMs >= 200 && raw.endOfSpeechMs <= 3000 ? raw.endOfSpeechMs : 500,
      preemptive: raw.preemptive !== false,
      turnModel: raw.turnModel === null ? null : typeof raw.turnModel === 'string' && MODEL_ID.test(raw.turnModel) ? raw.turnModel : defaultSettings.turnModel,
      audioOutput: raw.audioOutput === 'speakers' || raw.audioOutput === 'headphones' ? raw.audioOutput : 'auto',
      asrPlacement: PLACEMENTS.has(raw.asrPlacement as string) ? (raw.asrPlacement as Settings['asrPlacement']) : 'auto',
      asrModel: typeof raw.asrModel === 'string' && MODEL_ID.test(raw.asrModel) ? raw.asrModel : defaultSettings.asrModel,
      allowRemoteModels: typeof raw.allowRemoteModels === 'boolean' ? raw.allowRemoteModels : null,
      modelDevice: raw.modelDevice === 'wasm' || raw.modelDevice === 'webgpu' ? raw.modelDevice : 'auto',
      speakAnswers: raw.speakAnswers !== false,
      ttsVoice: typeof raw.ttsVoice === 'string' ? raw.ttsVoice : null,
      voiceEngine: raw.voiceEngine === 'espeak' || raw.voiceEngine === 'kokoro' ? raw.voiceEngine : 'auto',
      kokoroModel: typeof raw.kokoroModel === 'string' && MODEL_ID.test(raw.kokoroModel) ? raw.kokoroModel : defaultSettings.kokoroModel,
      kokoroVoice: typeof raw.kokoroVoice === 'string' && /^[a-z]{2}_[a-z]+$/.test(raw.kokoroVoice) ? raw.kokoroVoice : defaultSettings.kokoroVoice,
      volume: typeof raw.volume === 'number' && raw.volume >= 0 && raw.volume <= 1 ? raw.volume : 1,
      speakingRate: typeof raw.speakingRate === 'number' && raw.speakingRate >= 0.5 && raw.speakingRate <= 2 ? raw.speakingRate : 1,
      tools: raw.tools !== false,
      avatar: typeof raw.avatar === 'string' && /^[a-z0-9][a-z0-9-]*$/.test(raw.avatar) ? raw.avatar : defaultSettings.avatar,
      remoteAvatar: typeof raw.remoteAvatar === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(raw.remoteAvatar) ? raw.remoteAvatar : null,
      remoteAvatarMaxDelayMs: typeof raw.remoteAvatarMaxDelayMs === 'number' && raw.remoteAvatarMaxDelayMs >= 0 && raw.remoteAvatarMaxDelayMs <= 3000 ? raw.remoteAvatarMaxDelayMs : defaultSettings.remoteAvatarMaxDelayMs,
      brain: raw.brain === 'realtime' || raw.brain === 'device' ? raw.brain : 'pipeline',
      llmModel: typeof raw.llmModel === 'string' && (raw.llmModel === 'auto' || MODEL_ID.test(raw.llmModel)) ? raw.llmModel : 'auto',
      realtimeModel: typeof raw.realtimeModel === 'string' && /^[\w.:-]{1,100}$/.test(raw.realtimeModel) ? raw.realtimeModel : null,
      realtimeTurns: raw.realtimeTurns === 'parley' ? 'parley' : 'model',
      documentSearch: raw.documentSearch === 'on-device' || raw.documentSearch === 'relay' || raw.documentSearch === 'keywords' ? raw.documentSearch : 'auto',
      embeddingModel: typeof raw.embeddingModel === 'string' && MODEL_ID.test(raw.embeddingModel) ? raw.embeddingModel : defaultSettings.embeddingModel,
      showTimings: raw.showTimings === true,
      recordFormat: raw.recordFormat === 'webm' ? 'webm' : 'mp4',
    }
  } catch {
    return defaultSettings
  }
}

export function saveSettings(settings: Settings, storage: Pick<Storage, 'setItem'> = localStorage) {
  storage.setItem(KEY, JSON.stringify(settings))
}

/**
 * An operator can share a link with `?token=…`: the token moves into settings and out of the
 * address bar, so it is not left in history or bookmarks.
 */
export function takeTokenFromUrl(location: Location = window.location, history: History = window.history): string | null {
  const url = new URL(location.href)
  const token = url.searchParams.get('token')
  if (!token) return null
  url.searchParams.delete('token')
  history.replaceState(history.state, '', url.pathname + url.search + url.hash)
  return token
}
