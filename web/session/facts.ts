import { HUB, modelUrl } from '../engines/runtime/model-paths.ts'
import { SMART_TURN_FILE } from '../engines/turn/protocol.ts'
import { llmModel } from './placement.ts'
import { loadSpeeds, recordSpeed } from './llm-choice.ts'
import { fetchAvatarModels, fetchCapabilities, type RelayCapabilities, type RemoteAvatarStatus } from '../lib/relay-client.ts'
import { detectDevice } from './device.ts'
import type { FaceState } from './face.ts'
import type { DeviceCapabilities, SessionFacts } from './placement.ts'
import type { Settings } from './settings.ts'

export interface AvatarEntry {
  id: string
  name: string
  description: string
  preview: string
}

/**
 * What the placement resolver decides from, found out once and kept up to date: the device's
 * capabilities, what the relay offers (`/api/config`) and which remote avatars are up, whether
 * this server hosts the chosen models, and the avatar bundles it offers. `changed` fires when any
 * of it is learnt.
 */
export class Facts {
  device: DeviceCapabilities | undefined
  /** undefined: still asking; null: the relay cannot be reached (`relayError` says why). */
  relay: RelayCapabilities | null | undefined
  relayError: unknown = null
  remoteAvatars: RemoteAvatarStatus[] = []
  avatars: AvatarEntry[] = []
  private readonly probes = new Map<string, boolean>()
  private readonly asked = new Set<string>()
  private index: Promise<Set<string> | null> | undefined
  private readonly abort = new AbortController()
  private relayAsk: AbortController | null = null

  constructor(
    private settings: Settings,
    private readonly changed: () => void,
    /** A private session asks the relay nothing: not even what it offers. */
    private readonly privateSession = false,
  ) {
    void detectDevice().then((d) => {
      this.device = d
      this.probeModels() // which language model fits depends on the device
      changed()
    })
    fetch('/avatars/index.json', { signal: this.abort.signal })
      .then((r) => (r.ok ? (r.json() as Promise<{ avatars: AvatarEntry[] }>) : { avatars: [] }))
      .then((j) => {
        this.avatars = Array.isArray(j.avatars) ? j.avatars : []
        changed()
      })
      .catch(() => {})
    this.refreshRelay()
    this.probeModels()
  }

  get hosted(): SessionFacts['hosted'] {
    const s = this.settings
    return { turn: s.turnModel ? this.probes.get(s.turnModel) : undefined, asr: this.probes.get(s.asrModel), kokoro: s.voiceEngine === 'kokoro' ? this.probes.get(s.kokoroModel) : undefined, embedder: this.probes.get(s.embeddingModel), llm: this.device ? this.probes.get(this.llmId) : undefined }
  }

  private get llmId() {
    return llmModel({ settings: this.settings, device: this.device, llmSpeeds: this.llmSpeeds }).id
  }

  /** The on-device models' measured speed here (the self-benchmark), kept across visits. */
  private llmSpeeds = loadSpeeds()

  /** An on-device answer's time per token: the next choice of model takes it into account. */
  measured(modelId: string, msPerToken: number) {
    this.llmSpeeds = recordSpeed(this.llmSpeeds, modelId, msPerToken)
    this.probeModels()
    this.changed()
  }

  configure(settings: Settings) {
    const tokenChanged = settings.accessToken !== this.settings.accessToken
    this.settings = settings
    this.probeModels()
    if (tokenChanged) this.askRemoteAvatars()
    this.changed()
  }

  snapshot(espeak: boolean, face: FaceState): SessionFacts {
    return {
      settings: this.settings,
      device: this.device,
      relay: this.relay,
      hosted: this.hosted,
      remoteAvatars: this.remoteAvatars,
      face: face.error ? { error: face.error } : face.status ? { renderer: face.status.renderer, why: face.status.why } : undefined,
      espeak,
      private: this.privateSession,
      llmSpeeds: this.llmSpeeds,
    }
  }

  refreshRelay(cause?: unknown) {
    if (this.privateSession) {
      this.relay = null
      return
    }
    this.relayAsk?.abort()
    const ask = (this.relayAsk = new AbortController())
    this.relay = undefined
    this.relayError = null
    this.changed()
    fetchCapabilities(ask.signal).then(
      (caps) => {
        this.relay = caps
        this.askRemoteAvatars()
        this.probeModels() // a model whose answer was lost with the relay is asked about again
        this.changed()
      },
      (err: unknown) => {
        if (ask.signal.aborted) return
        this.relay = null
        this.relayError = cause ?? err
        this.changed()
      },
    )
  }

  /**
   * A request to the relay did not reach it: ask the relay again (one blip is not an outage); if
   * that fails too it counts as unreachable until `refreshRelay` finds it. Already asking, or
   * already known unreachable: nothing to do.
   */
  lost(error: unknown) {
    if (!this.relay) return
    this.refreshRelay(error)
  }

  /** Models may have been stored since (a download): ask again about those not found. */
  recheck() {
    for (const [id, hosted] of this.probes) if (!hosted) this.asked.delete(id)
    this.probeModels()
  }

  dispose() {
    this.abort.abort()
    this.relayAsk?.abort()
  }

  private askRemoteAvatars() {
    if (!this.relay?.avatar.models.length) return
    fetchAvatarModels(this.settings.accessToken || undefined, this.abort.signal).then(
      (list) => {
        this.remoteAvatars = list
        this.changed()
      },
      () => {},
    )
  }

  /** Is each chosen model on the relay (models/<id>/config.json)? Asked once per id. */
  private probeModels() {
    const s = this.settings
    // The language model is asked about whoever answers: Settings says whether a private session could start.
    const llm = this.device ? [this.llmId] : []
    const turn = s.turnModel ? [s.turnModel] : []
    for (const id of [s.asrModel, ...(s.voiceEngine === 'kokoro' ? [s.kokoroModel] : []), ...(s.documentSearch === 'auto' || s.documentSearch === 'on-device' ? [s.embeddingModel] : []), ...llm, ...turn]) {
      if (this.asked.has(id)) continue
      this.asked.add(id)
      void this.isHosted(id, id === s.turnModel ? SMART_TURN_FILE : 'config.json').then((hosted) => {
        if (hosted !== undefined) return this.learn(id, hosted)
        // Unknown (the server could not be reached): asked again when the relay is found.
        this.asked.delete(id)
        this.index = undefined
      })
    }
  }

  /**
   * The relay lists its models (`/models/index.json`, asked once); a server without the list (a
   * folder of models on a plain static host) is asked for the model's config.json (or `file`) instead.
   */
  private async isHosted(id: string, file = 'config.json'): Promise<boolean | undefined> {
    const signal = this.abort.signal
    this.index ??= fetch(modelUrl('index.json'), { signal })
      .then((r) => (r.ok ? (r.json() as Promise<{ models?: unknown }>) : null))
      .then((j) => (Array.isArray(j?.models) ? new Set(j.models.filter((m): m is string => typeof m === 'string')) : null))
      .catch(() => null)
    const listed = await this.index
    if (signal.aborted) return undefined
    if (listed?.has(id) || (await storedFromHub(id))) return true
    if (listed) return false
    const res = await fetch(modelUrl(`${id}/${file}`), { method: 'HEAD', signal }).catch(() => null)
    return signal.aborted || !res ? undefined : res.ok
  }

  private learn(id: string, hosted: boolean) {
    this.probes.set(id, hosted)
    this.changed()
  }
}

/**
 * A model downloaded from the hub earlier is kept by transformers.js in Cache Storage, under its
 * hub URL: it loads from there with downloads off (a private session), so it counts as here.
 */
async function storedFromHub(id: string): Promise<boolean> {
  if (typeof caches === 'undefined') return false
  try {
    const cache = await caches.open('transformers-cache')
    return (await cache.match(`${HUB}${id}/resolve/main/config.json`)) !== undefined
  } catch {
    return false
  }
}
