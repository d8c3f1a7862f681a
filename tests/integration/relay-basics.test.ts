import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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
      realtime: { available: false },
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
