import { describe, expect, it } from 'vitest'
import { resolveAsrPlacement, resolvePlacements, type DeviceCapabilities } from './placement.ts'
import { defaultSettings, type Settings } from './settings.ts'

const gpu = { webgpu: true, shaderF16: true }
const cpu = { webgpu: false, shaderF16: false }

describe('resolveAsrPlacement', () => {
  it('prefers the device, on WebGPU where it exists', () => {
    expect(resolveAsrPlacement({ device: gpu, localModel: true, relay: true, choice: 'auto' })).toEqual({ placement: 'local-webgpu', reason: 'on device · WebGPU' })
    expect(resolveAsrPlacement({ device: cpu, localModel: true, relay: true, choice: 'auto' }).placement).toBe('local-wasm')
  })

  it('uses the relay when there is no local model, and says why', () => {
    expect(resolveAsrPlacement({ device: gpu, localModel: false, relay: true, choice: 'auto' })).toEqual({ placement: 'relay', reason: 'relay · no local model' })
  })

  it('never sends audio to the relay when the user chose on-device', () => {
    const r = resolveAsrPlacement({ device: gpu, localModel: false, relay: true, choice: 'on-device' })
    expect(r.placement).toBeNull()
    expect(r.reason).toMatch(/no local speech model/)
  })

  it('honours a relay choice, and explains when the relay cannot', () => {
    expect(resolveAsrPlacement({ device: gpu, localModel: true, relay: true, choice: 'relay' }).placement).toBe('relay')
    expect(resolveAsrPlacement({ device: gpu, localModel: true, relay: false, choice: 'relay' })).toEqual({ placement: null, reason: 'the relay has no speech recognition configured' })
  })

  it('reports when nothing can recognise speech', () => {
    expect(resolveAsrPlacement({ device: cpu, localModel: false, relay: false, choice: 'auto' }).placement).toBeNull()
  })
})

describe('resolvePlacements', () => {
  const relay = { version: '1', auth: { required: false }, llm: { available: true, models: ['m'], default: 'm' }, tts: { available: false, provider: null, voices: [] }, asr: { available: true }, avatar: { models: [] }, realtime: { available: false, models: [], default: null } }
  const facts = (patch: Partial<Settings> = {}, device: DeviceCapabilities = gpu) => ({
    settings: { ...defaultSettings, ...patch },
    device,
    relay,
    hosted: { asr: true, kokoro: undefined },
    remoteAvatars: [],
    face: { renderer: 'canvas2d' as const, why: 'WebGPU unavailable' },
    espeak: true,
  })

  it('decides every stage, with a label and a reason', () => {
    const p = resolvePlacements(facts())
    expect(Object.keys(p).sort()).toEqual(['agent', 'asr', 'avatar', 'tts', 'vad'])
    expect(p.vad.placement).toBe('local-wasm')
    expect(p.agent).toMatchObject({ placement: 'relay', label: 'm' })
    expect(p.asr.placement).toBe('local-webgpu')
    expect(p.tts).toMatchObject({ placement: 'local-wasm', engine: 'espeak' })
    expect(p.avatar).toMatchObject({ placement: 'local-canvas2d', label: 'Canvas2D' })
  })

  it('treats a software WebGPU adapter as none for models, unless WebGPU is forced', () => {
    const swiftshader = { webgpu: true, softwareGpu: true, shaderF16: false }
    expect(resolvePlacements(facts({}, swiftshader)).asr).toMatchObject({ placement: 'local-wasm', reason: 'on device · WASM (WebGPU here is software-only)' })
    expect(resolvePlacements(facts({ modelDevice: 'webgpu' }, swiftshader)).asr.placement).toBe('local-webgpu')
    expect(resolvePlacements(facts({ modelDevice: 'wasm' }, gpu)).asr.placement).toBe('local-wasm')
    expect(resolvePlacements(facts({ voiceEngine: 'kokoro', allowRemoteModels: true }, swiftshader)).tts).toMatchObject({ placement: 'local-wasm', engine: 'kokoro' })
  })

  it('a model the server lacks comes from the hub only when the user allows it; until then the user is asked', () => {
    const noModel = (patch: Partial<Settings>, asr = false) => resolvePlacements({ ...facts(patch), relay: { ...relay, asr: { available: asr } }, hosted: { asr: false, kokoro: undefined } }).asr
    expect(noModel({})).toMatchObject({ placement: null, missing: 'model' })
    expect(noModel({ allowRemoteModels: true })).toMatchObject({ placement: 'local-webgpu' })
    expect(noModel({ allowRemoteModels: true }).missing).toBeUndefined()
    // With the relay's recognition the automatic choice has a way to hear, and uses it (and says why).
    expect(noModel({}, true)).toMatchObject({ placement: 'relay', reason: 'relay · no local model' })
    // "On this device only" with no model: still asked, and the relay is one of the answers.
    expect(noModel({ asrPlacement: 'on-device' }, true)).toMatchObject({ placement: null, missing: 'model' })
    // While the server is still being asked, nothing is missing yet.
    expect(resolvePlacements({ ...facts(), hosted: { asr: undefined, kokoro: undefined } }).asr.missing).toBeUndefined()
  })

  it('chooses nothing while the facts are unknown, and says so', () => {
    expect(resolvePlacements({ ...facts(), relay: undefined }).agent.placement).toBeNull()
    expect(resolvePlacements({ ...facts(), hosted: { asr: undefined, kokoro: undefined } }).asr).toMatchObject({ placement: null, reason: 'checking for a speech model…' })
    expect(resolvePlacements({ ...facts(), relay: null }).agent).toMatchObject({ placement: 'offline', reason: 'the relay cannot be reached' })
  })

  it('a remote avatar that is up is the face; one that is down falls back and says why', () => {
    const remoteAvatars = [{ id: 'quicktalk', backend: 'omnirt' as const, connected: true, reason: 'proxy' }]
    expect(resolvePlacements({ ...facts({ remoteAvatar: 'quicktalk' }), remoteAvatars }).avatar).toMatchObject({ placement: 'omnirt', label: 'remote quicktalk' })
    const down = resolvePlacements({ ...facts({ remoteAvatar: 'quicktalk' }), remoteAvatars: [{ ...remoteAvatars[0]!, connected: false, reason: 'runtime_not_enabled' }] }).avatar
    expect(down.placement).toBe('local-canvas2d')
    expect(down.reason).toContain('remote quicktalk unavailable: runtime_not_enabled')
  })
  it('Realtime, when chosen and offered: one model hears, answers and speaks, via the relay; else the pipeline says why', () => {
    const withRealtime = { ...relay, realtime: { available: true, models: ['gpt-realtime', 'mini'], default: 'gpt-realtime' } }
    const p = resolvePlacements({ ...facts({ brain: 'realtime' }), relay: withRealtime })
    for (const stage of ['asr', 'agent', 'tts'] as const) expect(p[stage]).toMatchObject({ placement: 'relay', engine: 'realtime', label: 'Realtime · gpt-realtime' })
    expect(p.agent.reason).toBe('answers: Realtime · gpt-realtime · via relay')
    expect(p.vad.placement).toBe('local-wasm')
    expect(resolvePlacements({ ...facts({ brain: 'realtime', realtimeModel: 'mini' }), relay: withRealtime }).agent.label).toBe('Realtime · mini')
    expect(resolvePlacements({ ...facts({ brain: 'realtime', realtimeModel: 'gone' }), relay: withRealtime }).agent.label).toBe('Realtime · gpt-realtime')
    // Chosen, but this relay has none: the pipeline answers, and says so.
    const none = resolvePlacements(facts({ brain: 'realtime' }))
    expect(none.agent).toMatchObject({ placement: 'relay', label: 'm' })
    expect(none.agent.reason).toContain('the relay has no Realtime model')
    // Offered, not chosen: the pipeline.
    expect(resolvePlacements({ ...facts(), relay: withRealtime }).agent.engine).toBeUndefined()
  })
})
