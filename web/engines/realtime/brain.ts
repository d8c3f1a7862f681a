/**
 * A speech-to-speech model (OpenAI Realtime, an OpenRealtime server) as Parley's brain: it takes
 * the place of recognition, the language model and the voice of a turn, while Parley's VAD,
 * playback, face, transcript and latency marks stay.
 *
 * As the session sees it, one object is two stages: a SpeechRecognizer (the model hears the
 * user; its transcript becomes the user's message) and an Agent (the model answers, its
 * transcript as text and its audio through `onVoice`). A stopped answer is cancelled and
 * truncated at what the listener heard, so the model forgets what went unheard.
 *
 * Who decides the turn is over:
 * - `model` (default): the microphone streams to the model, whose server VAD commits each turn,
 *   transcribes it and starts the answer (and cancels one the user speaks over); Parley's VAD
 *   still silences the voice the moment the user cuts in. OpenRealtime transcribes only turns
 *   its own VAD committed, so this is the mode it needs.
 * - `parley`: the model's turn detection is off; each segment Parley's VAD cuts is appended and
 *   committed, and the answer is asked for when Parley's turn machine says so — false starts and
 *   held unfinished words then behave exactly as in the cascade.
 */
import { MAX_TOOL_STEPS, type Agent, type AgentRequest, type ChatTurn } from '../agent/agent.ts'
import type { SpeechRecognizer, Transcript } from '../asr/asr.ts'
import { AppError } from '../../lib/errors.ts'
import { AnswerStream, RESPONSE_MS, responseIdOf } from './answer-stream.ts'
import { RealtimeLink } from './link.ts'
import { resample, toPcm16Base64 } from './pcm.ts'

export type TurnDetection = 'model' | 'parley'

export interface RealtimeBrainOptions {
  model: string
  url: string
  token?: string
  turns: TurnDetection
  /** Silence that ends a turn, for the model's VAD as for Parley's. */
  endOfSpeechMs: number
}

export interface RealtimeBrain {
  recognizer: SpeechRecognizer & { load(): Promise<void> }
  agent: Agent
  dispose(): void
}

/** PCM as the protocol states it for OpenAI (OpenRealtime's is 16 kHz: its session says so). */
const DEFAULT_RATE = 24000
/** The VAD's segments and the microphone's frames are 16 kHz. */
const MIC_RATE = 16000
/** One append carries at most half a second: small events, and the relay's cap is far off. */
const APPEND_SECONDS = 0.5
/** The microphone's 32 ms frames go up four at a time (about 8 appends a second). */
const FRAMES_PER_APPEND = 4
/** Transcription runs beside the model; it gets this long. */
const TRANSCRIPT_MS = 15_000
/** Model mode: how long a segment Parley heard waits for the model's VAD to hear it too. */
const UNHEARD_MS = 2500
/** Model mode: after the session ended, how often the microphone tries to open a new one. */
const REOPEN_MS = 3000
/** How much of the conversation a new session is told (the pipeline's history window). */
const SEED_MESSAGES = 20

export function createRealtimeBrain(options: RealtimeBrainOptions): RealtimeBrain {
  const byModel = options.turns === 'model'
  let instructions = ''
  /** The functions the session offers (the last turn's tools), and for which connection they were sent. */
  let functions: { type: string; name: string; description: string; parameters: Record<string, unknown> }[] = []
  let offeredKey = ''
  const link = new RealtimeLink({
    url: `${options.url}?model=${encodeURIComponent(options.model)}`,
    protocols: ['realtime', ...(options.token ? [`openai-insecure-api-key.${options.token}`] : [])],
    session: () => ({
      type: 'realtime',
      output_modalities: ['audio'],
      audio: {
        input: {
          format: { type: 'audio/pcm', rate: DEFAULT_RATE },
          turn_detection: byModel ? { type: 'server_vad', silence_duration_ms: options.endOfSpeechMs, create_response: true, interrupt_response: true } : null,
          transcription: { model: 'whisper-1' },
        },
        output: { format: { type: 'audio/pcm', rate: DEFAULT_RATE } },
      },
      ...(instructions ? { instructions } : {}),
      ...(functions.length ? { tools: functions, tool_choice: 'auto' } : {}),
    }),
  })
  const rate = (way: 'input' | 'output') => {
    const audio = link.session.audio as Record<string, { format?: { rate?: unknown } }> | undefined
    const r = audio?.[way]?.format?.rate
    return typeof r === 'number' && r >= 8000 ? r : DEFAULT_RATE
  }

  /** Transcripts of speech the model has in its conversation that no answer has used yet. */
  let unanswered: string[] = []
  /** Transcripts that came (model mode) before anyone asked for them. */
  const transcripts: string[] = []
  /** Turns the model's VAD heard begin whose transcript has not come yet. */
  let speechUntranscribed = 0
  let transcriptArrived: (() => void) | undefined
  /** An answer the model started by itself (its VAD ended the turn), not yet claimed by a turn. */
  let ownAnswer: AnswerStream | null = null
  let ownAnswerStarted: (() => void) | undefined
  let claimed: AnswerStream | null = null

  /** Responses that have ended: their late events start nothing and belong to no new answer. */
  const finished = new Set<string>()
  link.listen((e) => {
    if (e instanceof AppError) {
      // The session lives with the link: a new one knows nothing said before it.
      unanswered = []
      transcripts.length = 0
      speechUntranscribed = 0
      ownAnswer?.discard()
      ownAnswer = null
      return
    }
    const id = responseIdOf(e)
    if (e.type === 'response.done' && id) {
      finished.add(id)
      if (finished.size > 64) finished.delete(finished.values().next().value!)
    }
    if (!byModel) return
    if (e.type === 'input_audio_buffer.speech_started') speechUntranscribed++
    if (e.type === 'conversation.item.input_audio_transcription.completed' || e.type === 'conversation.item.input_audio_transcription.failed') {
      speechUntranscribed = Math.max(0, speechUntranscribed - 1)
      const text = typeof e.transcript === 'string' ? e.transcript.trim() : ''
      if (text) transcripts.push(text)
      transcriptArrived?.()
    }
    // The first sign of an answer nobody asked for: the model's VAD ended a turn.
    if (e.type.startsWith('response.') && e.type !== 'response.done' && !(id && finished.has(id)) && !claimed?.owns(e) && !ownAnswer?.owns(e)) {
      ownAnswer?.discard()
      ownAnswer = new AnswerStream(link, rate('output'), finished, e)
      ownAnswerStarted?.()
    }
  })

  // Model mode: the microphone, as it goes.
  let frames: MessagePort | null = null
  let lastReopen = -Infinity
  const hear = (port: MessagePort) => {
    frames?.postMessage('close')
    frames?.close()
    frames = port
    let batch: Float32Array[] = []
    port.onmessage = (m: MessageEvent<{ type: string; samples: Float32Array }>) => {
      if (m.data?.type !== 'frame') return
      // The session ended (a limit, a drop): the microphone is on, so the next one opens now,
      // not when a sentence is already lost. At most one try every few seconds.
      if (!link.isOpen) {
        if (!link.isOpening && performance.now() - lastReopen > REOPEN_MS) {
          lastReopen = performance.now()
          void open().catch(() => {})
        }
        return
      }
      batch.push(m.data.samples)
      if (batch.length < FRAMES_PER_APPEND) return
      const joined = new Float32Array(batch.reduce((n, f) => n + f.length, 0))
      batch.reduce((at, f) => (joined.set(f, at), at + f.length), 0)
      batch = []
      link.send({ type: 'input_audio_buffer.append', audio: toPcm16Base64(resample(joined, MIC_RATE, rate('input'))) })
    }
  }

  const recognizer: RealtimeBrain['recognizer'] = {
    placement: 'relay',
    label: `${options.model} · Realtime`,
    load: () => open(),
    ...(byModel && { hear }),
    async transcribe(audio, { signal }): Promise<Transcript> {
      const started = performance.now()
      await open()
      signal?.throwIfAborted()
      const text = byModel ? await heardByModel(signal) : await commitSegment(audio, signal)
      if (text) unanswered.push(text)
      return { text, ms: performance.now() - started }
    },
    dispose: () => link.close(),
  }

  /** Parley mode: the segment goes up whole and is committed; the model's transcript of it comes back. */
  async function commitSegment(audio: Float32Array, signal: AbortSignal | undefined): Promise<string> {
    const pcm = resample(audio, MIC_RATE, rate('input'))
    const step = Math.round(rate('input') * APPEND_SECONDS)
    const committed = link.waitFor((e) => e.type === 'input_audio_buffer.committed', signal, TRANSCRIPT_MS)
    for (let i = 0; i < pcm.length; i += step) link.send({ type: 'input_audio_buffer.append', audio: toPcm16Base64(pcm.subarray(i, i + step)) })
    link.send({ type: 'input_audio_buffer.commit' })
    const item = (await committed).item_id
    const done = await link.waitFor((e) => (e.type === 'conversation.item.input_audio_transcription.completed' || e.type === 'conversation.item.input_audio_transcription.failed') && (item === undefined || e.item_id === item), signal, TRANSCRIPT_MS)
    if (done.type.endsWith('.failed')) throw new AppError('realtime_transcription_failed', 'The Realtime model could not make out what was said. Say it again, or type it.')
    return typeof done.transcript === 'string' ? done.transcript.trim() : ''
  }

  /** Model mode: the audio is with the model already; its transcripts since the last turn are what was said. */
  async function heardByModel(signal: AbortSignal | undefined): Promise<string> {
    const started = performance.now()
    // Speech the model's VAD did not take for speech gets no transcript: that is known soon.
    const waiting = () => performance.now() - started < (speechUntranscribed > 0 ? TRANSCRIPT_MS : UNHEARD_MS)
    while (!transcripts.length && waiting() && !signal?.aborted) {
      await new Promise<void>((r) => {
        transcriptArrived = r
        setTimeout(r, 250)
      })
    }
    transcriptArrived = undefined
    signal?.throwIfAborted()
    return transcripts.splice(0).join(' ')
  }

  /**
   * A new session knows nothing of the conversation so far (after a reload, or a session that
   * ended): its earlier messages go in first, as text — at once when the conversation is known
   * (the model may answer a spoken turn by itself before any turn asks), else with the first turn,
   * ahead of what that turn put there.
   */
  let seeded = 0
  let conversation: (() => readonly ChatTurn[]) | undefined
  /** Opens the session if need be, telling a new one the conversation so far. */
  const open = () => link.open().then(() => seed(conversation?.() ?? [], false, false))
  function seed(earlier: readonly ChatTurn[], spoken: boolean, turn = true) {
    if (seeded === link.connection) return
    const told = earlier.filter((t) => t.content.trim()).slice(-SEED_MESSAGES)
    // A turn marks the session told even with nothing to tell: what it says from now on is in it.
    if (!told.length && !turn) return
    seeded = link.connection
    let previous: string | null = spoken ? 'root' : null
    for (const [i, m] of told.entries()) {
      const id = `item_parley_${Date.now().toString(36)}_${i}`
      const content = [{ type: m.role === 'user' ? 'input_text' : 'output_text', text: m.content }]
      link.send({ type: 'conversation.item.create', ...(previous && { previous_item_id: previous }), item: { id, type: 'message', role: m.role, content } })
      if (previous) previous = id
    }
  }

  const agent: Agent = {
    kind: 'realtime',
    label: options.model,
    prime: (history) => void (conversation = history),
    async *reply(request: AgentRequest) {
      const { history, systemPrompt, signal } = request
      // Opened here, a new session is told the conversation below, in its place before this turn.
      await link.open()
      signal.throwIfAborted()
      if (systemPrompt.trim() !== instructions) {
        instructions = systemPrompt.trim()
        link.send({ type: 'session.update', session: { type: 'realtime', instructions } })
      }
      offerTools(request.tools)
      const spoken = unanswered.length > 0
      unanswered = []
      seed(history.slice(0, -1), spoken)
      let answer: AnswerStream
      if (spoken && byModel) {
        // The model's VAD ended this turn and the model answers by itself (it always does: asking
        // as well would make a second answer): take that answer when it starts.
        if (!ownAnswer) await new Promise<void>((r) => {
          const done = () => (signal.removeEventListener('abort', done), clearTimeout(timer), r())
          const timer = setTimeout(done, RESPONSE_MS)
          ownAnswerStarted = done
          signal.addEventListener('abort', done, { once: true })
        })
        ownAnswerStarted = undefined
        signal.throwIfAborted()
        if (!ownAnswer) throw new AppError('realtime_timeout', 'The Realtime model heard you but did not start its answer within 30 s. Try again.')
        answer = ownAnswer
        ownAnswer = null
      } else {
        // Spoken words are in the model's conversation as audio already; typed ones go in as text.
        const question = history.at(-1)?.content ?? ''
        if (!spoken && question) link.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: question }] } })
        answer = new AnswerStream(link, rate('output'), finished)
        link.send({ type: 'response.create' })
      }
      claimed = answer
      // The reply may span several responses (tool calls between them): a stop cuts the one speaking,
      // at what was heard of it.
      let earlierAudioMs = 0
      signal.addEventListener('abort', () => {
        const heard = request.heardMs?.() ?? null
        answer.stop(heard === null ? null : Math.max(0, heard - earlierAudioMs))
      }, { once: true })
      let said = ''
      try {
        for (let round = 1; ; round++) {
          let first = true
          for await (const delta of answer.text(signal, (chunk) => request.onVoice?.(chunk))) {
            // A new response after tool calls starts a new sentence: a space where the model left none (its deltas are pieces of words).
            const piece = first && said && !/\s$/.test(said) && !/^\s/.test(delta) ? ` ${delta}` : delta
            first = false
            said += piece
            yield piece
          }
          // Told not to call more, a model that does anyway gets no more rounds.
          if (signal.aborted || !answer.calls.length || !request.tools || round > MAX_TOOL_STEPS) return
          // The model called functions: their outputs go into its conversation, and it is asked to go on.
          const calls = answer.calls
          const outputs = await Promise.all(calls.map((c) => request.tools!.run(c, signal)))
          signal.throwIfAborted()
          for (const [i, c] of calls.entries()) link.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: c.id, output: outputs[i]! } })
          earlierAudioMs += answer.audioMs
          answer.discard()
          answer = new AnswerStream(link, rate('output'), finished)
          claimed = answer
          link.send({ type: 'response.create', ...(round >= MAX_TOOL_STEPS && { response: { tool_choice: 'none' } }) })
        }
      } finally {
        answer.discard()
        if (claimed === answer) claimed = null
      }
    },
  }

  /**
   * The session's functions follow the turn's tools (the avatar's expressions, the operator's
   * tools): sent when they change, and with every new session (its first spoken answer, which the
   * model's VAD starts by itself, can call them too).
   */
  function offerTools(tools: AgentRequest['tools']) {
    const list = (tools?.definitions ?? []).map((d) => ({ type: 'function', name: d.name, description: d.description, parameters: d.parameters }))
    const key = `${link.connection}|${JSON.stringify(list)}`
    if (key === offeredKey || (!list.length && !functions.length)) return
    functions = list
    offeredKey = key
    link.send({ type: 'session.update', session: { type: 'realtime', tools: list, tool_choice: list.length ? 'auto' : 'none' } })
  }

  return {
    recognizer,
    agent,
    dispose: () => {
      frames?.postMessage('close')
      frames?.close()
      link.close()
    },
  }
}
