import type { DeviceCapabilities } from './placement.ts'

let detection: Promise<DeviceCapabilities> | undefined

interface Adapter {
  features: ReadonlySet<string>
  limits?: { maxBufferSize?: number }
  /** Chromium 156 reports it on `info`; older builds on the adapter itself. */
  isFallbackAdapter?: boolean
  info?: { isFallbackAdapter?: boolean; vendor?: string; architecture?: string; description?: string }
}

/**
 * What this browser offers, detected once: a WebGPU adapter that actually comes up (the API can
 * exist with no adapter behind it), whether it is a software one (SwiftShader: correct, but
 * measured ~24 s for a first transcript against ~1 s on WASM), its shader-f16 feature, and the
 * device memory where told.
 */
export function detectDevice(): Promise<DeviceCapabilities> {
  detection ??= (async () => {
    const memoryGiB = (navigator as { deviceMemory?: number }).deviceMemory
    const gpu = (navigator as { gpu?: { requestAdapter(): Promise<Adapter | null> } }).gpu
    try {
      const adapter = await gpu?.requestAdapter()
      const software = Boolean(adapter && (adapter.info?.isFallbackAdapter || adapter.isFallbackAdapter || /swiftshader/i.test(`${adapter.info?.vendor} ${adapter.info?.architecture} ${adapter.info?.description}`)))
      const maxBuffer = adapter?.limits?.maxBufferSize
      return { webgpu: Boolean(adapter), softwareGpu: software, shaderF16: Boolean(adapter?.features.has('shader-f16')), memoryGiB, ...(maxBuffer && { maxBufferMiB: Math.floor(maxBuffer / 2 ** 20) }) }
    } catch {
      return { webgpu: false, shaderF16: false, memoryGiB }
    }
  })()
  return detection
}
