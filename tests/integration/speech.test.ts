import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig, type Env } from '../../relay/config.ts'
import { startRelay, type RunningRelay } from '../../relay/node.ts'
import { startFakeSpeech, tonePcm, type FakeSpeech } from '../fakes/speech-upstream.ts'
import { expectApiError, readChunks, until } from './harness.ts'

const KEY = 'sk-tts-test-7c1e9b2a4d6f8e0a3b5c'
let fake: FakeSpeech
let openai: RunningRelay
let eleven: RunningRelay

const relayFor = (env: Env) => startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0', ...env }, { upstreamFirstByteMs: 800, upstreamIdleMs: 800 }), { distDir: null, log: () => {} })

beforeAll(async () => {
  fake = await startFakeSpeech({ apiKey: KEY })
  openai = await relayFor({ TTS_BASE_URL: fake.baseUrl, TTS_API_KEY: KEY })
  eleven = await relayFor({ TTS_PROVIDER: 'elevenlabs', TTS_BASE_URL: fake.url, TTS_API_KEY: KEY, TTS_VOICE: 'voice-123' })
})
afterAll(async () => {
  await openai.close()
  await eleven.close()
  await fake.close()
})
beforeEach(() => fake.reset())

const speak = (relay: RunningRelay, body: Record<string, unknown>) =>
  fetch(`${relay.url}/api/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

const expectError = async (res: Response, status: number, code: string) => (await expectApiError(res, status, code, [KEY])).message

describe('POST /api/v1/audio/speech — OpenAI-compatible provider', () => {
  it('streams the audio back as it is produced, with the key injected', async () => {
    fake.next({ kind: 'audio', chunks: 6, chunkDelayMs: 80 })
    const res = await speak(openai, { input: 'Hello there.', response_format: 'pcm' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('audio/pcm;rate=24000')
    const reader = res.body!.getReader()
    const times: number[] = []
    let bytes = 0
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      times.push(performance.now())
      bytes += value.byteLength
    }
    expect(bytes).toBe(tonePcm(1).length)
    expect(times.length).toBeGreaterThanOrEqual(5)
    expect(times.at(-1)! - times[0]!).toBeGreaterThan(300)
    expect(fake.requests[0]).toMatchObject({ path: '/v1/audio/speech', headers: { authorization: `Bearer ${KEY}` }, body: { model: 'gpt-4o-mini-tts', input: 'Hello there.', voice: 'alloy', response_format: 'pcm' } })
  })

  it('lists its voices in /api/config', async () => {
    const config = (await (await fetch(`${openai.url}/api/config`)).json()) as { tts: { available: boolean; provider: string; voices: string[] } }
    expect(config.tts).toMatchObject({ available: true, provider: 'openai' })
    expect(config.tts.voices).toContain('nova')
  })

  it('refuses bad requests before they cost anything', async () => {
    await expectError(await speak(openai, {}), 400, 'invalid_request')
    await expectError(await speak(openai, { input: '' }), 400, 'invalid_request')
    await expectError(await speak(openai, { input: 'x', voice: 'darth' }), 400, 'voice_not_found')
    await expectError(await speak(openai, { input: 'x', response_format: 'ogg' }), 400, 'invalid_request')
    await expectError(await speak(openai, { input: 'x', speed: 9 }), 400, 'invalid_request')
    await expectError(await speak(openai, { input: 'x', model: 'tts-hd-ultra' }), 404, 'model_not_found')
    expect(await expectError(await speak(openai, { input: 'a'.repeat(5000) }), 413, 'input_too_long')).toMatch(/4096/)
    expect(fake.requests).toHaveLength(0)
  })

  it('maps upstream failures: 500 → 502, 429 → 429, hang → 504', async () => {
    fake.next({ kind: 'status', status: 500 }, { kind: 'status', status: 429 }, { kind: 'hang' })
    await expectError(await speak(openai, { input: 'x' }), 502, 'upstream_error')
    await expectError(await speak(openai, { input: 'x' }), 429, 'upstream_rate_limited')
    await expectError(await speak(openai, { input: 'x' }), 504, 'upstream_timeout')
  })

  it('breaks the response off when the provider drops mid-stream, so the client sees a cut stream', async () => {
    fake.next({ kind: 'drop', afterChunks: 3 })
    const res = await speak(openai, { input: 'x', response_format: 'pcm' })
    expect(res.status).toBe(200)
    await expect(readChunks(res)).rejects.toThrow()
  })

  it('aborts the provider request when the client goes away', async () => {
    fake.next({ kind: 'audio', chunks: 20, chunkDelayMs: 100 })
    const client = new AbortController()
    const res = await fetch(`${openai.url}/api/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: 'long text' }), signal: client.signal })
    await res.body!.getReader().read()
    client.abort()
    expect(await until(() => fake.requests[0]?.aborted === true)).toBe(true)
  })
})

describe('POST /api/v1/audio/speech — ElevenLabs provider', () => {
  it('calls the streaming endpoint with xi-api-key and the mapped format, and streams audio back', async () => {
    const res = await speak(eleven, { input: 'Bonjour.', response_format: 'pcm' })
    expect(res.status).toBe(200)
    const { times } = await readChunks(res)
    expect(times.length).toBeGreaterThan(1)
    expect(fake.requests[0]).toMatchObject({
      path: '/v1/text-to-speech/voice-123/stream',
      query: { output_format: 'pcm_24000' },
      headers: { 'xi-api-key': KEY, authorization: undefined },
      body: { text: 'Bonjour.', model_id: 'eleven_flash_v2_5' },
    })
  })

  it('wraps pcm in a WAV header when wav is asked for', async () => {
    const res = await speak(eleven, { input: 'x', response_format: 'wav' })
    const bytes = new Uint8Array(await res.arrayBuffer())
    expect(res.headers.get('content-type')).toBe('audio/wav')
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('RIFF')
    expect(bytes.length).toBe(44 + tonePcm(1).length)
  })

  it('says which formats it can give, and maps its errors', async () => {
    expect(await expectError(await speak(eleven, { input: 'x', response_format: 'flac' }), 400, 'invalid_request')).toMatch(/ElevenLabs/)
    fake.next({ kind: 'status', status: 401 })
    expect(await expectError(await speak(eleven, { input: 'x' }), 502, 'upstream_auth_failed')).toMatch(/TTS_API_KEY/)
  })
})

it('says so when no TTS is configured, and refuses ElevenLabs without a voice at start', async () => {
  const bare = await relayFor({})
  try {
    await expectError(await speak(bare, { input: 'x' }), 503, 'tts_not_configured')
  } finally {
    await bare.close()
  }
  expect(() => loadConfig({ TTS_PROVIDER: 'elevenlabs', TTS_API_KEY: 'k' })).toThrow(/TTS_VOICE/)
})
