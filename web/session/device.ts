import type { DeviceCapabilities } from './placement.ts'

let detection: Promise<DeviceCapabilities> | undefined

/**
 * What this browser offers, detected once: a WebGPU adapter that actually comes up (the API can
 * exist with no adapter behind it), its shader-f16 feature, and the device memory where told.
 */
export function detectDevice(): Promise<DeviceCapabilities> {
  detection ??= (async () => {
    const memoryGiB = (navigator as { deviceMemory?: number }).deviceMemory
    const gpu = (navigator as { gpu?: { requestAdapter(): Promise<{ features: ReadonlySet<string> } | null> } }).gpu
    try {
      const adapter = await gpu?.requestAdapter()
      return { webgpu: Boolean(adapter), shaderF16: Boolean(adapter?.features.has('shader-f16')), memoryGiB }
    } catch {
      return { webgpu: false, shaderF16: false, memoryGiB }
    }
  })()
  return detection
}
