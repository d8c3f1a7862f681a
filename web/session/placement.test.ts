import { describe, expect, it } from 'vitest'
import { resolveAsrPlacement } from './placement.ts'

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
