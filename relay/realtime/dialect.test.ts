import { afterEach, describe, expect, it, vi } from 'vitest'
import { BetaUpstream, dialectOf } from './dialect.ts'

/** OpenRealtime's session.created, as its session.py sends it. */
const created = { type: 'session.created', session: { modalities: ['text'], instructions: 'Be helpful.', voice: 'alloy', tts_model: 'gpt-4o-mini-tts', input_audio_format: 'pcm16', output_audio_format: 'pcm16', turn_detection: false } }
const ids = { response_id: 'resp_1.000000', item_id: 'item_1', output_index: 0, content_index: 0 }

function translator() {
  const out: Record<string, any>[] = []
  const beta = new BetaUpstream(created, (e) => out.push(e))
  return { beta, out, types: () => out.map((e) => e.type) }
}

afterEach(() => vi.useRealTimers())

describe('BetaUpstream (OpenRealtime at 81042a5)', () => {
  it('tells the dialect from session.created', () => {
    expect(dialectOf(created)).toBe('beta')
    expect(dialectOf({ type: 'session.created', session: { type: 'realtime', audio: {} } })).toBe('ga')
  })

  it('states its 16 kHz pcm16 as a GA session, and merges partial updates into the whole session it replaces', () => {
    const t = translator()
    t.beta.down(created)
    expect(t.out[0]!.session).toMatchObject({ type: 'realtime', output_modalities: ['audio'], instructions: 'Be helpful.', audio: { input: { format: { type: 'audio/pcm', rate: 16000 }, turn_detection: null }, output: { voice: 'alloy' } } })
    const up = t.beta.up({ type: 'session.update', session: { type: 'realtime', instructions: 'Be brief.' } })
    expect(up.session).toEqual({ ...created.session, instructions: 'Be brief.' })
    const vad = t.beta.up({ type: 'session.update', session: { type: 'realtime', output_modalities: ['audio'], audio: { input: { turn_detection: { type: 'server_vad', silence_duration_ms: 500, create_response: true, interrupt_response: true } } } } })
    // Only the settings its validator knows; modalities only ever ["text"]; the earlier instructions kept.
    expect(vad.session).toMatchObject({ instructions: 'Be brief.', modalities: ['text'], turn_detection: { type: 'server_vad', silence_duration_ms: 500 } })
    expect((vad.session as { turn_detection: object }).turn_detection).not.toHaveProperty('create_response')
  })

  it('holds response.done until every sentence has been spoken, and lets it go once', () => {
    const t = translator()
    t.beta.down({ type: 'response.text.delta', ...ids, delta: 'One. Two.' })
    t.beta.down({ type: 'response.audio.delta', ...ids, delta: 'AAAA' })
    t.beta.down({ type: 'response.audio.done', ...ids })
    t.beta.down({ type: 'response.text.done', ...ids, text: 'One. Two.' })
    t.beta.down({ type: 'response.done', response: { id: ids.response_id, status: 'completed', modalities: ['text'] } })
    expect(t.types()).not.toContain('response.done')
    t.beta.down({ type: 'response.audio.delta', ...ids, delta: 'AAAA' })
    t.beta.down({ type: 'response.audio.done', ...ids })
    expect(t.types()).toEqual(['response.output_text.delta', 'response.output_audio.delta', 'response.output_audio.done', 'response.output_text.done', 'response.output_audio.delta', 'response.output_audio.done', 'response.done'])
    expect(t.out.at(-1)!.response).toEqual({ id: ids.response_id, status: 'completed', output_modalities: ['audio'] })
    t.beta.down({ type: 'response.audio.done', ...ids })
    expect(t.types().filter((x) => x === 'response.done')).toHaveLength(1)
  })

  it('a cancel while the done is held lets it go as cancelled, and the voice that goes on is dropped', () => {
    const t = translator()
    t.beta.down({ type: 'response.text.done', ...ids, text: 'One. Two. Three.' })
    t.beta.down({ type: 'response.done', response: { id: ids.response_id, status: 'completed' } })
    t.beta.up({ type: 'response.cancel' })
    expect(t.out.at(-1)).toMatchObject({ type: 'response.done', response: { status: 'cancelled' } })
    const before = t.out.length
    t.beta.down({ type: 'response.audio.delta', ...ids, delta: 'AAAA' })
    t.beta.down({ type: 'response.audio.done', ...ids })
    t.beta.down({ type: 'response.audio.cancel', response_id: 'resp_9.000000', reason: 'session_explicit_cancel_event' })
    expect(t.out.length).toBe(before)
  })

  it('OpenRealtime’s own cancel (its VAD heard the user) silences the response now speaking', () => {
    const t = translator()
    t.beta.down({ type: 'response.audio.delta', ...ids, delta: 'AAAA' })
    // It cancels by time: the id it names is not the response's.
    t.beta.down({ type: 'response.audio.cancel', response_id: 'resp_2.500000', reason: 'session_user_started_speaking' })
    t.beta.down({ type: 'response.audio.delta', ...ids, delta: 'BBBB' })
    expect(t.out.filter((e) => e.type === 'response.output_audio.delta').map((e) => e.delta)).toEqual(['AAAA'])
  })

  it('a held done goes out after 15 s even if a sentence’s audio never ends', () => {
    vi.useFakeTimers()
    const t = translator()
    t.beta.down({ type: 'response.text.done', ...ids, text: 'One. Two.' })
    t.beta.down({ type: 'response.done', response: { id: ids.response_id, status: 'completed' } })
    vi.advanceTimersByTime(14_000)
    expect(t.types()).not.toContain('response.done')
    vi.advanceTimersByTime(1_500)
    expect(t.types()).toContain('response.done')
    t.beta.close()
  })

  it('remembers a bounded number of responses whatever a client or upstream sends', () => {
    const t = translator()
    for (let i = 0; i < 1000; i++) {
      t.beta.up({ type: 'response.cancel', response_id: `resp_client_${i}_${'x'.repeat(100)}` })
      t.beta.down({ type: 'response.audio.done', response_id: `resp_${i}`, item_id: 'i' })
    }
    const inner = t.beta as unknown as { cancelled: { items: Set<string> }; issued: { items: Set<string> }; progress: Map<string, unknown> }
    expect(inner.cancelled.items.size).toBeLessThanOrEqual(32)
    expect(inner.issued.items.size).toBeLessThanOrEqual(32)
    expect(inner.progress.size).toBeLessThanOrEqual(32)
    expect([...inner.cancelled.items].some((id) => id.startsWith('resp_client_'))).toBe(false)
  })
})
