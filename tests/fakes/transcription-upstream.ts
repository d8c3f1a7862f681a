/**
 * A stand-in for an OpenAI-compatible transcription API (POST /v1/audio/transcriptions,
 * multipart): a real HTTP server on loopback that checks the key, reads the upload and answers
 * like the real one — or fails on request.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { json, readBody, serveFake } from './http.ts'

export type TranscriptionScenario =
  | { kind: 'reply'; text: string; delayMs?: number }
  | { kind: 'status'; status: number; body?: unknown }
  | { kind: 'hang' }

export interface RecordedUpload {
  authorization: string | undefined
  fields: Record<string, string>
  file: { name: string; type: string; size: number; head: string } | undefined
}

export interface FakeTranscriber {
  url: string
  baseUrl: string
  uploads: RecordedUpload[]
  next(...s: TranscriptionScenario[]): void
  reset(): void
  close(): Promise<void>
}

export async function startFakeTranscriber(options: { apiKey?: string; port?: number } = {}): Promise<FakeTranscriber> {
  const queue: TranscriptionScenario[] = []
  const uploads: RecordedUpload[] = []
  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()))

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const body = await readBody(req)
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (path === '/__control/scenario' && req.method === 'POST') {
      const s = JSON.parse(body.toString()) as TranscriptionScenario | TranscriptionScenario[]
      queue.push(...(Array.isArray(s) ? s : [s]))
      return json(res, 200, { queued: queue.length })
    }
    if (path === '/__control/uploads') return json(res, 200, uploads)
    // Tests in other processes share this fake: one that queued more than it used clears it.
    if (path === '/__control/reset' && req.method === 'POST') {
      queue.length = 0
      uploads.length = 0
      return json(res, 200, { reset: true })
    }
    if (path !== '/v1/audio/transcriptions' || req.method !== 'POST') return json(res, 404, { error: { message: 'Not found' } })
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return json(res, 401, { error: { message: 'Incorrect API key provided.', code: 'invalid_api_key' } })
    }
    let form: FormData
    try {
      form = await new Request('http://x/', { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body: new Uint8Array(body) }).formData()
    } catch {
      return json(res, 400, { error: { message: 'Could not parse multipart form-data' } })
    }
    const file = form.get('file')
    const fields: Record<string, string> = {}
    for (const [k, v] of form) if (typeof v === 'string') fields[k] = v
    const record: RecordedUpload = {
      authorization: req.headers.authorization,
      fields,
      file: file instanceof File ? { name: file.name, type: file.type, size: file.size, head: Buffer.from(await file.slice(0, 4).arrayBuffer()).toString('latin1') } : undefined,
    }
    uploads.push(record)
    if (!record.file) return json(res, 400, { error: { message: "Missing required parameter: 'file'." } })

    const s = queue.shift() ?? { kind: 'reply', text: `I heard ${record.file.size} bytes of audio.` }
    if (s.kind === 'hang') return
    if (s.kind === 'status') return json(res, s.status, s.body ?? { error: { message: `Simulated HTTP ${s.status}` } })
    if (s.delayMs) await new Promise((r) => setTimeout(r, s.delayMs))
    if (fields.response_format === 'text') {
      res.writeHead(200, { 'content-type': 'text/plain' })
      return res.end(s.text)
    }
    return json(res, 200, { text: s.text })
  }

  return { ...(await serveFake(server, options.port, queue, uploads)), uploads }
}

