import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../relay/config.ts'
import { encodeWav } from '../../web/lib/audio/wav.ts'
import { startRelay, type RunningRelay } from '../../relay/node.ts'
import { startFakeTranscriber, type FakeTranscriber } from '../fakes/transcription-upstream.ts'
import { expectApiError } from './harness.ts'

const KEY = 'sk-asr-test-3b8e0f1c2d4a6b7c9e'
const speech = readFileSync(new URL('../fixtures/speech.wav', import.meta.url))

let fake: FakeTranscriber
let relay: RunningRelay
beforeAll(async () => {
  fake = await startFakeTranscriber({ apiKey: KEY })
  relay = await startRelay(
    loadConfig({ HOST: '127.0.0.1', PORT: '0', ASR_BASE_URL: fake.baseUrl, ASR_API_KEY: KEY, ASR_MODEL: 'whisper-1' }, { asrUploadBytes: 3 * 1024 * 1024, asrMaxSeconds: 20, upstreamIdleMs: 800 }),
    { distDir: null, log: () => {} },
  )
})
afterAll(async () => {
  await relay.close()
  await fake.close()
})
beforeEach(() => fake.reset())

function upload(file: Blob | undefined, fields: Record<string, string> = {}, name = 'speech.wav') {
  const form = new FormData()
  if (file) form.set('file', file, name)
  for (const [k, v] of Object.entries(fields)) form.set(k, v)
  return fetch(`${relay.url}/api/v1/audio/transcriptions`, { method: 'POST', body: form })
}

const expectError = async (res: Response, status: number, code: string) => (await expectApiError(res, status, code, [KEY])).message

describe('POST /api/v1/audio/transcriptions', () => {
  it('forwards the audio with the key injected and returns the transcript', async () => {
    fake.next({ kind: 'reply', text: 'Hello Parley, can you hear me clearly today?' })
    const res = await upload(new Blob([speech], { type: 'audio/wav' }), { model: 'whisper-1', language: 'en' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ text: 'Hello Parley, can you hear me clearly today?' })
    const seen = fake.uploads[0]!
    expect(seen.authorization).toBe(`Bearer ${KEY}`)
    expect(seen.file).toMatchObject({ size: speech.length, head: 'RIFF', type: 'audio/wav' })
    expect(seen.fields).toMatchObject({ model: 'whisper-1', language: 'en', response_format: 'json' })
  })

  it('works with the official openai client', async () => {
    const { default: OpenAI, toFile } = await import('openai')
    const client = new OpenAI({ baseURL: `${relay.url}/api/v1`, apiKey: 'x', maxRetries: 0 })
    fake.next({ kind: 'reply', text: 'via the openai client' })
    const out = await client.audio.transcriptions.create({ file: await toFile(speech, 'speech.wav', { type: 'audio/wav' }), model: 'whisper-1' })
    expect(out.text).toBe('via the openai client')
  })

  it('supports text responses', async () => {
    fake.next({ kind: 'reply', text: 'plain words' })
    const res = await upload(new Blob([speech], { type: 'audio/wav' }), { response_format: 'text' })
    expect(await res.text()).toBe('plain words')
  })

  it('refuses empty, non-audio, oversize and overlong uploads, and never forwards them', async () => {
    await expectError(await upload(new Blob([], { type: 'audio/wav' })), 400, 'empty_audio')
    await expectError(await upload(new Blob(['<html>hello</html>'], { type: 'audio/wav' })), 415, 'not_audio')
    await expectError(await upload(new Blob([speech], { type: 'image/png' })), 415, 'not_audio')
    await expectError(await upload(new Blob([new Uint8Array(4 * 1024 * 1024)], { type: 'audio/wav' })), 413, 'body_too_large')
    // 25 s of 16 kHz 16-bit audio (over the 20 s limit set here), within the byte limit.
    const long = encodeWav({ sampleRate: 16000, samples: new Float32Array(16000 * 25) })
    expect(await expectError(await upload(new Blob([long], { type: 'audio/wav' })), 413, 'audio_too_long')).toMatch(/at most 20 s/)
    // Compressed audio, whose length cannot be read, has its own byte cap (2 MiB by default).
    const ogg = new Uint8Array(2.5 * 1024 * 1024)
    ogg.set(new TextEncoder().encode('OggS'))
    expect(await expectError(await upload(new Blob([ogg], { type: 'audio/ogg' }), {}, 'a.ogg'), 413, 'body_too_large')).toMatch(/Compressed audio/)
    expect(fake.uploads).toHaveLength(0)
  })

  it('refuses a missing file field, a truncated body and a wrong content type', async () => {
    await expectError(await upload(undefined, { model: 'whisper-1' }), 400, 'missing_file')
    const truncated = await fetch(`${relay.url}/api/v1/audio/transcriptions`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
      body: '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\nRIFF',
    })
    await expectError(truncated, 400, 'invalid_multipart')
    await expectError(await fetch(`${relay.url}/api/v1/audio/transcriptions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), 415, 'unsupported_media_type')
  })

  it('refuses models and options it does not allow', async () => {
    await expectError(await upload(new Blob([speech], { type: 'audio/wav' }), { model: 'other' }), 404, 'model_not_found')
    await expectError(await upload(new Blob([speech], { type: 'audio/wav' }), { response_format: 'srt' }), 400, 'invalid_request')
    await expectError(await upload(new Blob([speech], { type: 'audio/wav' }), { language: '../../etc' }), 400, 'invalid_request')
  })

  it('maps upstream failures: 500 → 502, a hang → 504', async () => {
    fake.next({ kind: 'status', status: 500 }, { kind: 'hang' })
    await expectError(await upload(new Blob([speech], { type: 'audio/wav' })), 502, 'upstream_error')
    await expectError(await upload(new Blob([speech], { type: 'audio/wav' })), 504, 'upstream_timeout')
  })

  it('says so when no service is configured', async () => {
    const bare = await startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0' }), { distDir: null, log: () => {} })
    try {
      const form = new FormData()
      form.set('file', new Blob([speech], { type: 'audio/wav' }), 'a.wav')
      const res = await fetch(`${bare.url}/api/v1/audio/transcriptions`, { method: 'POST', body: form })
      await expectError(res, 503, 'asr_not_configured')
    } finally {
      await bare.close()
    }
  })
})
