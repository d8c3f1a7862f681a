import { describe, expect, it } from 'vitest'
import { chooseLlm, LARGE_LLM, loadSpeeds, recordSpeed, SMALL_LLM, tooLarge } from './llm-choice.ts'
import { resolvePlacements, type SessionFacts } from './placement.ts'
import { defaultSettings } from './settings.ts'

const gpu = { webgpu: true, softwareGpu: false, shaderF16: true, memoryGiB: 8 }

describe('which on-device model answers', () => {
  it('takes the larger one only on a real GPU with 16-bit floats and 8 GiB', () => {
    expect(chooseLlm('auto', gpu).id).toBe(LARGE_LLM)
    expect(chooseLlm('auto', { ...gpu, shaderF16: false })).toEqual({ id: SMALL_LLM, why: 'the small model: this GPU has no 16-bit floats' })
    expect(chooseLlm('auto', { ...gpu, softwareGpu: true }).id).toBe(SMALL_LLM)
    expect(chooseLlm('auto', { ...gpu, memoryGiB: 4 }).why).toContain('4 GiB')
    expect(chooseLlm('auto', { webgpu: false, shaderF16: false }).id).toBe(SMALL_LLM)
    expect(chooseLlm(LARGE_LLM, { webgpu: false, shaderF16: false })).toEqual({ id: LARGE_LLM, why: 'your choice' })
  })
  it('gives way to the small model when the larger one measured too slow here, or the GPU buffers are too small', () => {
    expect(chooseLlm('auto', gpu, { [LARGE_LLM]: 80 }).id).toBe(LARGE_LLM)
    expect(chooseLlm('auto', gpu, { [LARGE_LLM]: 200 })).toEqual({ id: SMALL_LLM, why: 'the small model: the larger one ran at 5 tokens/s here' })
    expect(chooseLlm('auto', { ...gpu, maxBufferMiB: 256 }).why).toContain('256 MiB')
    const kept: Record<string, string> = {}
    const store = { getItem: (k: string) => kept[k] ?? null, setItem: (k: string, v: string) => void (kept[k] = v) }
    let speeds = recordSpeed({}, LARGE_LLM, 100, store)
    speeds = recordSpeed(speeds, LARGE_LLM, 200, store)
    expect(speeds[LARGE_LLM]).toBeCloseTo(130)
    expect(loadSpeeds(store)).toEqual(speeds)
  })
  it('says when a chosen model is too large for the memory the device reports', () => {
    expect(tooLarge(LARGE_LLM, { ...gpu, memoryGiB: 2 })).toContain('needs about 3.5 GiB')
    expect(tooLarge(LARGE_LLM, gpu)).toBeNull()
    expect(tooLarge(SMALL_LLM, { ...gpu, memoryGiB: 4 })).toBeNull()
    expect(tooLarge(SMALL_LLM, { webgpu: false, shaderF16: false })).toBeNull()
  })
})

describe('the answer stage on the device', () => {
  const facts = (over: Partial<SessionFacts> = {}): SessionFacts => ({
    settings: { ...defaultSettings, brain: 'device' },
    device: { webgpu: false, shaderF16: false, memoryGiB: 8 },
    relay: null,
    hosted: { asr: true, kokoro: undefined, llm: true },
    remoteAvatars: [],
    espeak: true,
    ...over,
  })
  it('runs there when the model is here, and says where', () => {
    expect(resolvePlacements(facts()).agent).toMatchObject({ placement: 'local-wasm', label: 'Qwen2.5-0.5B-Instruct · WASM · on device' })
  })
  it('asks for the model when it is not here and downloads are off, never the relay', () => {
    const agent = resolvePlacements(facts({ hosted: { asr: true, kokoro: undefined, llm: false }, private: true })).agent
    expect(agent).toMatchObject({ placement: null, missing: 'model' })
    expect(agent.reason).toContain('outside the private session')
  })
  it('refuses a model too large for the device', () => {
    const agent = resolvePlacements(facts({ settings: { ...defaultSettings, brain: 'device', llmModel: LARGE_LLM }, device: { webgpu: false, shaderF16: false, memoryGiB: 2 } })).agent
    expect(agent.placement).toBeNull()
    expect(agent.reason).toContain('choose the smaller model')
  })
})
