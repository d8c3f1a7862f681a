/** A decoded WAV file: mono samples in -1…1 (channels averaged). */
export interface PcmAudio {
  sampleRate: number
  samples: Float32Array
}

/** Parses a PCM WAV (8/16/24/32-bit integer or 32-bit float). Throws on anything else. */
export function decodeWav(data: ArrayBuffer | Uint8Array): PcmAudio {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4))
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('Not a WAV file (no RIFF/WAVE header)')
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined
  let at = 12
  while (at + 8 <= bytes.length) {
    const id = tag(at)
    const size = view.getUint32(at + 4, true)
    const body = at + 8
    if (id === 'fmt ') {
      fmt = { format: view.getUint16(body, true), channels: view.getUint16(body + 2, true), rate: view.getUint32(body + 4, true), bits: view.getUint16(body + 14, true) }
      if (fmt.format === 0xfffe) fmt.format = view.getUint16(body + 24, true) // WAVE_FORMAT_EXTENSIBLE
    } else if (id === 'data') {
      if (!fmt) throw new Error('WAV data chunk before its fmt chunk')
      const length = Math.min(size, bytes.length - body)
      return { sampleRate: fmt.rate, samples: toMono(view, body, length, fmt) }
    }
    at = body + size + (size & 1)
  }
  throw new Error('WAV file has no data chunk')
}

function toMono(view: DataView, start: number, length: number, f: { format: number; channels: number; bits: number }): Float32Array {
  const width = f.bits / 8
  const frames = Math.floor(length / (width * f.channels))
  const out = new Float32Array(frames)
  const read = sampleReader(view, f.format, f.bits)
  for (let i = 0; i < frames; i++) {
    let sum = 0
    for (let c = 0; c < f.channels; c++) sum += read(start + (i * f.channels + c) * width)
    out[i] = sum / f.channels
  }
  return out
}

function sampleReader(view: DataView, format: number, bits: number): (at: number) => number {
  if (format === 3 && bits === 32) return (at) => view.getFloat32(at, true)
  if (format !== 1) throw new Error(`Unsupported WAV encoding (format ${format}); use PCM or 32-bit float`)
  if (bits === 16) return (at) => view.getInt16(at, true) / 32768
  if (bits === 8) return (at) => (view.getUint8(at) - 128) / 128
  if (bits === 24) return (at) => ((view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16)) / 8388608)
  if (bits === 32) return (at) => view.getInt32(at, true) / 2147483648
  throw new Error(`Unsupported WAV sample size: ${bits} bits`)
}

/** Encodes mono samples as a 16-bit PCM WAV (for uploads to a transcription API). */
export function encodeWav({ sampleRate, samples }: PcmAudio): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(44 + samples.length * 2)
  const v = new DataView(out.buffer)
  const text = (at: number, s: string) => [...s].forEach((ch, i) => v.setUint8(at + i, ch.charCodeAt(0)))
  text(0, 'RIFF')
  v.setUint32(4, 36 + samples.length * 2, true)
  text(8, 'WAVE')
  text(12, 'fmt ')
  v.setUint32(16, 16, true)
  v.setUint16(20, 1, true)
  v.setUint16(22, 1, true)
  v.setUint32(24, sampleRate, true)
  v.setUint32(28, sampleRate * 2, true)
  v.setUint16(32, 2, true)
  v.setUint16(34, 16, true)
  text(36, 'data')
  v.setUint32(40, samples.length * 2, true)
  for (let i = 0; i < samples.length; i++) v.setInt16(44 + i * 2, Math.max(-1, Math.min(1, samples[i]!)) * 32767, true)
  return out
}
