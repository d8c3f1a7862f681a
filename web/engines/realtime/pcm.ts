/**
 * The Realtime protocol's audio: base64 of 16-bit little-endian mono PCM at the session's rate
 * (24 kHz for OpenAI). Parley's microphone path gives 16 kHz floats, its playback takes floats.
 */

/** Linear resampling: enough for speech going to a model (it is not played back). */
export function resample(samples: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return samples
  const out = new Float32Array(Math.floor((samples.length * to) / from))
  const step = from / to
  for (let i = 0; i < out.length; i++) {
    const x = i * step
    const j = Math.floor(x)
    const a = samples[j] ?? 0
    const b = samples[j + 1] ?? a
    out[i] = a + (b - a) * (x - j)
  }
  return out
}

/** Floats (−1…1) → base64 PCM16 LE. */
export function toPcm16Base64(samples: Float32Array): string {
  const bytes = new Uint8Array(samples.length * 2)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]!))
    view.setInt16(i * 2, s < 0 ? s * 0x8000 : s * 0x7fff, true)
  }
  let binary = ''
  // In slices: String.fromCharCode takes its characters as arguments, and there is a limit to those.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

/** Base64 PCM16 LE → floats. */
export function fromPcm16Base64(data: string): Float32Array {
  const binary = atob(data)
  const out = new Float32Array(binary.length >> 1)
  for (let i = 0; i < out.length; i++) {
    const v = binary.charCodeAt(2 * i) | (binary.charCodeAt(2 * i + 1) << 8)
    out[i] = (v >= 0x8000 ? v - 0x10000 : v) / 0x8000
  }
  return out
}
