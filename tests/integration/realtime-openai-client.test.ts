// The official `openai` client's Realtime WebSocket class, unchanged, through the relay: its
// baseURL is the relay's /api/v1 and its API key the relay's access token. The client always
// dials wss://, so the relay serves TLS here with a certificate made for the test.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import OpenAI from 'openai'
import { OpenAIRealtimeWS } from 'openai/realtime/ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../relay/config.ts'
import { startRelay, type RunningRelay } from '../../relay/node.ts'
import { startFakeRealtime, type FakeRealtime } from '../fakes/realtime-upstream.ts'
import { UPSTREAM_KEY } from './harness.ts'

const TOKEN = 'tok-openai-client-81c4'
let fake: FakeRealtime
let relay: RunningRelay
let cert: string

/** A throwaway self-signed certificate for 127.0.0.1 (openssl, as on any Debian machine). */
function throwawayCertificate() {
  const dir = mkdtempSync(join(tmpdir(), 'parley-tls-'))
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' })
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

beforeAll(async () => {
  const tls = throwawayCertificate()
  cert = tls.cert
  fake = await startFakeRealtime({ apiKey: UPSTREAM_KEY, answer: { text: 'One two three four five six.', audioMs: 1200 }, pace: 'instant' })
  relay = await startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0', REALTIME_URL: fake.url, REALTIME_API_KEY: UPSTREAM_KEY, PARLEY_ACCESS_TOKEN: TOKEN }), { distDir: null, log: () => {}, tls })
})
afterAll(async () => {
  await relay?.close()
  await fake?.close()
})

describe('the official openai Realtime client through the relay', () => {
  it('connects with the access token as its key, streams an answer and truncates it; the upstream saw only the server key', async () => {
    const client = new OpenAI({ apiKey: TOKEN, baseURL: `${relay.url}/api/v1` })
    const rt = new OpenAIRealtimeWS({ model: 'gpt-realtime', options: { ca: cert } }, client)
    expect(rt.url.toString()).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/api\/v1\/realtime\?model=gpt-realtime$/)
    const errors: unknown[] = []
    rt.on('error', (e) => errors.push(e))

    let item = ''
    let audioBytes = 0
    let transcript = ''
    const truncated = new Promise<{ audio_end_ms: number; item_id: string }>((resolve, reject) => {
      rt.on('session.created', () => {
        rt.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Count for me.' }] } })
        rt.send({ type: 'response.create' })
      })
      rt.on('response.output_item.added', (e) => (item = e.item.id ?? ''))
      rt.on('response.output_audio.delta', (e) => (audioBytes += Buffer.from(e.delta, 'base64').length))
      rt.on('response.output_audio_transcript.delta', (e) => (transcript += e.delta))
      rt.on('response.done', () => rt.send({ type: 'conversation.item.truncate', item_id: item, content_index: 0, audio_end_ms: 500 }))
      rt.on('conversation.item.truncated', (e) => resolve(e))
      rt.socket.once('close', () => reject(new Error('closed early')))
    })
    const done = await truncated
    rt.close()

    expect(errors).toEqual([])
    expect(done).toMatchObject({ item_id: item, audio_end_ms: 500 })
    expect(transcript).toBe('One two three four five six.')
    expect(audioBytes).toBe(1200 * 24 * 2)
    const upstream = fake.sessions.at(-1)!
    expect(upstream.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`)
    expect(JSON.stringify(upstream.headers)).not.toContain(TOKEN)
    expect(upstream.truncations.map((t) => t.audio_end_ms)).toEqual([500])
  })

  it('is refused with a wrong key, as OpenAI refuses one', async () => {
    const client = new OpenAI({ apiKey: 'not-the-token', baseURL: `${relay.url}/api/v1` })
    const rt = new OpenAIRealtimeWS({ model: 'gpt-realtime', options: { ca: cert } }, client)
    const status = await new Promise<number | undefined>((resolve) => {
      rt.socket.once('unexpected-response', (_req, res) => resolve(res.statusCode))
      rt.on('error', () => {})
    })
    expect(status).toBe(401)
  })
})
