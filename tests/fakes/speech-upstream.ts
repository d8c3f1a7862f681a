/**
 * A stand-in for text-to-speech providers: a real HTTP server on loopback that speaks OpenAI's
 * `POST /v1/audio/speech` (Bearer key) and ElevenLabs' `POST /v1/text-to-speech/{voice}/stream`
 * (`xi-api-key`), streaming real audio (a 440 Hz tone as 24 kHz 16-bit PCM, in a WAV header when
 * asked for wav) in chunks — or failing the ways real providers fail.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { answerControl, json, readBody, serveFake } from './http.ts'

export type SpeechScenario =
  | { kind: 'audio'; chunks?: number; chunkDelayMs?: number; seconds?: number }
  | { kind: 'status'; status: number; body?: unknown }
  /** Streams `afterChunks` chunks, then resets the connection. */
  | { kind: 'drop'; afterChunks: number }
  | { kind: 'hang' }

export interface RecordedSpeech {
  path: string
  query: Record<string, string>
  headers: Record<string, string | undefined>
  body: Record<string, unknown>
  aborted: boolean
}

export interface FakeSpeech {
  url: string
  baseUrl: string
  requests: RecordedSpeech[]
  next(...s: SpeechScenario[]): void
  reset(): void
  close(): Promise<void>
}

const RATE = 24000

export function tonePcm(seconds: number, hz = 440): Buffer {
  const n = Math.round(RATE * seconds)
  const out = Buffer.alloc(n * 2)
  for (let i = 0; i < n; i++) out.writeInt16LE(Math.round(Math.sin((2 * Math.PI * hz * i) / RATE) * 12000), i * 2)
  return out
}

function wavHeader(bytes: number): Buffer {
  const h = Buffer.alloc(44)
  h.write('RIFF', 0)
  h.writeUInt32LE(36 + bytes, 4)
  h.write('WAVEfmt ', 8)
  h.writeUInt32LE(16, 16)
  h.writeUInt16LE(1, 20)
  h.writeUInt16LE(1, 22)
  h.writeUInt32LE(RATE, 24)
  h.writeUInt32LE(RATE * 2, 28)
  h.writeUInt16LE(2, 32)
  h.writeUInt16LE(16, 34)
  h.write('data', 36)
  h.writeUInt32LE(bytes, 40)
  return h
}

export async function startFakeSpeech(options: { apiKey: string; port?: number }): Promise<FakeSpeech> {
  const queue: SpeechScenario[] = []
  const requests: RecordedSpeech[] = []
  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()))

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x')
    const raw = (await readBody(req)).toString('utf8')
    if (answerControl(res, url.pathname, raw, queue, requests)) return
    const openai = url.pathname === '/v1/audio/speech'
    const eleven = /^\/v1\/text-to-speech\/[^/]+\/stream$/.test(url.pathname)
    if (req.method !== 'POST' || (!openai && !eleven)) return json(res, 404, { detail: 'Not Found' })
    const record: RecordedSpeech = {
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { authorization: req.headers.authorization, 'xi-api-key': req.headers['xi-api-key'] as string | undefined },
      body: JSON.parse(raw || '{}') as Record<string, unknown>,
      aborted: false,
    }
    requests.push(record)
    res.on('close', () => (record.aborted = !res.writableFinished))
    const authorized = openai ? req.headers.authorization === `Bearer ${options.apiKey}` : req.headers['xi-api-key'] === options.apiKey
    if (!authorized) return json(res, 401, openai ? { error: { message: 'Incorrect API key provided.' } } : { detail: { status: 'invalid_api_key', message: 'Invalid API key' } })

    const s = queue.shift() ?? { kind: 'audio' }
    if (s.kind === 'hang') return
    if (s.kind === 'status') return json(res, s.status, s.body ?? { error: { message: `Simulated HTTP ${s.status}` } })
    const format = openai ? String(record.body.response_format ?? 'mp3') : String(record.query.output_format ?? 'mp3_44100_128')
    const pcm = tonePcm(s.kind === 'audio' ? (s.seconds ?? 1) : 1)
    const wav = format === 'wav'
    const payload = wav ? Buffer.concat([wavHeader(pcm.length), pcm]) : pcm
    res.writeHead(200, { 'content-type': wav ? 'audio/wav' : format.startsWith('pcm') ? 'audio/pcm' : 'audio/mpeg' })
    const chunks = s.kind === 'audio' ? (s.chunks ?? 5) : 10
    const size = Math.ceil(payload.length / chunks)
    for (let i = 0; i < chunks; i++) {
      if (s.kind === 'drop' && i === s.afterChunks) {
        await new Promise((r) => setTimeout(r, 30))
        return void res.socket?.resetAndDestroy()
      }
      if (res.destroyed) return
      res.write(payload.subarray(i * size, (i + 1) * size))
      await new Promise((r) => setTimeout(r, s.kind === 'audio' ? (s.chunkDelayMs ?? 20) : 20))
    }
    res.end()
  }

  return { ...(await serveFake(server, options.port, queue, requests)), requests }
}
