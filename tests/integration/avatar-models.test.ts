// Remote avatar models: the settings, and GET /api/v1/avatar/models against a fake OmniRT (HTTP,
// auth as the real one), a direct_ws server that is up or down, and the built-in mock.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { avatarConfig, loadConfig } from '../../relay/config.ts'
import { startRelay, type RunningRelay } from '../../relay/node.ts'
import { startFakeOmniRt, type FakeOmniRt } from '../fakes/omnirt-upstream.ts'

const KEY = 'omnirt-key-5b1e9d7c3a'

describe('avatar settings', () => {
  it('reads a backend per model, derives the OmniRT WebSocket URL, and names every bad variable', () => {
    expect(avatarConfig({ OMNIRT_ENDPOINT: 'https://gpu.example/base/', AVATAR_QUICKTALK_BACKEND: 'omnirt', AVATAR_DEMO_BACKEND: 'mock', AVATAR_WAV2LIP_WS_URL: 'ws://10.0.0.5:8765/ws' })).toEqual({
      omnirt: { endpoint: 'https://gpu.example/base', apiKey: undefined },
      models: [
        { id: 'demo', backend: 'mock' },
        { id: 'quicktalk', backend: 'omnirt', wsUrl: 'wss://gpu.example/base/v1/avatar/realtime' },
        { id: 'wav2lip', backend: 'direct_ws', wsUrl: 'ws://10.0.0.5:8765/ws' },
      ],
    })
    expect(avatarConfig({ AVATAR_X_BACKEND: 'omnirt', AVATAR_Y_BACKEND: 'gpu', AVATAR_Z_BACKEND: 'direct_ws', OMNIRT_ENDPOINT: 'ftp://x' })).toEqual([
      'OMNIRT_ENDPOINT: expected an http:// or https:// URL, e.g. http://gpu-host:9000 (got "ftp://x")',
      'AVATAR_X_BACKEND: omnirt needs OMNIRT_ENDPOINT',
      'AVATAR_Y_BACKEND: expected mock, omnirt or direct_ws (got "gpu")',
      `AVATAR_Z_WS_URL: direct_ws needs the model server's ws:// or wss:// URL (got "")`,
    ])
  })
})

describe('avatar settings for real model ids', () => {
  it('AVATAR_MODELS names ids with "-" or "."; each is set up under its variable name, and mistakes are named', () => {
    expect(avatarConfig({ OMNIRT_ENDPOINT: 'http://gpu:9000', AVATAR_MODELS: 'soulx-flashtalk-14b, quicktalk,musetalk.v15', AVATAR_SOULX_FLASHTALK_14B_BACKEND: 'omnirt', AVATAR_QUICKTALK_BACKEND: 'omnirt', AVATAR_MUSETALK_V15_WS_URL: 'ws://10.0.0.5:8765/ws' })).toEqual({
      omnirt: { endpoint: 'http://gpu:9000', apiKey: undefined },
      models: [
        { id: 'musetalk.v15', backend: 'direct_ws', wsUrl: 'ws://10.0.0.5:8765/ws' },
        { id: 'quicktalk', backend: 'omnirt', wsUrl: 'ws://gpu:9000/v1/avatar/realtime' },
        { id: 'soulx-flashtalk-14b', backend: 'omnirt', wsUrl: 'ws://gpu:9000/v1/avatar/realtime' },
      ],
    })
    expect(avatarConfig({ AVATAR_MODELS: 'Flash Talk,a-b,a.b,quick', AVATAR_A_B_BACKEND: 'mock', AVATAR_WAV2LIP_BACKEND: 'mock' })).toEqual([
      `AVATAR_MODELS: "Flash Talk" is not a model id (lower-case letters, digits, '.', '_' and '-'; at most 64)`,
      'AVATAR_MODELS: "a-b" and "a.b" would share the settings AVATAR_A_B_*; keep one',
      'AVATAR_WAV2LIP_BACKEND: no model in AVATAR_MODELS (a-b, quick) has the name WAV2LIP; add its id there',
      'AVATAR_QUICK_BACKEND: expected mock, omnirt or direct_ws (got "")',
    ])
  })

  it('stops the relay at start-up with the same messages', () => {
    expect(() => loadConfig({ AVATAR_MODELS: 'soulx-flashtalk-14b' })).toThrow(/AVATAR_SOULX_FLASHTALK_14B_BACKEND: expected mock, omnirt or direct_ws/)
    expect(() => loadConfig({ AVATAR_MODELS: 'soulx-flashtalk-14b', OMNIRT_ENDPOINT: 'http://gpu:9000', AVATAR_SOULX_FLASHTALK_14B_BACKEND: 'omnirt' })).not.toThrow()
  })
})

describe('GET /api/v1/avatar/models', () => {
  let omnirt: FakeOmniRt
  let direct: ReturnType<typeof createServer>
  let directUrl: string
  let relay: RunningRelay
  beforeAll(async () => {
    omnirt = await startFakeOmniRt({ apiKey: KEY, serving: { quicktalk: 'runtime' } })
    direct = createServer((_, res) => res.end('ok'))
    await new Promise<void>((r) => direct.listen(0, '127.0.0.1', r))
    directUrl = `ws://127.0.0.1:${(direct.address() as AddressInfo).port}/ws`
    relay = await startRelay(
      loadConfig({ HOST: '127.0.0.1', PORT: '0', OMNIRT_ENDPOINT: omnirt.url, OMNIRT_API_KEY: KEY, AVATAR_QUICKTALK_BACKEND: 'omnirt', AVATAR_WAV2LIP_BACKEND: 'omnirt', AVATAR_MUSETALK_WS_URL: directUrl, AVATAR_FLASHTALK_WS_URL: 'ws://127.0.0.1:1/ws', AVATAR_DEMO_BACKEND: 'mock' }),
      { log: () => {} },
    )
  })
  afterAll(async () => {
    await relay.close()
    await omnirt.close()
    direct.close()
  })

  it("lists what can be used now: OmniRT's own listing, direct_ws health, the mock", async () => {
    const res = await fetch(`${relay.url}/api/v1/avatar/models`)
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body.models.sort()).toEqual(['demo', 'musetalk', 'quicktalk'])
    expect(body.statuses).toEqual(
      expect.arrayContaining([
        { id: 'quicktalk', backend: 'omnirt', connected: true, reason: 'omnirt' },
        { id: 'wav2lip', backend: 'omnirt', connected: false, reason: 'runtime_not_enabled' },
        { id: 'musetalk', backend: 'direct_ws', connected: true, reason: 'direct_ws' },
        { id: 'flashtalk', backend: 'direct_ws', connected: false, reason: 'direct_ws_unavailable' },
        { id: 'demo', backend: 'mock', connected: true, reason: 'mock' },
      ]),
    )
    // /api/config names the models and backends, never a URL or key.
    const config = await (await fetch(`${relay.url}/api/config`)).text()
    expect(JSON.parse(config).avatar.models).toContainEqual({ id: 'quicktalk', backend: 'omnirt' })
    expect(config).not.toContain(KEY)
    expect(config).not.toContain('127.0.0.1')
  })

  it('says omnirt_unavailable, within about a second, when OmniRT is down or refuses the key', async () => {
    const wrongKey = await startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0', OMNIRT_ENDPOINT: omnirt.url, OMNIRT_API_KEY: 'wrong', AVATAR_QUICKTALK_BACKEND: 'omnirt' }), { log: () => {} })
    const down = await startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0', OMNIRT_ENDPOINT: 'http://127.0.0.1:1', AVATAR_QUICKTALK_BACKEND: 'omnirt' }), { log: () => {} })
    try {
      for (const r of [wrongKey, down]) {
        const t = Date.now()
        const body = await (await fetch(`${r.url}/api/v1/avatar/models`)).json()
        expect(Date.now() - t).toBeLessThan(1500)
        expect(body).toEqual({ models: [], statuses: [{ id: 'quicktalk', backend: 'omnirt', connected: false, reason: 'omnirt_unavailable' }] })
      }
    } finally {
      await wrongKey.close()
      await down.close()
    }
  })
})
