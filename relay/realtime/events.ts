/**
 * The client events a Realtime session may send through the relay, checked before they reach
 * the upstream: a known type, the fields the protocol requires with the right types, audio that
 * is base64 PCM16 of bounded size, and no switch to a model the operator did not allow. A failed
 * check is answered with the protocol's own `error` event and the event goes no further.
 * Field names follow the GA protocol (openai-node 6.x `resources/realtime/realtime.d.ts`).
 */

/** What the relay passes on; anything else is refused. */
export const CLIENT_EVENTS = new Set([
  'session.update',
  'input_audio_buffer.append',
  'input_audio_buffer.commit',
  'input_audio_buffer.clear',
  'conversation.item.create',
  'conversation.item.retrieve',
  'conversation.item.truncate',
  'conversation.item.delete',
  'response.create',
  'response.cancel',
  'output_audio_buffer.clear',
])

export interface EventRules {
  /** The models a session may use. */
  models: readonly string[]
  /** The largest `audio` of one append, in base64 characters. */
  maxAudioChars: number
  /** The largest other event, in characters. */
  maxEventChars: number
}

export type ClientEvent = Record<string, unknown> & { type: string }

/** A refused event: the `error` event's code, message and offending field. */
export class EventProblem extends Error {
  constructor(readonly code: string, message: string, readonly param: string | null = null, readonly eventId: string | null = null) {
    super(message)
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/
/** Far deeper than any Realtime event goes; a deeper one could not be turned back into text. */
const MAX_DEPTH = 32

/** How deep a JSON text nests (brackets outside strings), without parsing it. */
function nestingDepth(text: string): number {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 || c === 91) max = Math.max(max, ++depth)
    else if (c === 125 || c === 93) depth--
  }
  return max
}
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Parses and checks one text message from a client. Throws EventProblem. */
export function checkClientEvent(text: string, rules: EventRules): ClientEvent {
  if (nestingDepth(text) > MAX_DEPTH) throw new EventProblem('invalid_event', `An event may nest objects and arrays at most ${MAX_DEPTH} deep.`)
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new EventProblem('invalid_json', 'The message is not valid JSON; each Realtime event is one JSON object.')
  }
  if (!isObject(parsed) || typeof parsed.type !== 'string') throw new EventProblem('invalid_event', "An event is a JSON object with a string 'type'.", 'type')
  const e = parsed as ClientEvent
  const id = typeof e.event_id === 'string' ? e.event_id : null
  const fail = (code: string, message: string, param: string | null = null): never => {
    throw new EventProblem(code, message, param, id)
  }
  if (e.event_id !== undefined && typeof e.event_id !== 'string') fail('invalid_type', "'event_id' must be a string.", 'event_id')
  if (!CLIENT_EVENTS.has(e.type)) fail('unknown_event_type', `The relay does not pass on "${e.type.slice(0, 60)}" events. Known: ${[...CLIENT_EVENTS].join(', ')}.`, 'type')

  if (e.type === 'input_audio_buffer.append') {
    const audio = e.audio
    if (typeof audio !== 'string') return fail('invalid_type', "'audio' must be a base64 string of PCM16 audio.", 'audio')
    if (audio.length > rules.maxAudioChars) fail('audio_too_large', `One append may carry at most ${Math.floor((rules.maxAudioChars * 3) / 4 / 1024)} KiB of audio; send it in smaller pieces.`, 'audio')
    if (audio.length % 4 !== 0 || !BASE64.test(audio)) fail('invalid_audio', "'audio' is not valid base64.", 'audio')
    const bytes = (audio.length / 4) * 3 - (audio.endsWith('==') ? 2 : audio.endsWith('=') ? 1 : 0)
    if (bytes % 2 !== 0) fail('invalid_audio', "'audio' must be whole 16-bit samples (an even number of bytes).", 'audio')
    return e
  }
  if (text.length > rules.maxEventChars) fail('event_too_large', `An event other than audio may be at most ${Math.round(rules.maxEventChars / 1024)} KiB.`)

  switch (e.type) {
    case 'session.update': {
      const session = e.session
      if (!isObject(session)) return fail('invalid_type', "'session' must be an object.", 'session')
      if (session.type !== undefined && session.type !== 'realtime') fail('invalid_value', 'This relay serves realtime sessions only (session.type "realtime").', 'session.type')
      if (session.model !== undefined && !rules.models.includes(session.model as string)) {
        fail('model_not_allowed', `This relay does not allow the model "${String(session.model).slice(0, 60)}". Allowed: ${rules.models.join(', ')}.`, 'session.model')
      }
      break
    }
    case 'conversation.item.create':
      if (!isObject(e.item)) fail('invalid_type', "'item' must be an object.", 'item')
      if (e.previous_item_id !== undefined && e.previous_item_id !== null && typeof e.previous_item_id !== 'string') fail('invalid_type', "'previous_item_id' must be a string.", 'previous_item_id')
      break
    case 'conversation.item.retrieve':
    case 'conversation.item.delete':
      if (typeof e.item_id !== 'string' || !e.item_id) fail('invalid_type', "'item_id' must be a string.", 'item_id')
      break
    case 'conversation.item.truncate':
      if (typeof e.item_id !== 'string' || !e.item_id) fail('invalid_type', "'item_id' must be a string.", 'item_id')
      if (!Number.isInteger(e.content_index) || (e.content_index as number) < 0) fail('invalid_type', "'content_index' must be a whole number (0).", 'content_index')
      if (!Number.isInteger(e.audio_end_ms) || (e.audio_end_ms as number) < 0) fail('invalid_type', "'audio_end_ms' must be a whole number of milliseconds, 0 or more.", 'audio_end_ms')
      break
    case 'response.create':
      if (e.response !== undefined && !isObject(e.response)) fail('invalid_type', "'response' must be an object.", 'response')
      break
    case 'response.cancel':
      if (e.response_id !== undefined && typeof e.response_id !== 'string') fail('invalid_type', "'response_id' must be a string.", 'response_id')
      break
  }
  return e
}

let counter = 0
/** The protocol's error event, as the relay sends it to a client. */
export function errorEvent(code: string, message: string, options: { param?: string | null; eventId?: string | null; type?: 'invalid_request_error' | 'server_error' } = {}): string {
  return JSON.stringify({
    type: 'error',
    event_id: `event_relay_${(++counter).toString(36)}`,
    error: { type: options.type ?? 'invalid_request_error', code, message, param: options.param ?? null, event_id: options.eventId ?? null },
  })
}
