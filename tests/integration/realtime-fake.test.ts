// The fake OpenAI Realtime server against what the real ones do: OpenAI's GA protocol (openai-node 6.49
// realtime.d.ts, the API reference, error texts seen from the live service) and OpenRealtime
// (infinautai/open-realtime 81042a5: session.py, events.py, tts_processor.py). Spoken to with the real
// `ws` client and real PCM: every relay test against it is only as true as this fake.
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { startFakeRealtime, type FakeRealtime, type FakeRealtimeOptions } from '../fakes/realtime-upstream.ts'

type Event = Record<string, any>
const KEY = 'sk-fake-realtime-2f9c'
const ANSWER = { text: 'Sure. The sky is blue today!', audioMs: 600 }
let fakes: FakeRealtime[] = []
afterEach(async () => {
  await Promise.all(fakes.map((f) => f.close()))
  fakes = []
})
async function start(options: FakeRealtimeOptions = {}) {
  const fake = await startFakeRealtime({ apiKey: KEY, answer: ANSWER, transcript: 'What colour is the sky?', pace: 'instant', ...options })
  fakes.push(fake)
  return fake
}

/** A client as a relay would be: real socket, everything it receives kept in order. */
async function connect(url: string, headers: Record<string, string> = { authorization: `Bearer ${KEY}` }) {
  const ws = new WebSocket(url, { headers })
  const received: Event[] = []
  let closed: { code: number } | undefined
  ws.on('message', (d: Buffer) => received.push(JSON.parse(d.toString())))
  ws.on('close', (code) => (closed = { code }))
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('unexpected-response', (_q, res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d))
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })))
    })
    ws.once('error', reject)
  })
  const until = async (test: () => boolean, ms = 4000) => {
    const end = Date.now() + ms
    while (!test()) {
      if (Date.now() > end) throw new Error(`timed out; received: ${received.map((e) => e.type).join(', ')}`)
      await new Promise((r) => setTimeout(r, 5))
    }
  }
  const all = (type: string) => received.filter((e) => e.type === type)
  return {
    ws,
    received,
    all,
    closed: () => closed,
    until,
    types: () => received.map((e) => (e.type === 'error' ? `error:${e.error.code}` : e.type)),
    send: (e: unknown) => ws.send(typeof e === 'string' ? e : JSON.stringify(e)),
    /** Resolves with the nth event of `type` (1-based). */
    async next(type: string, n = 1) {
      await until(() => all(type).length >= n)
      return all(type)[n - 1]!
    },
    /** Lets the fake answer whatever is in flight, then says nothing else arrived. */
    settle: (ms = 60) => new Promise((r) => setTimeout(r, ms)),
  }
}
const gaUrl = (f: FakeRealtime) => `${f.url}?model=gpt-realtime`
const open = async (f: FakeRealtime) => {
  const c = await connect(gaUrl(f))
  await c.next('session.created')
  return c
}
const refusal = (url: string, headers?: Record<string, string>) => connect(url, headers).then(() => ({ status: 101, body: '' }), (e: { status: number; body: string }) => e)

/** PCM16 little-endian mono: a 440 Hz tone (level 0…1) or silence. */
function pcm(ms: number, rate: number, level = 0) {
  const n = Math.round((ms * rate) / 1000)
  const b = Buffer.alloc(n * 2)
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * level * 32767), i * 2)
  return b
}
/** Appends like a capture loop: 20 ms per event. */
function stream(c: Awaited<ReturnType<typeof connect>>, audio: Buffer, rate: number) {
  const step = (rate / 50) * 2
  for (let at = 0; at < audio.length; at += step) c.send({ type: 'input_audio_buffer.append', audio: audio.subarray(at, at + step).toString('base64') })
}
const audioMs = (events: Event[], rate: number) => events.reduce((ms, e) => ms + (Buffer.from(e.delta, 'base64').length / 2 / rate) * 1000, 0)
const GA_TRANSCRIPTION = { type: 'session.update', session: { type: 'realtime', audio: { input: { transcription: { model: 'gpt-4o-mini-transcribe' } } } } }
const GA_MANUAL = { type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null } } } }
/** What OpenAI sends for one audio response, in order (deltas folded). */
const GA_RESPONSE = ['response.created', 'response.output_item.added', 'conversation.item.added', 'response.content_part.added', 'response.output_audio_transcript.delta', 'response.output_audio.delta', 'response.output_audio.done', 'response.output_audio_transcript.done', 'response.content_part.done', 'response.output_item.done', 'conversation.item.done', 'response.done']
const fold = (types: string[]) => types.filter((t, i) => !(t.endsWith('.delta') && (types[i - 1] === t || (types[i - 1]?.endsWith('.delta') && types.slice(0, i).includes(t)))))

describe('the fake OpenAI Realtime (GA)', () => {
  it('refuses handshakes without the right key with HTTP 401, as OpenAI does, and records them', async () => {
    const f = await start()
    const missing = await refusal(gaUrl(f), {})
    expect(missing.status).toBe(401)
    expect(JSON.parse(missing.body).error).toMatchObject({ type: 'invalid_request_error', code: null })
    const wrong = await refusal(gaUrl(f), { authorization: 'Bearer sk-wrong-one' })
    expect(wrong.status).toBe(401)
    expect(JSON.parse(wrong.body).error.code).toBe('invalid_api_key')
    expect((await refusal(`${f.url.replace('/v1/realtime', '/realtime')}?model=x`)).status).toBe(404)
    expect(f.refusals.map((r) => [r.status, r.path, r.headers.authorization])).toEqual([[401, '/v1/realtime', undefined], [401, '/v1/realtime', 'Bearer sk-wrong-one'], [404, '/realtime', `Bearer ${KEY}`]])
    expect(f.sessions).toHaveLength(0)
    const c = await open(f)
    expect(f.sessions[0]).toMatchObject({ path: '/v1/realtime', query: { model: 'gpt-realtime' }, headers: { authorization: `Bearer ${KEY}` } })
    c.ws.close()
  })

  it('opens with session.created in the GA shape', async () => {
    const f = await start()
    const c = await open(f)
    const { session } = c.received[0]!
    expect(c.received[0]).toMatchObject({ type: 'session.created', event_id: expect.stringMatching(/^event_\w{21}$/) })
    expect(session).toMatchObject({
      type: 'realtime', object: 'realtime.session', id: expect.stringMatching(/^sess_/), model: 'gpt-realtime', output_modalities: ['audio'],
      audio: {
        input: { format: { type: 'audio/pcm', rate: 24000 }, transcription: null, turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500, create_response: true, interrupt_response: true } },
        output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'alloy' },
      },
    })
    // None of the beta names.
    expect(session).not.toHaveProperty('modalities')
    expect(session).not.toHaveProperty('input_audio_format')
  })

  it('validates session.update in OpenAI words, keeps the socket, and merges what is valid', async () => {
    const f = await start()
    const c = await open(f)
    const bad = [
      { event_id: 'e1', session: { type: 'realtime', wobble: 1 } },
      { event_id: 'e2', session: { type: 'realtime', turn_detection: null } },
      { event_id: 'e3', session: { instructions: 'hi' } },
      { event_id: 'e4', session: { type: 'realtime', instructions: 5 } },
      { event_id: 'e5', session: { type: 'realtime', audio: { input: { format: 'pcm16' } } } },
      { event_id: 'e6', session: { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', silence_ms: 3 } } } } },
      { event_id: 'e7', session: { type: 'realtime', output_modalities: ['speech'] } },
    ]
    for (const e of bad) c.send({ type: 'session.update', ...e })
    await c.next('error', bad.length)
    expect(c.all('error').map((e) => [e.error.event_id, e.error.code, e.error.param])).toEqual([
      ['e1', 'unknown_parameter', 'session.wobble'],
      ['e2', 'unknown_parameter', 'session.turn_detection'],
      ['e3', 'missing_required_parameter', 'session.type'],
      ['e4', 'invalid_type', 'session.instructions'],
      ['e5', 'invalid_type', 'session.audio.input.format'],
      ['e6', 'unknown_parameter', 'session.audio.input.turn_detection.silence_ms'],
      ['e7', 'invalid_value', 'session.output_modalities[0]'],
    ])
    expect(c.all('error')[0]).toMatchObject({ type: 'error', event_id: expect.stringMatching(/^event_/), error: { type: 'invalid_request_error', message: "Unknown parameter: 'session.wobble'." } })
    expect(c.all('error')[4]!.error.message).toBe("Invalid type for 'session.audio.input.format': expected an object, but got a string instead.")
    c.send({ type: 'session.update', session: { type: 'realtime', instructions: 'Be brief.', audio: { input: { turn_detection: null, transcription: { model: 'whisper-1' } }, output: { voice: 'marin' } } } })
    const { session } = await c.next('session.updated')
    expect(session).toMatchObject({ instructions: 'Be brief.', model: 'gpt-realtime', audio: { input: { turn_detection: null, transcription: { model: 'whisper-1' }, format: { type: 'audio/pcm', rate: 24000 } }, output: { voice: 'marin', format: { rate: 24000 } } } })
    expect(c.closed()).toBeUndefined()
  })

  it('answers malformed JSON, unknown types and WebRTC-only events with an error and stays open', async () => {
    const f = await start()
    const c = await open(f)
    c.send('{not json')
    c.send({ type: 'session.create', event_id: 'x1' })
    c.send({ type: 'output_audio_buffer.clear', event_id: 'x2' })
    c.send({ event_id: 'x3' })
    await c.next('error', 4)
    expect(c.all('error').map((e) => [e.error.type, e.error.code, e.error.event_id])).toEqual([
      ['invalid_request_error', 'invalid_json', null],
      ['invalid_request_error', 'invalid_value', 'x1'],
      ['invalid_request_error', 'invalid_value', 'x2'],
      ['invalid_request_error', 'missing_required_parameter', 'x3'],
    ])
    expect(c.all('error')[1]!.error.message).toMatch(/^Invalid value: 'session.create'\. Supported values are: 'session.update', /)
    expect(f.sessions[0]!.events[0]).toEqual({ __raw: '{not json' })
    c.send({ type: 'input_audio_buffer.clear' })
    await c.next('input_audio_buffer.cleared')
  })

  it('checks appended audio is base64 of whole PCM16 samples, counts the samples, and answers nothing', async () => {
    const f = await start()
    const c = await open(f)
    c.send({ type: 'input_audio_buffer.append', event_id: 'a1', audio: 'not base64!' })
    c.send({ type: 'input_audio_buffer.append', event_id: 'a2', audio: Buffer.from([1, 2, 3]).toString('base64') })
    c.send({ type: 'input_audio_buffer.append', event_id: 'a3' })
    c.send({ type: 'input_audio_buffer.append', audio: pcm(40, 24000).toString('base64') })
    await c.next('error', 3)
    await c.settle()
    expect(c.all('error').map((e) => [e.error.event_id, e.error.code])).toEqual([['a1', 'invalid_value'], ['a2', 'invalid_value'], ['a3', 'missing_required_parameter']])
    expect(c.types()).toEqual(['session.created', 'error:invalid_value', 'error:invalid_value', 'error:missing_required_parameter'])
    expect(f.sessions[0]!.samples).toBe(960)
  })

  it('refuses to commit less than 100 ms, with OpenAI’s code and text', async () => {
    const f = await start()
    const c = await open(f)
    c.send(GA_MANUAL)
    await c.next('session.updated')
    c.send({ type: 'input_audio_buffer.commit', event_id: 'c1' })
    c.send({ type: 'input_audio_buffer.append', audio: pcm(60, 24000).toString('base64') })
    c.send({ type: 'input_audio_buffer.commit', event_id: 'c2' })
    await c.next('error', 2)
    expect(c.all('error').map((e) => [e.error.event_id, e.error.code, e.error.message])).toEqual([
      ['c1', 'input_audio_buffer_commit_empty', 'Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has 0.00ms of audio.'],
      ['c2', 'input_audio_buffer_commit_empty', 'Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has 60.00ms of audio.'],
    ])
  })

  it('takes a turn with server VAD from real PCM: speech, silence, commit, transcript, response', async () => {
    const f = await start()
    const c = await open(f)
    c.send(GA_TRANSCRIPTION)
    await c.next('session.updated')
    // 500 ms quiet, 600 ms tone, 800 ms quiet: speech from 500 ms, 500 ms of silence ends it at 1600 ms.
    stream(c, Buffer.concat([pcm(500, 24000), pcm(600, 24000, 0.3), pcm(800, 24000)]), 24000)
    const started = await c.next('input_audio_buffer.speech_started')
    const stopped = await c.next('input_audio_buffer.speech_stopped')
    expect(started).toMatchObject({ audio_start_ms: 200, item_id: expect.stringMatching(/^item_/) }) // less prefix_padding_ms
    expect(stopped).toMatchObject({ audio_end_ms: 1600, item_id: started.item_id })
    const done = await c.next('response.done')
    const transcribed = await c.next('conversation.item.input_audio_transcription.completed')
    expect(transcribed).toMatchObject({ item_id: started.item_id, content_index: 0, transcript: 'What colour is the sky?', usage: { type: 'duration' } })
    expect(await c.next('input_audio_buffer.committed')).toMatchObject({ item_id: started.item_id, previous_item_id: null })
    const user = c.all('conversation.item.added')[0]!
    expect(user.item).toMatchObject({ id: started.item_id, role: 'user', type: 'message', content: [{ type: 'input_audio' }] })
    const turn = c.types().slice(c.types().indexOf('response.created')).filter((t) => t !== 'conversation.item.input_audio_transcription.completed')
    expect(fold(turn)).toEqual(GA_RESPONSE)
    expect(done.response).toMatchObject({ object: 'realtime.response', status: 'completed', output_modalities: ['audio'], output: [{ role: 'assistant', status: 'completed', content: [{ type: 'output_audio', transcript: ANSWER.text }] }] })
    expect(audioMs(c.all('response.output_audio.delta'), 24000)).toBeCloseTo(600, 0)
    expect(c.all('response.output_audio_transcript.delta').map((e) => e.delta).join('')).toBe(ANSWER.text)
    // Deltas carry one response's and item's ids throughout.
    expect(new Set(c.all('response.output_audio.delta').map((e) => `${e.response_id}/${e.item_id}/${e.output_index}/${e.content_index}`)).size).toBe(1)
    expect(f.sessions[0]!.samples).toBe(1900 * 24)
  })

  it('with turn_detection null does nothing by itself: the client commits and asks for the response', async () => {
    const f = await start()
    const c = await open(f)
    c.send(GA_MANUAL)
    await c.next('session.updated')
    stream(c, Buffer.concat([pcm(400, 24000, 0.3), pcm(800, 24000)]), 24000)
    await c.settle(100)
    expect(c.types()).toEqual(['session.created', 'session.updated'])
    c.send({ type: 'input_audio_buffer.commit' })
    const committed = await c.next('input_audio_buffer.committed')
    await c.next('conversation.item.done')
    await c.settle()
    expect(c.types().slice(2)).toEqual(['input_audio_buffer.committed', 'conversation.item.added', 'conversation.item.done']) // no transcription unless configured
    c.send({ type: 'response.create', response: { output_modalities: ['text'] } })
    const done = await c.next('response.done')
    expect(c.all('response.output_text.delta').map((e) => e.delta).join('')).toBe(ANSWER.text)
    expect(c.all('response.output_audio.delta')).toHaveLength(0)
    expect(done.response.output[0].content).toEqual([{ type: 'output_text', text: ANSWER.text }])
    expect(c.all('conversation.item.added')[1]).toMatchObject({ previous_item_id: committed.item_id, item: { role: 'assistant', status: 'in_progress' } })
  })

  it('allows one response at a time', async () => {
    const f = await start({ pace: 'realtime' })
    const c = await open(f)
    c.send({ type: 'response.create', event_id: 'r1' })
    c.send({ type: 'response.create', event_id: 'r2' })
    const error = await c.next('error')
    const created = await c.next('response.created')
    expect(error.error).toMatchObject({ type: 'invalid_request_error', code: 'conversation_already_has_active_response', event_id: 'r2', message: `Conversation already has an active response in progress: ${created.response.id}. Wait until the response is finished before creating a new one.` })
    await c.next('response.done')
    c.send({ type: 'response.create', event_id: 'r3' })
    await c.next('response.done', 2)
    expect(c.all('error')).toHaveLength(1)
  })

  it('cancels: deltas stop, the .done events still come, response.done says cancelled; none active is an error', async () => {
    const f = await start({ pace: 'realtime', answer: { text: 'A long answer that goes on and on.', audioMs: 3000 } })
    const c = await open(f)
    c.send({ type: 'response.create' })
    await c.next('response.output_audio.delta', 2)
    c.send({ type: 'response.cancel' })
    const done = await c.next('response.done')
    expect(done.response).toMatchObject({ status: 'cancelled', status_details: { type: 'cancelled', reason: 'client_cancelled' }, output: [{ status: 'incomplete' }] })
    const deltas = c.all('response.output_audio.delta').length
    expect(deltas).toBeLessThan(6)
    expect(c.types().slice(-6)).toEqual(['response.output_audio.done', 'response.output_audio_transcript.done', 'response.content_part.done', 'response.output_item.done', 'conversation.item.done', 'response.done'])
    c.send({ type: 'response.cancel', event_id: 'k2' })
    expect((await c.next('error')).error).toMatchObject({ code: 'response_cancel_not_active', message: 'Cancellation failed: no active response found', event_id: 'k2' })
    await c.settle(250)
    expect(c.all('response.output_audio.delta')).toHaveLength(deltas)
  })

  it('interrupts an answer when server VAD hears the user (interrupt_response)', async () => {
    const f = await start({ pace: 'realtime', answer: { text: 'Talking for a while now.', audioMs: 3000 } })
    const c = await open(f)
    c.send({ type: 'response.create' })
    await c.next('response.output_audio.delta')
    stream(c, pcm(100, 24000, 0.3), 24000)
    await c.next('input_audio_buffer.speech_started')
    expect((await c.next('response.done')).response.status_details).toEqual({ type: 'cancelled', reason: 'turn_detected' })
  })

  it('truncates only assistant audio it has sent, and records every truncate with its time', async () => {
    const f = await start()
    const c = await open(f)
    c.send(GA_MANUAL)
    c.send({ type: 'input_audio_buffer.append', audio: pcm(200, 24000, 0.3).toString('base64') })
    c.send({ type: 'input_audio_buffer.commit' })
    const user = (await c.next('input_audio_buffer.committed')).item_id
    c.send({ type: 'response.create' })
    const done = await c.next('response.done')
    const item = done.response.output[0].id
    const before = performance.now()
    c.send({ type: 'conversation.item.truncate', event_id: 't1', item_id: item, content_index: 0, audio_end_ms: 601 })
    c.send({ type: 'conversation.item.truncate', event_id: 't2', item_id: user, content_index: 0, audio_end_ms: 100 })
    c.send({ type: 'conversation.item.truncate', event_id: 't3', item_id: 'item_nope', content_index: 0, audio_end_ms: 100 })
    c.send({ type: 'conversation.item.truncate', event_id: 't4', item_id: item, content_index: 0, audio_end_ms: 12.5 })
    c.send({ type: 'conversation.item.truncate', event_id: 't5', item_id: item, content_index: 0, audio_end_ms: 250 })
    const truncated = await c.next('conversation.item.truncated')
    expect(c.all('error').map((e) => [e.error.event_id, e.error.code, e.error.message])).toEqual([
      ['t1', 'invalid_value', 'Audio content of 600ms is already shorter than 601ms'],
      ['t2', 'unsupported_content_type', 'Only model output audio messages can be truncated'],
      ['t3', 'invalid_value', "Conversation item with id 'item_nope' not found."],
      ['t4', 'invalid_type', "Invalid type for 'audio_end_ms': expected an integer, but got a decimal instead."],
    ])
    expect(truncated).toMatchObject({ item_id: item, content_index: 0, audio_end_ms: 250 })
    const t = f.sessions[0]!.truncations
    expect(t.map((x) => [x.audio_end_ms, x.outcome, x.sentMs])).toEqual([[601, 'error', 600], [100, 'error', 0], [100, 'error', null], [12.5, 'error', 600], [250, 'truncated', 600]])
    expect(t.every((x) => x.at >= before && x.at <= performance.now())).toBe(true)
  })

  it('answers the other client events as the reference says', async () => {
    const f = await start()
    const c = await open(f)
    c.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] } })
    const added = await c.next('conversation.item.added')
    await c.next('conversation.item.done')
    c.send({ type: 'conversation.item.retrieve', item_id: added.item.id })
    expect((await c.next('conversation.item.retrieved')).item).toMatchObject({ id: added.item.id, content: [{ text: 'hi' }] })
    c.send({ type: 'conversation.item.delete', item_id: added.item.id })
    expect(await c.next('conversation.item.deleted')).toMatchObject({ item_id: added.item.id })
    c.send({ type: 'conversation.item.delete', event_id: 'd2', item_id: added.item.id })
    expect((await c.next('error')).error).toMatchObject({ code: 'invalid_value', event_id: 'd2' })
    c.send({ type: 'conversation.item.create', event_id: 'i2', item: { type: 'message', role: 'user', colour: 'red' } })
    expect((await c.next('error', 2)).error).toMatchObject({ code: 'unknown_parameter', param: 'item.colour', event_id: 'i2' })
  })
})

describe('the fake OpenRealtime (dialect: beta)', () => {
  const BETA_VAD = { type: 'session.update', session: { modalities: ['text'], instructions: 'Be brief.', turn_detection: { type: 'server_vad', silence_duration_ms: 600 } } }

  it('listens on /realtime with no authentication and opens with the beta session and conversation.created', async () => {
    const f = await start({ dialect: 'beta' })
    expect(f.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/realtime$/)
    expect((await refusal(`${f.url.replace('/realtime', '/v1/realtime')}?model=qwen`)).status).toBe(403)
    const c = await connect(f.url, {})
    await c.next('conversation.created')
    expect(c.received[0]).toEqual({
      type: 'session.created', event_id: expect.stringMatching(/^event_\d+\.\d{6}$/),
      session: { modalities: ['text'], instructions: 'You are a helpful assistant.', voice: 'alloy', tts_model: 'gpt-4o-mini-tts', input_audio_format: 'pcm16', output_audio_format: 'pcm16', turn_detection: false },
    })
    expect(c.received[1]).toMatchObject({ type: 'conversation.created', conversation: { object: 'realtime.conversation' } })
  })

  it('takes a turn from 16 kHz PCM and speaks it with the beta names only', async () => {
    const f = await start({ dialect: 'beta', pace: 'realtime', chunkMs: 50 })
    const c = await connect(f.url, {})
    c.send(BETA_VAD)
    const { session } = await c.next('session.updated')
    // Replaced whole: what was not sent is gone (formats), the defaults of the models fill the rest.
    expect(session).toEqual({ modalities: ['text'], instructions: 'Be brief.', voice: 'alloy', tts_model: 'gpt-4o-mini-tts', turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 200, silence_duration_ms: 600 } })
    stream(c, Buffer.concat([pcm(300, 16000), pcm(700, 16000, 0.3), pcm(900, 16000)]), 16000)
    const done = await c.next('response.done')
    await c.until(() => c.all('response.audio.done').length === 2) // one per sentence
    const types = c.types()
    const text = types.slice(0, types.indexOf('response.done') + 1).filter((t) => !t.startsWith('response.audio.d'))
    expect(fold(text)).toEqual(['session.created', 'conversation.created', 'session.updated', 'input_audio_buffer.speech_started', 'response.audio.cancel', 'input_audio_buffer.speech_stopped', 'input_audio_buffer.committed', 'conversation.item.input_audio_transcription.completed', 'response.text.delta', 'response.text.done', 'response.done'])
    // TTS speaks on after the text is done: most audio comes after response.done.
    expect(types.lastIndexOf('response.audio.delta')).toBeGreaterThan(types.indexOf('response.done'))
    expect(types.some((t) => /output_audio|output_text|item\.added|response\.created|content_part|output_item/.test(t))).toBe(false)
    expect(await c.next('input_audio_buffer.committed')).toEqual({ type: 'input_audio_buffer.committed', event_id: expect.any(String) })
    const started = c.all('input_audio_buffer.speech_started')[0]!
    expect(c.all('conversation.item.input_audio_transcription.completed')[0]).toMatchObject({ transcript: 'What colour is the sky?', item_id: started.item_id })
    expect(done.response).toMatchObject({ object: 'realtime.response', status: 'completed', modalities: ['text'], output: [{ role: 'assistant', content: [{ type: 'text', text: ANSWER.text }] }] })
    expect(done.response).not.toHaveProperty('status_details')
    expect(c.all('response.text.delta').map((e) => e.delta).join('')).toBe(ANSWER.text)
    expect(audioMs(c.all('response.audio.delta'), 16000)).toBeCloseTo(600, -1)
  })

  it('drops what OpenRealtime cannot parse without a word, and records why', async () => {
    const f = await start({ dialect: 'beta' })
    const c = await connect(f.url, {})
    await c.next('conversation.created')
    c.send({ type: 'session.update', session: { modalities: ['text', 'audio'] } }) // README's own example: refused by SessionProperties
    c.send({ type: 'session.update', session: { type: 'realtime', audio: {} } }) // GA shape: extra keys ignored, accepted
    c.send('{oops')
    c.send({ type: 'output_audio_buffer.clear' })
    c.send({ type: 'input_audio_buffer.commit' }) // empty is fine here
    c.send({ type: 'response.cancel' }) // nothing active: still answered
    c.send({ type: 'conversation.item.truncate', item_id: 'item_1', content_index: 0, audio_end_ms: 99999 })
    await c.next('response.audio.cancel')
    await c.settle()
    expect(c.types().slice(2)).toEqual(['session.updated', 'input_audio_buffer.committed', 'response.audio.cancel'])
    expect(c.all('session.updated')[0]!.session).toEqual({ voice: 'alloy', tts_model: 'gpt-4o-mini-tts' })
    expect(c.all('response.audio.cancel')[0]).toMatchObject({ item_id: 'unknown', reason: 'session_explicit_cancel_event' })
    expect(f.sessions[0]!.ignored.map((i) => i.reason)).toEqual([expect.stringMatching(/^pydantic validation failed: Invalid value: 'audio'/), 'invalid JSON', 'Unimplemented server event type: output_audio_buffer.clear', 'conversation.item.truncate is a no-op in OpenRealtime'])
    expect(f.sessions[0]!.truncations).toMatchObject([{ audio_end_ms: 99999, outcome: 'unanswered' }])
  })

  it('cancel stops text still streaming, but not audio already being spoken', async () => {
    const f = await start({ dialect: 'beta', pace: 'realtime', answer: { text: 'One sentence only, spoken slowly', audioMs: 1500 } })
    const c = await connect(f.url, {})
    c.send({ type: 'response.create' })
    await c.next('response.audio.delta', 2)
    c.send({ type: 'response.cancel' })
    await c.next('response.audio.cancel')
    await c.next('response.audio.done')
    expect(c.all('response.done')[0]!.response.status).toBe('completed')
    expect(audioMs(c.all('response.audio.delta'), 16000)).toBeCloseTo(1500, -1)
    // With a slow LLM the cancel lands during the text: no audio at all, response.done cancelled.
    const slow = await start({ dialect: 'beta', wordMs: 40, answer: { text: 'Word by word by word. And more.', audioMs: 800 } })
    const d = await connect(slow.url, {})
    d.send({ type: 'response.create' })
    await d.next('response.text.delta', 2)
    d.send({ type: 'response.cancel' })
    expect((await d.next('response.done')).response.status).toBe('cancelled')
    await d.settle(150)
    expect(d.all('response.audio.cancel').map((e) => e.reason)).toEqual(['session_explicit_cancel_event', 'explicit_cancel_action'])
    expect(d.all('response.audio.delta')).toHaveLength(0)
  })

  it('queues response.create behind the active one instead of refusing it', async () => {
    const f = await start({ dialect: 'beta' })
    const c = await connect(f.url, {})
    c.send({ type: 'response.create' })
    c.send({ type: 'response.create' })
    await c.next('response.done', 2)
    expect(c.types().filter((t) => t === 'response.text.done' || t === 'response.done')).toEqual(['response.text.done', 'response.done', 'response.text.done', 'response.done'])
  })
})

describe('the switches', () => {
  it('refuse: every handshake gets 401 (GA) or 403 (beta)', async () => {
    const ga = await start({ behaviour: { kind: 'refuse' } })
    expect((await refusal(gaUrl(ga))).status).toBe(401)
    const beta = await start({ dialect: 'beta', behaviour: { kind: 'refuse' } })
    expect((await refusal(beta.url, {})).status).toBe(403)
    ga.set({ kind: 'refuse', status: 403 })
    expect((await refusal(gaUrl(ga))).status).toBe(403)
    expect(ga.refusals.map((r) => r.status)).toEqual([401, 403])
  })

  it('hang: accepts the socket and never says anything, not even session.created', async () => {
    const f = await start({ behaviour: { kind: 'hang' } })
    const c = await connect(gaUrl(f))
    c.send({ type: 'response.create' })
    await c.settle(300)
    expect(c.received).toEqual([])
    expect(c.closed()).toBeUndefined()
    expect(f.sessions[0]!.events).toEqual([{ type: 'response.create' }])
  })

  it('drop: the connection dies without a close frame after N audio deltas', async () => {
    for (const dialect of ['ga', 'beta'] as const) {
      const f = await start({ dialect, pace: 'realtime', behaviour: { kind: 'drop', afterDeltas: 3 } })
      const c = dialect === 'ga' ? await open(f) : await connect(f.url, {})
      c.send({ type: 'response.create' })
      await c.until(() => Boolean(c.closed()))
      expect(c.closed()!.code).toBe(1006)
      expect(c.all(dialect === 'ga' ? 'response.output_audio.delta' : 'response.audio.delta')).toHaveLength(3)
      expect(c.all('response.done')).toHaveLength(dialect === 'ga' ? 0 : 1) // OpenRealtime had already finished the text
      expect(f.sessions[0]!.closed).toBe(true)
    }
  })

  it('error: GA answers response.create with a server_error; OpenRealtime with response.done failed', async () => {
    const f = await start({ behaviour: { kind: 'error' } })
    const c = await open(f)
    c.send({ type: 'response.create', event_id: 'boom' })
    expect((await c.next('error')).error).toMatchObject({ type: 'server_error', event_id: 'boom' })
    await c.settle()
    expect(c.all('response.created')).toHaveLength(0)
    const b = await start({ dialect: 'beta', behaviour: { kind: 'error' } })
    const d = await connect(b.url, {})
    d.send({ type: 'response.create' })
    expect((await d.next('response.done')).response.status).toBe('failed')
  })

  it('slow-first-audio: the first audio delta waits that long after the response starts', async () => {
    const f = await start({ behaviour: { kind: 'slow-first-audio', ms: 250 } })
    const c = await open(f)
    c.send({ type: 'response.create' })
    await c.next('response.created')
    const t0 = performance.now()
    await c.next('response.output_audio.delta')
    expect(performance.now() - t0).toBeGreaterThanOrEqual(230)
    await c.next('response.done')
    // A cancel while it waits still ends the response at once, with no audio.
    f.set({ kind: 'slow-first-audio', ms: 2000 })
    c.send({ type: 'response.create' })
    await c.next('response.created', 2)
    const deltas = c.all('response.output_audio.delta').length
    c.send({ type: 'response.cancel' })
    const t1 = performance.now()
    expect((await c.next('response.done', 2)).response.status).toBe('cancelled')
    expect(performance.now() - t1).toBeLessThan(500)
    expect(c.all('response.output_audio.delta')).toHaveLength(deltas)
  })
})
