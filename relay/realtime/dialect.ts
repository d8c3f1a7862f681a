/**
 * One dialect toward clients: the GA Realtime protocol. Some upstreams speak the beta one —
 * OpenRealtime (infinautai/open-realtime, read at 81042a5: server.py, session.py, events.py,
 * tts_processor.py) above all — whose server events have other names (`response.audio.delta` for
 * `response.output_audio.delta`, …) and whose session object is flat (`modalities`,
 * `input_audio_format`, `turn_detection`, `voice`). The relay tells which an upstream speaks from
 * its `session.created` and, for a beta one, translates both ways and evens out what its clients
 * could not otherwise rely on:
 * - OpenRealtime's `session.update` replaces the whole session (a partial update would turn its
 *   VAD off): the relay sends the session it knows with the client's changes merged in;
 * - its `modalities` may only be ["text"] (it speaks through its own TTS whatever they say);
 * - its `pcm16` is 16 kHz (OpenAI's beta `pcm16`, objects marked `realtime.session`, is 24 kHz);
 * - its audio goes on after `response.done` (speech is made sentence by sentence) and after a
 *   cancel: the relay holds `response.done` until each sentence's `response.audio.done` has come,
 *   and drops the audio of a cancelled response;
 * - its own `response.audio.cancel` is not a GA event and is not passed on.
 */

export type Dialect = 'ga' | 'beta'
type Json = Record<string, unknown>

const BETA_TO_GA: Record<string, string> = {
  'response.audio.delta': 'response.output_audio.delta',
  'response.audio.done': 'response.output_audio.done',
  'response.audio_transcript.delta': 'response.output_audio_transcript.delta',
  'response.audio_transcript.done': 'response.output_audio_transcript.done',
  'response.text.delta': 'response.output_text.delta',
  'response.text.done': 'response.output_text.done',
  'conversation.item.created': 'conversation.item.added',
}

/** The sentences OpenRealtime's TTS worker speaks one by one, split as it splits them. */
const SENTENCES = /[^.?!;。？！；]*[.?!;。？！；]+\s*|[^.?!;。？！；]+$/g
/** A held `response.done` goes out after this long even if a sentence's audio never ends. */
const AUDIO_GRACE_MS = 15_000

/** How many recent responses the translator remembers (ids, progress): a handful are ever live. */
const KEPT_RESPONSES = 32

/** A set that forgets its oldest entries beyond `size`. */
class BoundedSet {
  private readonly items = new Set<string>()
  constructor(private readonly size: number) {}
  has(id: string) {
    return this.items.has(id)
  }
  add(id: string) {
    if (this.items.has(id)) return
    this.items.add(id)
    if (this.items.size > this.size) this.items.delete(this.items.values().next().value!)
  }
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** GA sessions say `type: "realtime"` and nest their audio settings; beta ones do neither. */
export function dialectOf(sessionCreated: Json): Dialect {
  const s = sessionCreated.session
  return isObject(s) && (s.type === 'realtime' || isObject(s.audio) || Array.isArray(s.output_modalities)) ? 'ga' : 'beta'
}

/** A beta upstream, as a GA client sees it. `toClient` receives each GA event to pass on. */
export class BetaUpstream {
  /** The whole beta session as the upstream last stated it. */
  private session: Json
  /** OpenAI's own beta service (its objects say so) rather than an OpenRealtime-like server. */
  private readonly openAi: boolean
  private readonly rate: number
  /** The response whose deltas are arriving now (OpenRealtime sends no `response.created`). */
  private current: string | undefined
  /** Responses the upstream has started (the latest few): only those can be cancelled or tracked. */
  private readonly issued = new BoundedSet(KEPT_RESPONSES)
  private readonly cancelled = new BoundedSet(KEPT_RESPONSES)
  private readonly progress = new Map<string, { sentences: number; audioDone: number; done?: Json; timer?: ReturnType<typeof setTimeout> }>()

  constructor(created: Json, private readonly toClient: (e: Json) => void) {
    this.session = isObject(created.session) ? created.session : {}
    this.openAi = this.session.object === 'realtime.session'
    this.rate = this.openAi ? 24000 : 16000
  }

  /** A client's (GA) event, as the upstream reads it. */
  up(e: Json): Json {
    switch (e.type) {
      case 'session.update': {
        if (!isObject(e.session)) return e
        this.session = { ...this.session, ...this.sessionToBeta(e.session) }
        return { ...e, session: this.session }
      }
      case 'response.create':
        if (!isObject(e.response) || !Array.isArray(e.response.output_modalities)) return e
        {
          const { output_modalities, ...response } = e.response
          return { ...e, response: { ...response, modalities: this.modalities(output_modalities) } }
        }
      case 'response.cancel': {
        const id = typeof e.response_id === 'string' && this.issued.has(e.response_id) ? e.response_id : this.current
        if (id) this.cancel(id)
        return e
      }
      case 'conversation.item.create':
        return isObject(e.item) && Array.isArray(e.item.content) ? { ...e, item: { ...e.item, content: e.item.content.map(contentToBeta) } } : e
      default:
        return e
    }
  }

  /** An upstream (beta) event: passed on in GA shape, held, or dropped. */
  down(e: Json) {
    const type = e.type as string
    const id = typeof e.response_id === 'string' ? e.response_id : isObject(e.response) && typeof e.response.id === 'string' ? e.response.id : undefined
    // OpenRealtime's own, sent on a cancel and when its VAD hears the user: it cancels by time, so
    // the response now speaking is the one it means. GA says a cancel with response.done.
    if (type === 'response.audio.cancel') return void (this.current && this.cancel(this.current))
    if (id && this.cancelled.has(id) && type !== 'response.done') return
    if (id && type.startsWith('response.')) this.issued.add(id)
    if (id && type.startsWith('response.') && type !== 'response.done') this.current = id
    switch (type) {
      case 'session.created':
      case 'session.updated':
        if (isObject(e.session)) this.session = e.session
        return this.toClient({ ...e, session: this.sessionToGa(this.session) })
      case 'response.text.done':
        if (id && typeof e.text === 'string') this.track(id).sentences = e.text.match(SENTENCES)?.length ?? 0
        break
      case 'response.audio.done':
        if (id) this.track(id).audioDone++
        break
      case 'response.done':
        // Cancelled here, whatever the upstream says: its voice is not passed on any more.
        if (id && this.cancelled.has(id)) {
          this.forget(id)
          return this.toClient(withStatus(responseDone(e), 'cancelled'))
        }
        if (id && isObject(e.response) && e.response.status === 'completed' && !this.openAi) {
          const p = this.track(id)
          p.done = e
          p.timer = setTimeout(() => this.release(id), AUDIO_GRACE_MS)
          return this.releaseIfSpoken(id)
        }
        if (id) this.forget(id)
        return this.toClient(responseDone(e))
    }
    this.toClient(BETA_TO_GA[type] ? { ...e, type: BETA_TO_GA[type] } : e)
    if (type === 'response.audio.done' && id) this.releaseIfSpoken(id)
  }

  /** Timers end with the session. */
  close() {
    for (const p of this.progress.values()) clearTimeout(p.timer)
  }

  private cancel(id: string) {
    this.cancelled.add(id)
    // A held done goes out now, as a cancelled response's.
    const p = this.progress.get(id)
    if (p?.done) this.release(id, 'cancelled')
  }

  private track(id: string) {
    let p = this.progress.get(id)
    if (!p) {
      // The latest few responses only: an upstream that never says done cannot grow this.
      if (this.progress.size >= KEPT_RESPONSES) this.forget(this.progress.keys().next().value!)
      this.progress.set(id, (p = { sentences: Number.POSITIVE_INFINITY, audioDone: 0 }))
    }
    return p
  }

  private forget(id: string) {
    clearTimeout(this.progress.get(id)?.timer)
    this.progress.delete(id)
  }

  private releaseIfSpoken(id: string) {
    const p = this.progress.get(id)
    if (p?.done && p.audioDone >= p.sentences) this.release(id)
  }

  private release(id: string, status?: 'cancelled') {
    const p = this.progress.get(id)
    if (!p?.done) return
    clearTimeout(p.timer)
    this.progress.delete(id)
    const done = responseDone(p.done)
    this.toClient(status ? withStatus(done, status) : done)
  }

  private modalities(output: unknown[]): string[] {
    // OpenRealtime refuses any modality but text (and speaks anyway); OpenAI's beta asks for both.
    return this.openAi && output.includes('audio') ? ['text', 'audio'] : ['text']
  }

  /** A GA session (possibly partial) in beta keys; only what it says. */
  private sessionToBeta(s: Json): Json {
    const { type: _type, output_modalities, audio, model: _model, ...rest } = s
    const input = isObject(audio) && isObject(audio.input) ? audio.input : {}
    const output = isObject(audio) && isObject(audio.output) ? audio.output : {}
    const format = (f: unknown) => (isObject(f) ? (f.type === 'audio/pcm' ? 'pcm16' : String(f.type ?? '').replace(/^audio\//, '')) : undefined)
    const td = input.turn_detection
    return prune({
      ...rest,
      modalities: Array.isArray(output_modalities) ? this.modalities(output_modalities) : undefined,
      input_audio_format: format(input.format),
      output_audio_format: format(output.format),
      // Off is `false` there; on, only the settings it knows (it validates the rest away).
      turn_detection: td === null ? false : isObject(td) ? prune({ type: 'server_vad', threshold: td.threshold, prefix_padding_ms: td.prefix_padding_ms, silence_duration_ms: td.silence_duration_ms }) : undefined,
      input_audio_transcription: input.transcription,
      voice: output.voice,
    })
  }

  /** The beta session, in GA keys, with the PCM rate its `pcm16` means. */
  private sessionToGa(s: Json): Json {
    const { modalities, input_audio_format, output_audio_format, turn_detection, input_audio_transcription, voice, object: _object, ...rest } = s
    const format = (f: unknown) => (f === undefined ? undefined : f === 'pcm16' ? { type: 'audio/pcm', rate: this.rate } : { type: `audio/${String(f)}` })
    const input = prune({ format: format(input_audio_format), turn_detection: turn_detection === false ? null : turn_detection, transcription: input_audio_transcription })
    const output = prune({ format: format(output_audio_format), voice })
    return prune({ type: 'realtime', ...rest, output_modalities: Array.isArray(modalities) ? ['audio'] : undefined, audio: prune({ input, output }) })
  }
}

/** A beta `response.done`, its modalities in GA terms. */
function responseDone(e: Json): Json {
  if (!isObject(e.response) || !('modalities' in e.response)) return e
  const { modalities: _m, ...rest } = e.response
  return { ...e, response: { ...rest, output_modalities: ['audio'] } }
}

const withStatus = (done: Json, status: string): Json => ({ ...done, response: { ...(isObject(done.response) ? done.response : {}), status } })

/** GA content parts in beta types (`output_text` was `text`, `output_audio` was `audio`). */
function contentToBeta(c: unknown): unknown {
  if (!isObject(c)) return c
  if (c.type === 'output_text') return { ...c, type: 'text' }
  if (c.type === 'output_audio') return { ...c, type: 'audio' }
  return c
}

/** Drops the keys whose value is undefined, and an object left empty. */
function prune(o: Json): Json {
  for (const k of Object.keys(o)) if (o[k] === undefined || (isObject(o[k]) && Object.keys(o[k] as Json).length === 0)) delete o[k]
  return o
}
