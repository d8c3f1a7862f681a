import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { modelFolder } from '../../relay/runtime/node/assets.ts'
import { chatBody, startStack, UPSTREAM_KEY, type Stack } from './harness.ts'

let stack: Stack
let dist: string
beforeAll(async () => {
  dist = await mkdtemp(join(tmpdir(), 'parley-dist-'))
  await mkdir(join(dist, 'assets'))
  await writeFile(join(dist, 'index.html'), '<!doctype html><title>Parley</title><div id="root"></div>')
  await writeFile(join(dist, 'assets', 'app-1234.js'), 'console.log("app")')
  stack = await startStack({ distDir: dist })
})
afterAll(async () => {
  await stack.close()
  await rm(dist, { recursive: true, force: true })
})

describe('relay basics', () => {
  it('GET /api/health → {ok, version}', async () => {
    const res = await stack.api('/api/health')
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ ok: true, version: expect.any(String) })
  })

  it('GET /api/config lists capabilities and nothing secret', async () => {
    const res = await stack.api('/api/config')
    const text = await res.text()
    expect(JSON.parse(text)).toMatchObject({
      llm: { available: true, models: ['fake-model', 'other-model'], default: 'fake-model' },
      tts: { available: false },
      asr: { available: false },
      avatar: { models: [] },
      realtime: { available: false, models: [], default: null },
      auth: { required: false },
    })
    expect(text).not.toContain(UPSTREAM_KEY)
    expect(text).not.toContain(stack.fake.url) // upstream addresses are the operator's business
  })
})

describe('serving the SPA', () => {
  it('serves index.html for navigation paths', async () => {
    for (const path of ['/', '/settings', '/some/deep/route']) {
      const res = await stack.api(path)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toContain('text/html')
      expect(await res.text()).toContain('<div id="root">')
    }
  })

  it('serves built files with long caching for hashed assets', async () => {
    const res = await stack.api('/assets/app-1234.js')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('javascript')
    expect(res.headers.get('cache-control')).toContain('immutable')
  })

  it('answers a conditional request for an unchanged file with 304', async () => {
    const first = await stack.api('/assets/app-1234.js')
    const etag = first.headers.get('etag')!
    expect(etag).toBeTruthy()
    const again = await stack.api('/assets/app-1234.js', { headers: { 'if-none-match': etag } })
    expect(again.status).toBe(304)
  })

  it('answers 404 (never index.html) for a missing file with an extension', async () => {
    for (const path of ['/models/whisper-tiny/onnx/encoder_model.onnx', '/assets/missing.js', '/favicon.ico']) {
      const res = await stack.api(path)
      expect(res.status).toBe(404)
      expect(await res.text()).not.toContain('<div id="root">')
    }
  })

  it('does not serve files outside the build folder', async () => {
    for (const path of ['/..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd.txt']) {
      const res = await stack.api(path)
      expect([400, 404]).toContain(res.status)
      expect(await res.text()).not.toContain('root:')
    }
  })
})

describe('self-hosted models (/models/)', () => {
  it('are served by a relay that serves no app, with CORS for allowed origins only (a page on a static host loads them)', async () => {
    // models/manifest.json stands in for a model's file: models/ is the folder served at /models/.
    const relay = await startStack({ distDir: null, env: { PARLEY_ALLOWED_ORIGINS: 'https://app.example.com' } })
    try {
      for (const method of ['GET', 'HEAD']) {
        const res = await relay.api('/models/manifest.json', { method, headers: { origin: 'https://app.example.com' } })
        expect(res.status).toBe(200)
        expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com')
        expect(res.headers.get('vary')).toContain('Origin')
        await res.text()
      }
      // A cached copy revalidated across origins keeps its CORS.
      const etag = (await relay.api('/models/manifest.json')).headers.get('etag')!
      const again = await relay.api('/models/manifest.json', { headers: { origin: 'https://app.example.com', 'if-none-match': etag } })
      expect(again.status).toBe(304)
      expect(again.headers.get('access-control-allow-origin')).toBe('https://app.example.com')
      const pre = await relay.api('/models/manifest.json', { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' } })
      expect(pre.status).toBe(204)
      expect(pre.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS')

      const other = await relay.api('/models/manifest.json', { headers: { origin: 'https://evil.example' } })
      expect(other.headers.get('access-control-allow-origin')).toBeNull()
      await other.text()
      const missing = await relay.api('/models/no/such/config.json', { headers: { origin: 'https://app.example.com' } })
      expect(missing.status).toBe(404)
      await missing.text()
      // No app here: pages still say how to build it; /models/ stays inside models/.
      expect((await relay.api('/')).status).toBe(503)
      expect((await relay.api('/models/..%2f..%2fpackage.json')).status).toBe(404)
    } finally {
      await relay.close()
    }
  })
})

describe('the models list (/models/index.json)', () => {
  it('names the folders with a config.json, org/name or name, so the page need not probe (and log a 404) per model', async () => {
    const root = await mkdtemp(join(tmpdir(), 'parley-models-'))
    try {
      for (const dir of ['onnx-community/whisper-base', 'local-model', 'onnx-community/half-copied', '.hidden/model']) await mkdir(join(root, dir), { recursive: true })
      for (const dir of ['onnx-community/whisper-base', 'local-model', '.hidden/model']) await writeFile(join(root, dir, 'config.json'), '{}')
      // A model folder that is a symlink to where its weights live is listed too.
      await symlink(join(root, 'local-model'), join(root, 'linked-model'))
      const models = modelFolder(root)
      const res = await models.fetch(new Request('http://relay/index.json'))
      expect(res.status).toBe(200)
      expect(res.headers.get('cache-control')).toBe('no-cache')
      expect(await res.json()).toEqual({ models: ['linked-model', 'local-model', 'onnx-community/whisper-base'] })
      // The files themselves are served as before.
      expect((await models.fetch(new Request('http://relay/local-model/config.json'))).status).toBe(200)
      // A folder that does not exist lists nothing (a relay with no models).
      expect(await (await modelFolder(join(root, 'none')).fetch(new Request('http://relay/index.json'))).json()).toEqual({ models: [] })
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })
})

describe('PARLEY_ACCESS_TOKEN', () => {
  it('guards /api/v1/* and leaves /api/health and /api/config public', async () => {
    const locked = await startStack({ env: { PARLEY_ACCESS_TOKEN: 'let-me-in-please' } })
    try {
      expect((await locked.api('/api/health')).status).toBe(200)
      const config = (await (await locked.api('/api/config')).json()) as { auth: { required: boolean } }
      expect(config.auth.required).toBe(true)

      const none = await locked.api('/api/v1/chat/completions', chatBody())
      expect(none.status).toBe(401)
      expect(((await none.json()) as { error: { code: string } }).error.code).toBe('access_token_required')

      const wrong = await locked.api('/api/v1/chat/completions', { ...chatBody(), headers: { 'content-type': 'application/json', authorization: 'Bearer nope' } })
      expect(wrong.status).toBe(401)
      expect(locked.fake.requests).toHaveLength(0)

      const right = await locked.api('/api/v1/chat/completions', { ...chatBody(), headers: { 'content-type': 'application/json', authorization: 'Bearer let-me-in-please' } })
      expect(right.status).toBe(200)
      // The client's token is for the relay only; the upstream sees the relay's key.
      expect(locked.fake.requests[0]!.authorization).toBe(`Bearer ${UPSTREAM_KEY}`)
    } finally {
      await locked.close()
    }
  })
})

describe('other websites cannot use the relay through a visitor’s browser', () => {
  const post = (headers: Record<string, string>) =>
    stack.api('/api/v1/chat/completions', { method: 'POST', headers, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }) })

  it('refuses a cross-site Origin with 403', async () => {
    const res = await post({ 'content-type': 'application/json', origin: 'https://evil.example' })
    expect(res.status).toBe(403)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('origin_not_allowed')
  })

  it('refuses the content types a page can send cross-site without a preflight', async () => {
    for (const type of ['text/plain;charset=json', 'text/plain', 'application/x-www-form-urlencoded']) {
      expect((await post({ 'content-type': type })).status).toBe(415)
    }
    const blob = await stack.api('/api/v1/chat/completions', { method: 'POST', body: new Blob(['{"messages":[]}']) })
    expect(blob.status).toBe(415)
  })

  it('refuses a foreign host name pointed at a loopback relay (DNS rebinding)', async () => {
    // fetch() will not set Host: speak HTTP directly.
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${stack.relay.url}/api/v1/chat/completions`, { method: 'POST', headers: { host: 'attacker.example:8787', 'content-type': 'application/json' } }, (res) => {
        let body = ''
        res.on('data', (d: Buffer) => (body += d.toString()))
        res.on('end', () => resolve({ status: res.statusCode!, body }))
      })
      req.on('error', reject)
      req.end(JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }))
    })
    expect(status).toBe(403)
    expect(body).toContain('host_not_allowed')
  })

  it('accepts its own origin and origins listed in PARLEY_ALLOWED_ORIGINS', async () => {
    const own = await post({ 'content-type': 'application/json', origin: stack.relay.url })
    expect(own.status).toBe(200)
    await own.text()
    const listed = await startStack({ env: { PARLEY_ALLOWED_ORIGINS: 'https://app.example.com' } })
    try {
      const res = await listed.api('/api/v1/chat/completions', { ...chatBody(), headers: { 'content-type': 'application/json', origin: 'https://app.example.com' } })
      expect(res.status).toBe(200)
      await res.text()
    } finally {
      await listed.close()
    }
  })

  it('answers CORS for allowed origins by name (never *), preflights before the token, and nothing for others', async () => {
    const listed = await startStack({ env: { PARLEY_ALLOWED_ORIGINS: 'https://app.example.com', PARLEY_ACCESS_TOKEN: 'tok-1' } })
    try {
      const pre = await listed.api('/api/v1/chat/completions', { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } })
      expect(pre.status).toBe(204)
      expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example.com')
      expect(pre.headers.get('access-control-allow-headers')).toContain('authorization')
      expect(pre.headers.get('vary')).toContain('Origin')
      const res = await listed.api('/api/v1/chat/completions', { ...chatBody(), headers: { 'content-type': 'application/json', origin: 'https://app.example.com', authorization: 'Bearer tok-1' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com')
      expect(res.headers.get('access-control-allow-credentials')).toBeNull()
      await res.text()
      const denied = await listed.api('/api/v1/chat/completions', { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } })
      expect(denied.status).toBe(403)
      expect(denied.headers.get('access-control-allow-origin')).toBeNull()
      // The API's answers carry nosniff; the page's also a strict CSP.
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      // A page on a static host asks /api/config first: it gets CORS too (and never a key).
      for (const path of ['/api/config', '/api/health']) {
        const meta = await listed.api(path, { headers: { origin: 'https://app.example.com' } })
        expect(meta.status).toBe(200)
        expect(meta.headers.get('access-control-allow-origin')).toBe('https://app.example.com')
        await meta.text()
        const other = await listed.api(path, { headers: { origin: 'https://evil.example' } })
        expect(other.headers.get('access-control-allow-origin')).toBeNull()
        await other.text()
      }
    } finally {
      await listed.close()
    }
  })
})
