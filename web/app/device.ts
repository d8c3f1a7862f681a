import type { DeviceCapabilities } from '../session/placement.ts'

let detected: DeviceCapabilities | undefined

/**
 * What this browser offers, checked synchronously once (an adapter request is async and is made
 * by the engine that needs it; here `navigator.gpu` existing is the first hint).
 */
export function detectDevice(): DeviceCapabilities {
  detected ??= {
    webgpu: typeof navigator !== 'undefined' && 'gpu' in navigator,
    shaderF16: false,
    memoryGiB: (navigator as { deviceMemory?: number }).deviceMemory,
  }
  return detected
}
