import type { Placement } from '../engines/asr/asr.ts'

/** What the device can do, detected once. */
export interface DeviceCapabilities {
  webgpu: boolean
  shaderF16: boolean
  /** navigator.deviceMemory in GiB where the browser tells. */
  memoryGiB?: number
}

export type PlacementChoice = 'auto' | 'on-device' | 'relay'

export interface PlacementInput {
  device: DeviceCapabilities
  /** A local model for the stage is available (self-hosted or, if allowed, from the hub). */
  localModel: boolean
  /** The relay offers the stage (from /api/config). */
  relay: boolean
  choice: PlacementChoice
}

export type Resolved = { placement: Placement; reason: string } | { placement: null; reason: string }

/**
 * Picks where speech recognition runs, and says why. Pure. The user's choice wins; "on device"
 * never falls back to sending audio to the relay — it fails with a reason instead.
 */
export function resolveAsrPlacement({ device, localModel, relay, choice }: PlacementInput): Resolved {
  const local: Resolved = localModel
    ? device.webgpu
      ? { placement: 'local-webgpu', reason: 'on device · WebGPU' }
      : { placement: 'local-wasm', reason: 'on device · WASM (no WebGPU)' }
    : { placement: null, reason: 'no local speech model is available' }
  const viaRelay: Resolved = relay ? { placement: 'relay', reason: 'relay' } : { placement: null, reason: 'the relay has no speech recognition configured' }

  if (choice === 'on-device') return local.placement ? { ...local, reason: `${local.reason} · your choice` } : local
  if (choice === 'relay') return viaRelay.placement ? { ...viaRelay, reason: 'relay · your choice' } : viaRelay
  if (local.placement) return local
  if (viaRelay.placement) return { placement: 'relay', reason: 'relay · no local model' }
  return { placement: null, reason: 'no speech recognition: no local model and none on the relay' }
}
