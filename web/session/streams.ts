import type { GenerationStats } from '../engines/llm/protocol.ts'
/**
 * The streams of a conversation (DESIGN §1), one shape per datum. Stages never call each other:
 * each publishes what it makes under its kind and subscribes to the kinds it needs, and the
 * session routes them. A new stage (a recorder, a turn detector) is one more subscriber.
 *
 * Media kinds, after OpenAvatarChat's ChatDataType:
 * - `human.audio`  a speech segment the VAD cut from the microphone (16 kHz mono)
 * - `human.text`   what the user said (partial or final) or typed
 * - `avatar.text`  the answer as it is written, delta by delta
 * - `agent.tool`   a tool the answer called: when it started, and what it did
 * - `avatar.voice` the answer's voice when the agent speaks for itself (a Realtime model)
 * - `avatar.audio` the answer's voice, one sentence at a time, placed on the reply's audio clock
 * - `avatar.video` each frame the face shows, local or remote (counted, not copied: pixels stay in
 *                  the avatar worker)
 * The microphone's own frames (`mic.audio`) travel from the capture worklet to the VAD worker on a
 * MessagePort and never cross the main thread; `human.audio` is what comes out of that path.
 *
 * Control kinds: `turn.*` follow one turn (an id from `turn.started` to `turn.done`), `speech.*`
 * what the user's voice does, `stage.*` what the stages report.
 */
import type { ToolCall } from '../engines/agent/agent.ts'
import type { ReplyClock, SpeechChunk } from '../engines/media.ts'
import type { ToolOutcome } from './tools/tool.ts'
import type { MessageSource } from './conversation-state.ts'
import type { Stage } from './turn-log.ts'

export type { ReplyClock, SpeechChunk } from '../engines/media.ts'

export type StageName = 'vad' | 'asr' | 'agent' | 'tts' | 'avatar'

/** Why a turn was cut short: the user spoke over it, pressed Stop, typed over it, or spoke again after it was taken. */
export type InterruptCause = 'barge-in' | 'stop' | 'typed' | 'new-turn' | 'retry' | 'cleared'

export interface HumanAudio {
  samples: Float32Array
  /** Where the speech was in the captured audio (ms since listening started). */
  startMs: number
  endMs: number
  /** performance.now() when the VAD ended the segment, and where in the captured audio it was then (ms). */
  at: number
  detectedMs: number
}

export interface HumanText {
  text: string
  final: boolean
  source: 'speech' | 'typed'
  /** For speech: where it was in the captured audio. */
  span?: { startMs: number; endMs: number }
  at: number
}

export interface StreamMap {
  'human.audio': HumanAudio
  'human.text': HumanText
  'avatar.text': { turnId: string; delta: string }
  /** A tool call of the answer: `started`, then `done` with its outcome (performance.now() times). */
  'agent.tool': { turnId: string; assistantId: string; key: string; call: ToolCall; at: number } & ({ phase: 'started' } | { phase: 'done'; startedAt: number; outcome: ToolOutcome })
  /** Passages of the user's documents given to the answer: found for the prompt before it was asked, or by its own search. */
  /** An on-device model's counts for one answer (sent when its generation ended, a cancelled one too). */
  'agent.stats': { turnId: string; stats: GenerationStats }
  'agent.sources': { turnId: string; assistantId: string; via: 'prompt' | 'tool'; sources: MessageSource[]; ms: number; vector: boolean }
  /** The answer's voice as its agent made it (a speech-to-speech model speaks for itself): played as it comes, no synthesis. */
  'avatar.voice': { turnId: string; chunk: SpeechChunk }
  /** A sentence of the answer's voice, scheduled `startMs` into the reply's audio. */
  'avatar.audio': { turnId: string; chunk: SpeechChunk; startMs: number }
  /** The answer has no more sentences (a remote avatar sends its last, padded audio now). */
  'avatar.audio.end': { turnId: string }
  /** The reply's audio clock (where the listener is), on every change of course and 4 times a second. */
  'avatar.clock': { turnId: string | null; clock: ReplyClock }
  /**
   * How long the voice waits before a reply is heard, so that a remote face's frames (which take
   * that long to come) are shown with the audio they were made from; 0 for the local face.
   */
  'avatar.delay': { delayMs: number }
  /** A frame the face drew: `audioMs` into the reply it was drawn for (epoch ms `at`). */
  'avatar.video': { turnId: string | null; at: number; audioMs: number; source: 'local' | 'remote' }

  /** The microphone opened (a stage that taps it, the recorder, taps it now). */
  'mic.opened': { at: number }
  /** A frame that may be speech (a reply falls silent at once); `speech.onset-lost`: it was not. */
  'speech.onset': { at: number }
  'speech.onset-lost': { at: number }
  'speech.started': { at: number }
  /**
   * A short pause inside the user's speech, judged: the words so far (recognised ahead), the turn
   * model's P(complete) (null without one) and how long it took, and where the speech was.
   */
  'speech.paused': { pause: number; text: string; probability: number | null; modelMs: number | null; span: { startMs: number; endMs: number }; at: number }
  /** The user went on after that pause: what was recognised ahead is void. */
  'speech.continued': { pause: number; at: number }
  'speech.ended': { at: number }
  /** Speech too short to be words (a cough, a click): a false interrupt. */
  'speech.misfire': { at: number }
  /** Speech that had no words in it, or could not be recognised. */
  'speech.no-words': { at: number }
  /** The microphone went off or was muted: no words are coming. */
  'speech.off': { at: number }

  /** `ahead`: the answer was started at a pause, before the turn was certain, at that time (replayed when it became the turn). */
  'turn.started': { turnId: string; userId: string; assistantId: string; text: string; source: 'speech' | 'typed' | 'retry'; at: number; signal: AbortSignal; ahead?: boolean }
  /** The answer's text is complete (`ok`), or the model failed. */
  'turn.written': { turnId: string; ok: boolean }
  /** The user may be cutting in: the answer holds its place. */
  'turn.paused': { turnId: string }
  'turn.resumed': { turnId: string }
  /** The turn's abort fired: every stage drops what it holds for it. `heard` is what the listener heard, when anything was spoken. */
  'turn.interrupted': { turnId: string; cause: InterruptCause; heard: string | null; kept: 'heard' | 'written'; heardMs?: number | null }
  /** The answer's first sample reached the speakers. */
  'turn.audible': { turnId: string; at: number }
  /** The reply has been said (or could not be): the turn is over. */
  'turn.done': { turnId: string }
  /** A latency mark of the turn (DESIGN §7). */
  'turn.mark': { turnId: string; stage: Stage; at: number }

  /** A stage dropped what it held for an interrupted turn. */
  'stage.stopped': { stage: StageName | 'playback'; turnId: string; at: number }
  /** A stage failed; `shown` when the user was told. */
  'stage.error': { stage: StageName | 'playback' | 'session'; error: unknown }
}

export type StreamKind = keyof StreamMap
