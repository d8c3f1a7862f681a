import { errorCode, isRelayDown, needsTheRelay } from '../lib/errors.ts'
import type { Mood } from '../engines/avatar/pose.ts'
import { espeakAvailable } from '../engines/tts/espeak/synthesizer.ts'
import { Emitter } from '../lib/emitter.ts'
import { relaySocketUrl } from '../lib/relay-url.ts'
import { Conversation, newId } from './conversation.ts'
import { historyOf, type ConversationState, type Message } from './conversation-state.ts'
import { Face, type FaceState } from './face.ts'
import { Facts } from './facts.ts'
import { llmModel, modelDevice, remoteAvatar, resolvePlacements, type Placements, type StagePlacement } from './placement.ts'
import { downloadForPrivate } from './private-download.ts'
import { buildSessionExport, shownError, type SessionExport, type ShownError } from './session-log.ts'
import type { Settings } from './settings.ts'
import { Speaker } from './speaker.ts'
import { StageSet, type StageLoads } from './stage-set.ts'
import type { InterruptCause, StageName, StreamMap } from './streams.ts'
import { Recorder, type RecordingState } from './recorder.ts'
import { VideoExporter, type ExportState } from './video-export.ts'
import { deleteAnswers, keptAnswerIds, VoiceArchive } from './voice-archive.ts'
import type { KeptRecording } from '../lib/stored-recordings.ts'
import { recordTurns } from './turn-recorder.ts'
import { TurnStore } from './turn-store.ts'
import { TurnLog, type TurnRecord } from './turn-log.ts'
import { initialTurn, nextTurn, type TurnEvent, type TurnPhase, type TurnState } from './turn-taking.ts'
import { VoiceInput, type VoiceState } from './voice-input.ts'
import { writeAnswer } from './write-answer.ts'
import { AnswerAhead, type Publisher, type Transcript } from './ahead.ts'
import { modelUrl } from '../engines/runtime/model-paths.ts'
import { SMART_TURN_FILE } from '../engines/turn/protocol.ts'
import type { AgentTools } from '../engines/agent/agent.ts'
import { followFeelings } from './expression-cue.ts'
import { Notes, type Note } from './notes.ts'
import { Documents, type DocumentsState } from './documents.ts'
import { documentSearchPlacement } from './document-search.ts'
import { privateSettings } from './private-session.ts'
import { NetworkLedger } from './network-ledger.ts'
import type { LedgerEntry } from '../lib/network-ledger.ts'
import { documentsPrompt, retrievalQuery, TurnSources } from './sources.ts'
import { builtInTools } from './tools/assistant-tools.ts'
import { OperatorTools } from './tools/operator-tools.ts'
import { turnTools } from './tools/toolbox.ts'
import type { DocumentSearch } from './tools/document-tool.ts'

export type StageMood = 'ready' | 'listening' | 'hearing' | 'thinking' | 'answering'

/** How the face behaves in each state of the conversation. */
const FACE_MOOD: Record<StageMood, Mood> = { ready: 'idle', listening: 'listening', hearing: 'listening', thinking: 'thinking', answering: 'speaking' }

export interface SessionError {
  id: number
  stage: ShownError['stage']
  error: unknown
}

/** Everything the UI shows, as one immutable value (a new object on every change). */
export interface SessionSnapshot {
  phase: TurnPhase
  mood: StageMood
  conversation: ConversationState
  voice: VoiceState
  face: FaceState
  placements: Placements
  relay: Facts['relay']
  /** Model download progress per file, while a stage loads. */
  progress: StageLoads['progress']
  /** Where a model really runs once loaded (WebGPU can fall back to WASM; 'fallback': a stand-in took over). */
  loaded: StageLoads['loaded']
  /** Problems to show the user, until dismissed. */
  errors: SessionError[]
  turns: readonly TurnRecord[]
  avatars: Facts['avatars']
  remoteAvatars: Facts['remoteAvatars']
  hosted: Facts['hosted']
  /** The weights an on-device speech model would load here (a download's size depends on it): 8-bit on the CPU, 16- or 32-bit floats on WebGPU. */
  modelWeights: 'q8' | 'fp16' | 'fp32'
  /** The avatar bundle drawn now. */
  avatarUrl: string
  /** The live recording, or the last file made. */
  recording: RecordingState
  /** A video of past answers being made, or made. */
  export: ExportState
  keptAnswers: ReadonlySet<string>
  /** Recordings a crash or a closed tab cut off: offered for recovery. */
  interruptedRecordings: KeptRecording[]
  /** The notes the assistant keeps about the user (Settings lists them). */
  notes: readonly Note[]
  /** How many of the operator's tools (MCP, through the relay) the assistant is offered. */
  operatorTools: number
  /** The user's documents (Settings → Documents), the files being added, and how they are searched. */
  documents: DocumentsState
  /** A private session (`/?private`): every stage here, nothing to the relay. */
  privateSession: boolean
  /** Outside one: whether a private session could run each stage here (Settings → Private session). */
  privateReadiness: { stage: string; ready: boolean; reason: string }[]
  /** The models a private session needs are being downloaded. */
  downloading: boolean
  /** What left the device this session (the service worker's ledger): each request, and the totals. */
  network: { watching: boolean; entries: readonly LedgerEntry[]; left: number; bytes: number; stored: number; blocked: number }
}

interface Turn {
  turnId: string
  assistantId: string
  abort: AbortController
}

/**
 * One voice conversation, with no React inside: it resolves where each stage runs, builds the
 * stages, wires them by stream kind (`bus`), runs the turn-taking machine and owns one
 * AbortController per turn. The UI subscribes to its snapshot and sends it commands.
 */
export class VoiceSession {
  readonly bus = new Emitter<StreamMap>()
  readonly log = new TurnLog()
  readonly conversation: Conversation
  readonly voice: VoiceInput
  readonly speaker: Speaker
  readonly face: Face
  readonly recorder: Recorder
  readonly exporter: VideoExporter
  private readonly archive: VoiceArchive
  /** Answers whose voice is kept (a video can be made of them). */
  private kept = new Set<string>()
  readonly notes: Notes
  readonly documents: Documents
  /**
   * Where a change of the user's settings that the session itself wants goes (the assistant's
   * `set_voice`, `set_speaking_rate`): the UI keeps the settings; without one, they apply here only.
   */
  onSettingsRequest: ((patch: Partial<Settings>) => void) | null = null
  private readonly operatorTools: OperatorTools
  private readonly facts: Facts
  private turnState: TurnState = initialTurn
  /** Where the held (unfinished) words were said, and the wait for the rest of them. */
  private heldSpan: { startMs: number; endMs: number } | undefined
  private holdTimer: ReturnType<typeof setTimeout> | undefined
  private turn: Turn | null = null
  /** The answer being made ahead of its turn, at a pause (at most one). */
  private ahead: AnswerAhead | null = null
  /** Answers started ahead this session: made into turns, or abandoned (and the upstream requests they cost). */
  private readonly aheadStats = { started: 0, committed: 0, abandoned: 0, wasted: { llm: 0, tts: 0 } }
  private readonly stages: StageSet
  private errors: SessionError[] = []
  private readonly shown: ShownError[] = []
  private errorId = 0
  private placements: Placements
  private snapshot: SessionSnapshot | null = null
  private readonly listeners = new Set<() => void>()
  private readonly offs: (() => void)[] = []
  private readonly turnStore: TurnStore
  private settings: Settings
  /** The settings as the user made them (a private session applies them otherwise). */
  private userSettings: Settings | undefined

  private applied(settings: Settings): Settings {
    return this.private ? privateSettings(settings) : settings
  }

  /** A private session (`/?private`): every stage on this device, the relay never asked. */
  readonly private: boolean
  /** Every request of the page and its workers this session (the service worker reports them). */
  readonly ledger: NetworkLedger

  constructor(settings: Settings, options: { private?: boolean } = {}) {
    this.private = options.private ?? false
    this.ledger = new NetworkLedger(() => this.changed())
    this.userSettings = settings
    settings = this.applied(settings)
    this.settings = settings
    const changed = () => this.changed()
    this.stages = new StageSet(changed, (stage, err) => this.fail(stage, err))
    this.conversation = new Conversation(changed)
    this.voice = new VoiceInput(this.bus, voiceOptions(settings), changed, (err) => this.fail('asr', err))
    this.voice.answersAhead = () => this.preemptive()
    this.speaker = new Speaker(this.bus, (err) => this.fail('tts', err))
    this.speaker.rate = settings.speakingRate
    this.speaker.setEchoLoopback(settings.audioOutput === 'speakers')
    this.face = new Face(this.bus, () => this.rebuild())
    const faceName = () => this.face.state.status?.name || 'avatar'
    this.archive = new VoiceArchive(this.bus, () => void this.refreshKept())
    this.exporter = new VideoExporter(() => ({ avatarUrl: this.face.avatarUrl, name: faceName() }), () => this.settings.recordFormat, changed)
    void this.refreshKept()
    this.recorder = new Recorder(this.bus, () => ({ avatar: this.face.avatar, name: faceName() }), changed, {
      container: () => this.settings.recordFormat,
      tapMicrophone: () => this.voice.tapMicrophone(),
    })
    this.notes = new Notes(changed)
    this.documents = new Documents(changed)
    this.operatorTools = new OperatorTools(changed)
    this.facts = new Facts(settings, () => this.rebuild(), this.private)
    this.placements = resolvePlacements(this.facts.snapshot(espeakAvailable, this.face.state))
    const turns = new TurnStore(this.log, changed)
    this.turnStore = turns
    this.offs.push(
      recordTurns(this.bus, this.log, () => (turns.save(), changed())),
      // The user's voice drives the turn machine.
      this.bus.on('speech.onset', () => this.dispatch({ type: 'onset' })),
      this.bus.on('speech.onset-lost', () => this.dispatch({ type: 'onset-lost' })),
      this.bus.on('speech.started', () => this.dispatch({ type: 'speech-start' })),
      this.bus.on('speech.paused', (p) => this.dispatch({ type: 'pause', pause: p.pause, text: p.text, probability: p.probability, preemptive: this.preemptive() }, p.span)),
      this.bus.on('speech.continued', () => this.dispatch({ type: 'speech-continued' })),
      this.bus.on('speech.ended', () => this.dispatch({ type: 'speech-end' })),
      this.bus.on('speech.misfire', () => this.dispatch({ type: 'misfire' })),
      this.bus.on('speech.no-words', () => this.dispatch({ type: 'transcript', text: '' })),
      this.bus.on('speech.off', () => this.dispatch({ type: 'voice-off' })),
      this.bus.on('human.text', (t) => t.final && t.source === 'speech' && this.dispatch({ type: 'transcript', text: t.text }, t.span)),
      // The voice says when the reply is heard and when it is over.
      this.bus.on('turn.audible', (t) => this.turn?.turnId === t.turnId && this.dispatch({ type: 'reply-audible' })),
      this.bus.on('turn.done', (t) => {
        if (this.turn?.turnId !== t.turnId) return
        this.turn = null
        this.dispatch({ type: 'reply-done' })
      }),
      // Each tool call is a chip on its answer: running, then what it did.
      this.bus.on('agent.tool', (e) =>
        this.conversation.dispatch({
          type: 'tool',
          id: e.assistantId,
          chip: e.phase === 'started' ? { id: e.key, label: `${e.call.name}…`, status: 'running' } : { id: e.key, label: e.outcome.chip, status: e.outcome.ok ? 'done' : 'failed' },
        }),
      ),
      // Each on-device answer times the model (its steps after the first): the self-benchmark of the choice of model.
      this.bus.on('agent.stats', (e) => {
        const agent = this.placements.agent
        if (e.stats.forwardMsPerToken !== null && e.stats.generatedTokens >= 8 && (agent.placement === 'local-webgpu' || agent.placement === 'local-wasm')) this.facts.measured(llmModel(this.facts.snapshot(espeakAvailable, this.face.state)).id, e.stats.forwardMsPerToken)
      }),
      // The passages an answer was given are its sources: [1] in its text opens the first.
      this.bus.on('agent.sources', (e) => this.conversation.dispatch({ type: 'sources', id: e.assistantId, sources: e.sources })),
      followFeelings(this.bus, this.face),
    )
    this.rebuild()
  }

  // ——— for the UI ———

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => void this.listeners.delete(listener)
  }

  getSnapshot = (): SessionSnapshot => (this.snapshot ??= this.buildSnapshot())

  /** New settings (they are the user's; the session only reads them). */
  configure(settings: Settings) {
    if (settings === this.userSettings) return
    this.userSettings = settings
    settings = this.applied(settings)
    this.settings = settings
    this.voice.configure(voiceOptions(settings))
    this.speaker.setVolume(settings.volume)
    this.speaker.rate = settings.speakingRate
    this.speaker.setEchoLoopback(settings.audioOutput === 'speakers')
    this.facts.configure(settings)
  }

  /** Why the relay could not be reached, when it could not. */
  get relayError(): unknown {
    return this.facts.relayError
  }

  /** Asks the relay again what it offers (after it was unreachable). */
  refreshRelay() {
    this.facts.refreshRelay()
  }

  /** A typed message. Call from the gesture that sent it: browsers start audio only after one. */
  send(text: string) {
    this.speaker.unlock()
    this.dispatch({ type: 'typed', text })
  }

  /** The Stop button or Esc. */
  stop() {
    this.dispatch({ type: 'stop' })
  }

  /** A new answer to an earlier question (after a failure). */
  retry(userId: string) {
    this.interrupt('written', 'retry')
    const r = this.conversation.retry(userId)
    if (r) this.begin(r.userId, r.assistantId, r.history, 'retry', this.conversation.textOf(userId) ?? '')
  }

  /** New conversation: stop whatever is going on and forget it, here and on the device. */
  clear() {
    this.dispatch({ type: 'stop' })
    this.conversation.dispatch({ type: 'cleared' })
    this.log.clear()
    this.turnStore.clear()
    void deleteAnswers().then(() => this.refreshKept())
    this.changed()
  }

  private async refreshKept() {
    this.kept = new Set(await keptAnswerIds())
    this.changed()
  }

  async startListening() {
    this.speaker.unlock()
    this.dismissErrors('asr')
    // An on-device model loads while the user speaks, not after the question.
    this.stages.agent?.load?.().catch(() => {})
    await this.voice.start()
  }

  stopListening = () => this.voice.stop()
  setMuted = (muted: boolean) => this.voice.setMuted(muted)
  pushToTalk = (pressed: boolean) => this.voice.pushToTalk(pressed)

  /** Draws the face in `container`; returns the unmount. */
  mountFace(container: HTMLElement): () => void {
    return this.face.mount(container, this.faceTarget())
  }

  dismissError(id: number) {
    this.errors = this.errors.filter((e) => e.id !== id)
    this.changed()
  }

  /** Deletes notes the assistant kept (Settings), or all of them. */
  forgetNotes(ids?: readonly string[]) {
    void (ids ? this.notes.remove(ids) : this.notes.clear())
  }

  /** Each stage as a private session would run it on this device, and whether it can. */
  private privateReadiness(): { stage: string; ready: boolean; reason: string }[] {
    const facts = { ...this.facts.snapshot(espeakAvailable, this.face.state), settings: privateSettings(this.userSettings ?? this.settings), relay: null, private: true }
    const p = resolvePlacements(facts)
    const rows: [string, StagePlacement][] = [['speech recognition', p.asr], ['answers', p.agent], ['voice', p.tts], ['face', p.avatar]]
    return rows.map(([stage, pl]) => ({ stage, ready: pl.placement !== null || (stage === 'face' && !this.face.state.error), reason: pl.placement ? pl.label : pl.reason }))
  }

  /** Downloads what a private session lacks here (the user asked; never during one). */
  async downloadForPrivate() {
    if (this.private || this.downloading) return
    this.downloading = true
    this.changed()
    try {
      const facts = { ...this.facts.snapshot(espeakAvailable, this.face.state), settings: privateSettings(this.userSettings ?? this.settings) }
      await downloadForPrivate(facts, () => {})
      this.facts.recheck()
    } catch (err) {
      this.fail('agent', err)
    } finally {
      this.downloading = false
      this.changed()
    }
  }

  private downloading = false

  dismissConversationError() {
    this.conversation.dispatch({ type: 'dismissError' })
  }

  exportLog(): SessionExport {
    const s = this.settings
    return buildSessionExport(
      this.log.turns,
      { persona: s.persona, private: this.private, brain: s.brain, model: this.placements.agent.label, voice: s.voiceEngine === 'kokoro' ? s.kokoroVoice : s.ttsVoice, endOfSpeechMs: s.endOfSpeechMs, pushToTalk: s.pushToTalk },
      this.placements,
      (id) => this.conversation.textOf(id),
      this.shown,
      { watching: this.ledger.watching, entries: this.ledger.entries },
      this.recorder.log,
      this.turnTakingLog(),
    )
  }

  private turnTakingLog() {
    const model = this.voice.state.turnModel
    const pauses = { ...this.voice.pauses }
    return {
      preemptive: this.preemptive(),
      turnModel: model.status === 'missing' ? `missing: ${model.reason}` : model.status,
      // A pause recognised ahead and then talked past is an ASR request for nothing.
      ahead: { ...this.aheadStats, wasted: { ...this.aheadStats.wasted, asr: pauses.discarded } },
      pauses,
      echoLoopback: this.speaker.echoLoopback,
    }
  }

  dispose() {
    this.dispatch({ type: 'stop' })
    this.abandonAhead()
    for (const off of this.offs) off()
    void this.voice.stop()
    this.speaker.dispose()
    this.recorder.dispose()
    this.exporter.dispose()
    this.archive.dispose()
    this.documents.dispose()
    this.face.dispose()
    this.facts.dispose()
    this.stages.dispose()
    this.bus.clear()
  }

  // ——— turns ———

  private dispatch(event: TurnEvent, span?: { startMs: number; endMs: number }) {
    const before = this.turnState
    const out = nextTurn(before, event)
    this.turnState = out.state
    // The words' place in time: from the first held piece to the last one heard.
    const spoken = event.type === 'transcript' || event.type === 'hold-expired' || event.type === 'voice-off'
    const heard = span && this.heldSpan ? { startMs: this.heldSpan.startMs, endMs: span.endMs } : (span ?? this.heldSpan)
    if (out.state.held) this.heldSpan = heard
    else {
      this.heldSpan = undefined
      clearTimeout(this.holdTimer)
    }
    for (const effect of out.effects) {
      if (effect.type === 'pause-reply') this.turn && this.bus.emit('turn.paused', { turnId: this.turn.turnId })
      else if (effect.type === 'resume-reply') this.turn && this.bus.emit('turn.resumed', { turnId: this.turn.turnId })
      else if (effect.type === 'cancel-reply') this.interrupt(effect.keep, causeOf(event, before))
      else if (effect.type === 'hold') {
        clearTimeout(this.holdTimer)
        this.holdTimer = setTimeout(() => this.dispatch({ type: 'hold-expired' }), UNFINISHED_WAIT_MS)
      } else if (effect.type === 'end-speech') this.voice.endAtPause(effect.pause)
      else if (effect.type === 'speculate') this.startAhead(effect.text)
      else if (effect.type === 'commit') this.commitAhead(heard)
      else if (effect.type === 'abandon') this.abandonAhead()
      else {
        const { userId, assistantId, history } = this.conversation.add(effect.text.trim(), spoken ? heard : undefined)
        this.begin(userId, assistantId, history, spoken ? 'speech' : 'typed', effect.text.trim())
      }
    }
    this.changed()
  }

  /** Whether an answer may be started at a pause: the user's setting, the operator's (PARLEY_PREEMPTIVE), and a brain that writes text. */
  private preemptive(): boolean {
    return this.settings.preemptive && this.facts.relay?.preemptive !== false && this.stages.agent !== null && this.stages.agent?.kind !== 'realtime'
  }

  /** An answer to the words so far, made now and held (voice included) until the turn is certain. */
  private startAhead(text: string) {
    this.abandonAhead()
    const preview = this.conversation.preview(text.trim())
    const ahead: AnswerAhead = new AnswerAhead(preview, newId('t'), this.bus, this.conversation, (kind, datum) => {
      if (kind === 'avatar.text') feed?.((datum as StreamMap['avatar.text']).delta)
    })
    this.ahead = ahead
    this.aheadStats.started++
    const { signal } = ahead.abort
    const mark = (stage: 'firstSentence' | 'ttsFirstAudio') => ahead.emit('turn.mark', { turnId: ahead.turnId, stage, at: performance.now() })
    const feed = this.speaker.prepare(ahead.turnId, signal, mark, () => ahead.requests.tts++)
    this.begin(preview.userId, preview.assistantId, preview.history, 'speech', text.trim(), ahead)
  }

  /** The user said nothing more: the answer made ahead is the turn. */
  private commitAhead(spoken: { startMs: number; endMs: number } | undefined) {
    const ahead = this.ahead
    if (!ahead) return
    this.ahead = null
    this.aheadStats.committed++
    this.turn = { turnId: ahead.turnId, assistantId: ahead.preview.assistantId, abort: ahead.abort }
    ahead.commit(spoken)
  }

  /** The user went on: the answer made ahead is stopped, upstream too, and forgotten. */
  private abandonAhead() {
    const ahead = this.ahead
    if (!ahead) return
    this.ahead = null
    this.aheadStats.abandoned++
    this.aheadStats.wasted.llm += ahead.requests.llm
    this.aheadStats.wasted.tts += ahead.requests.tts
    ahead.abandon()
  }

  /** `ahead`: an answer made ahead of its turn: it writes and publishes through it (held), not to the conversation and the bus. */
  private begin(userId: string, assistantId: string, history: readonly Message[], source: 'speech' | 'typed' | 'retry', text: string, ahead?: AnswerAhead) {
    const turn: Turn = ahead ? { turnId: ahead.turnId, assistantId, abort: ahead.abort } : { turnId: newId('t'), assistantId, abort: new AbortController() }
    if (!ahead) this.turn = turn
    const bus: Publisher = ahead ?? this.bus
    const transcript: Transcript = ahead ?? this.conversation
    const { signal } = turn.abort
    bus.emit('turn.started', { turnId: turn.turnId, userId, assistantId, text, source, at: performance.now(), signal, ...(ahead && { ahead: true }) })
    const heardMs = () => this.speaker.heardMs(turn.turnId)
    const sources = new TurnSources()
    const cite = (passages: Parameters<TurnSources['cite']>[0], via: 'prompt' | 'tool', ms: number, vector: boolean) => {
      const cited = sources.cite(passages)
      if (cited.length) bus.emit('agent.sources', { turnId: turn.turnId, assistantId, via, sources: cited, ms, vector })
      return cited
    }
    const context = async () => {
      // The user's documents are searched while the tools and notes are made ready (not for the
      // offline guide: it reads no prompt, and its answer must not show sources it never used).
      const previous = history.filter((m) => m.role === 'user' && m.id !== userId).at(-1)?.text
      const found = this.stages.agent?.kind === 'offline' ? Promise.resolve(null) : this.documents.search(retrievalQuery(text, previous))
      // Just after the page loaded, the operator's tools and the notes may still be on their way: not for long.
      await Promise.race([Promise.all([this.operatorTools.settled(CONTEXT_WAIT_MS), this.notes.loaded]), new Promise((r) => setTimeout(r, CONTEXT_WAIT_MS))])
      const made = this.toolsFor({ turnId: turn.turnId, assistantId }, (passages, ms, vector) => cite(passages, 'tool', ms, vector), bus)
      const tools = ahead ? ahead.gate(made) : made
      if (ahead) ahead.requests.llm++
      const passages = await found
      const given = passages && !signal.aborted ? cite(passages.passages, 'prompt', passages.ms, passages.vector) : []
      // The notes go with every request while tools are on (the model is told it can forget them).
      return { tools, persona: [this.settings.persona, tools ? this.notes.prompt() : '', documentsPrompt(given)].filter(Boolean).join('\n\n') }
    }
    void writeAnswer(this.stages.agent, { turnId: turn.turnId, userId, assistantId, signal, heardMs, context }, history, this.settings.persona, transcript, bus).then(
      ({ error }) => {
        if (error === undefined) return
        this.shown.push(shownError('agent', error))
        if (isRelayDown(error)) this.relayLost(error)
      },
    )
  }

  /**
   * The turn's one abort: every stage drops what it holds for it (the agent's request, the voice's
   * synthesis, playback, the face). A spoken barge-in keeps in history only what was heard;
   * Stop and typing keep what was written.
   */
  private interrupt(keep: 'heard' | 'written', cause: InterruptCause) {
    const turn = this.turn
    if (!turn) return
    this.turn = null
    const heard = this.speaker.heard(turn.turnId)
    const heardMs = this.speaker.heardMs(turn.turnId)
    turn.abort.abort()
    const kept = keep === 'heard' && heard !== null ? 'heard' : 'written'
    if (kept === 'heard') this.conversation.dispatch({ type: 'interrupted', id: turn.assistantId, heard: heard! })
    this.bus.emit('turn.interrupted', { turnId: turn.turnId, cause, heard, kept, heardMs })
  }

  // ——— tools ———

  /** What the agent may do this turn: the built-in tools and the operator's, unless tools are off or no model calls them. */
  private toolsFor(turn: { turnId: string; assistantId: string }, cite: DocumentSearch['cite'], bus: Publisher): AgentTools | undefined {
    const agent = this.stages.agent
    // The offline guide and a small on-device model call no tools (and so get no notes, which need them).
    if (!this.settings.tools || !agent || agent.kind === 'offline' || agent.kind === 'device') return undefined
    const builtIn = builtInTools({
      settings: this.settings,
      tts: this.placements.tts,
      relayVoices: this.facts.relay?.tts.voices ?? [],
      face: this.face.state.status && !this.face.state.error ? this.face : null,
      notes: this.notes,
      documents: this.documents.count ? { search: (q, k) => this.documents.search(q, k), cite } : null,
      change: (patch) => (this.onSettingsRequest ? this.onSettingsRequest(patch) : this.configure({ ...this.settings, ...patch })),
    })
    return turnTools([...builtIn, ...this.operatorTools.tools()], turn, bus)
  }

  // ——— stages ———

  /** Decides every stage's placement again and rebuilds the stages whose inputs changed. */
  private rebuild() {
    // Facts report while they are being made (the relay is being asked): the first rebuild follows.
    if (!this.facts) return
    const facts = this.facts.snapshot(espeakAvailable, this.face.state)
    // The relay answers again: the conversation's "can't reach it" is old news (its question keeps "Try again").
    if (facts.relay && isRelayDown(this.conversation.state.error)) this.conversation.dispatch({ type: 'dismissError' })
    this.placements = resolvePlacements(facts)
    this.stages.update(this.placements, facts)
    this.stages.agent?.prime?.(() => historyOf(this.conversation.messages))
    this.voice.recognizer = this.stages.recognizer
    this.voice.setTurnModel(turnModelFor(this.settings, facts.hosted.turn))
    const onDevice = (p: string | null) => p === 'local-webgpu' || p === 'local-wasm'
    this.voice.sharedRuntime = onDevice(this.placements.asr.placement) || this.placements.tts.engine === 'kokoro'
    this.speaker.synth = this.stages.synth
    this.speaker.agentVoice = this.placements.tts.engine === 'realtime'
    this.face.configure(this.faceTarget())
    this.operatorTools.update(!this.private && Boolean(facts.relay?.tools?.available) && this.settings.tools, this.settings.accessToken)
    this.documents.configure(documentSearchPlacement(facts))
    this.changed()
  }

  private faceTarget() {
    const s = this.settings
    const avatars = this.facts.avatars
    const avatar = avatars.some((a) => a.id === s.avatar) || !avatars.length ? s.avatar : avatars[0]!.id
    const remote = remoteAvatar({ settings: s, remoteAvatars: this.facts.remoteAvatars })
    const token = s.accessToken
    return {
      avatarUrl: `/avatars/${avatar}/`,
      remote: remote ? { id: remote.id, url: relaySocketUrl(`/api/v1/avatar/${remote.id}`), protocols: ['parley', ...(token ? [`parley-token.${token}`] : [])], maxDelayMs: s.remoteAvatarMaxDelayMs } : null,
    }
  }

  // ——— state ———

  /**
   * One banner per stage: its latest problem (a denied microphone outranks the model that then
   * failed to load). While the relay is unreachable its one banner says it all: what fails for want
   * of it (a worker or model file it serves, a request to it) is logged, not shown beside it; a
   * stage's own failure (a crashing worker, a damaged model, the microphone) is still shown.
   */
  private fail(stage: SessionError['stage'], error: unknown) {
    this.shown.push(shownError(stage, error))
    this.bus.emit('stage.error', { stage, error })
    if (isRelayDown(error)) return this.relayLost(error)
    // A worker this session stopped itself (another voice or model was chosen) is no news.
    if (errorCode(error) === 'worker_stopped') return
    if (this.facts.relay === null && needsTheRelay(error)) return
    this.errors = [...this.errors.filter((e) => e.stage !== stage), { id: ++this.errorId, stage, error }]
    this.changed()
  }

  /** The relay stopped answering mid-session: say so once (with a retry), answer offline meanwhile, and fold the banners it caused. */
  private relayLost(error: unknown) {
    this.errors = this.errors.filter((e) => !needsTheRelay(e.error))
    this.facts.lost(error)
  }

  private dismissErrors(stage: SessionError['stage']) {
    if (!this.errors.some((e) => e.stage === stage)) return
    this.errors = this.errors.filter((e) => e.stage !== stage)
    this.changed()
  }

  private changed() {
    this.snapshot = null
    this.face.setMood(FACE_MOOD[this.mood()])
    for (const l of this.listeners) l()
  }

  private mood(): StageMood {
    const c = this.conversation.state
    const phase = this.turnState.phase
    const replying = c.messages.find((m) => m.id === c.replyingTo)
    const status = this.voice.state.status
    if (phase === 'speaking' || replying?.text) return 'answering'
    if (phase === 'thinking' || replying) return 'thinking'
    if (status === 'hearing') return 'hearing'
    return status === 'off' ? 'ready' : 'listening'
  }

  private buildSnapshot(): SessionSnapshot {
    return {
      phase: this.turnState.phase,
      mood: this.mood(),
      conversation: this.conversation.state,
      voice: this.voice.state,
      face: this.face.state,
      placements: this.placements,
      relay: this.facts.relay,
      progress: this.stages.loads.progress,
      loaded: this.stages.loads.loaded,
      errors: this.errors,
      turns: [...this.log.turns],
      avatars: this.facts.avatars,
      remoteAvatars: this.facts.remoteAvatars,
      hosted: this.facts.hosted,
      modelWeights: modelDevice({ settings: this.settings, device: this.facts.device }) === 'wasm' ? 'q8' : this.facts.device?.shaderF16 ? 'fp16' : 'fp32',
      avatarUrl: this.faceTarget().avatarUrl,
      recording: this.recorder.state,
      interruptedRecordings: this.recorder.interrupted,
      export: this.exporter.state,
      keptAnswers: this.kept,
      notes: this.notes.all,
      operatorTools: this.operatorTools.count,
      documents: this.documents.state,
      privateSession: this.private,
      privateReadiness: this.private ? [] : this.privateReadiness(),
      downloading: this.downloading,
      network: { watching: this.ledger.watching, entries: this.ledger.entries, ...this.ledger.summary },
    }
  }
}

const voiceOptions = (s: Settings) => ({
  deviceId: s.microphoneId,
  pushToTalk: s.pushToTalk,
  endOfSpeechMs: s.endOfSpeechMs,
  audioOutput: s.audioOutput,
})

/** The turn model to load (its URL), or why there is none. */
function turnModelFor(s: Settings, hosted: boolean | undefined): { url: string } | { reason: string } {
  if (!s.turnModel) return { reason: 'Turned off in Settings: the end-of-speech wait alone ends a turn.' }
  // Push-to-talk ends a turn with the key: no model is asked.
  if (s.pushToTalk) return { reason: 'Push-to-talk: releasing the key ends the turn.' }
  if (hosted === undefined) return { reason: 'Finding out whether this server has the turn model…' }
  if (!hosted) return { reason: `The turn model is not on this server, so the end-of-speech wait alone ends a turn. To add it: npm run models:fetch -- ${s.turnModel}` }
  return { url: modelUrl(`${s.turnModel}/${SMART_TURN_FILE}`) }
}

/** Why the turn machine cancelled a reply, from the event that made it. */
/**
 * How much longer a sentence that sounds unfinished waits for its rest, on top of the end-of-speech
 * delay (500 ms by default): about 1.5 s of silence in all before it is answered as it is.
 */
const UNFINISHED_WAIT_MS = 1000
/** The most a turn waits for the operator's tools' listing and the saved notes, just after the page loaded. */
const CONTEXT_WAIT_MS = 1500

function causeOf(event: TurnEvent, before: TurnState): InterruptCause {
  if (event.type === 'stop') return 'stop'
  if (event.type === 'typed') return 'typed'
  return before.paused ? 'barge-in' : 'new-turn'
}

