import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fetchModel } from '../../scripts/models-fetch.ts'

// A local server laid out like the Hugging Face hub (<repo>/resolve/<rev>/<file>), since the hub
// cannot be reached here. `cut` serves a file shorter than its Content-Length.
const files: Record<string, Buffer> = {
  'config.json': Buffer.from('{"model_type":"whisper"}'),
  'onnx/encoder_model.onnx': Buffer.alloc(300_000, 7),
}
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

let server: Server
let base: string
let dir: string
let cut = false

function manifest(sha256: Record<string, string> | null, extraFiles: string[] = []) {
  const path = join(dir, `manifest-${Math.random()}.json`)
  writeFileSync(path, JSON.stringify({ models: [{ id: 'test/tiny', task: 'automatic-speech-recognition', source: { hub: 'org/tiny', revision: 'abc123' }, files: [...Object.keys(files), ...extraFiles], sha256 }] }))
  return path
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-models-'))
  server = createServer((req, res) => {
    const file = req.url?.replace('/org/tiny/resolve/abc123/', '') ?? ''
    const body = files[file]
    if (!body) return res.writeHead(404).end('Entry not found')
    res.writeHead(200, { 'content-length': body.length })
    if (cut && body.length > 1000) return res.write(body.subarray(0, 1000), () => res.socket?.destroy())
    res.end(body)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => {
  server.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('npm run models:fetch', () => {
  it('downloads every file with progress, verifies checksums and records them', async () => {
    const progress: string[] = []
    const out = join(dir, 'ok')
    const result = await fetchModel({
      id: 'test/tiny',
      from: base,
      manifestPath: manifest({ 'config.json': sha(files['config.json']!), 'onnx/encoder_model.onnx': sha(files['onnx/encoder_model.onnx']!) }),
      modelsDir: out,
      onProgress: (p) => progress.push(`${p.file}:${p.loaded}/${p.total}`),
    })
    expect(readFileSync(join(out, 'test/tiny/onnx/encoder_model.onnx')).equals(files['onnx/encoder_model.onnx']!)).toBe(true)
    expect(progress.at(-1)).toBe('onnx/encoder_model.onnx:300000/300000')
    expect(progress.length).toBeGreaterThan(2)
    const record = JSON.parse(readFileSync(join(out, 'test/tiny/.parley-files.json'), 'utf8')) as { files: { file: string; sha256: string }[] }
    expect(record.files.map((f) => f.sha256)).toEqual([sha(files['config.json']!), sha(files['onnx/encoder_model.onnx']!)])
    expect(result.files).toHaveLength(2)
  })

  it('refuses a file whose checksum does not match, and keeps nothing of it', async () => {
    const out = join(dir, 'bad-sum')
    await expect(fetchModel({ id: 'test/tiny', from: base, manifestPath: manifest({ 'onnx/encoder_model.onnx': '0'.repeat(64) }), modelsDir: out })).rejects.toThrow(
      /onnx\/encoder_model\.onnx: checksum mismatch/,
    )
    expect(existsSync(join(out, 'test/tiny/onnx/encoder_model.onnx'))).toBe(false)
    expect(existsSync(join(out, 'test/tiny/onnx/encoder_model.onnx.part'))).toBe(false)
  })

  it('names a missing file and its URL', async () => {
    await expect(fetchModel({ id: 'test/tiny', from: base, manifestPath: manifest(null, ['onnx/missing.onnx']), modelsDir: join(dir, 'missing') })).rejects.toThrow(
      /onnx\/missing\.onnx: .*HTTP 404/,
    )
  })

  it('refuses a truncated download', async () => {
    cut = true
    try {
      await expect(fetchModel({ id: 'test/tiny', from: base, manifestPath: manifest(null), modelsDir: join(dir, 'cut') })).rejects.toThrow(/broke off|cut short/)
      // Not even the files that did arrive: a half model must not look like one.
      expect(existsSync(join(dir, 'cut/test/tiny'))).toBe(false)
      expect(existsSync(join(dir, 'cut/test/tiny.partial'))).toBe(false)
    } finally {
      cut = false
    }
  })

  it('names an unknown model id and lists the known ones', async () => {
    await expect(fetchModel({ id: 'nope', manifestPath: manifest(null) })).rejects.toThrow(/"nope" is not in .* Known models: test\/tiny/)
  })
})
