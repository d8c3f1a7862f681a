/** What an uploaded file's first bytes say it is. Content types can lie; magic numbers rarely do. */
export type AudioKind = 'wav' | 'ogg' | 'webm' | 'mp3' | 'flac' | 'mp4'

export function sniffAudio(head: Uint8Array): AudioKind | undefined {
  const ascii = (at: number, s: string) => [...s].every((ch, i) => head[at + i] === ch.charCodeAt(0))
  if (ascii(0, 'RIFF') && ascii(8, 'WAVE')) return 'wav'
  if (ascii(0, 'OggS')) return 'ogg'
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return 'webm'
  if (ascii(0, 'fLaC')) return 'flac'
  if (ascii(4, 'ftyp')) return 'mp4'
  if (ascii(0, 'ID3') || (head[0] === 0xff && ((head[1] ?? 0) & 0xe0) === 0xe0)) return 'mp3'
  return undefined
}

/**
 * Seconds of audio in a PCM WAV of `fileBytes` bytes, from its header (the first few KiB) and the
 * bytes actually present, using the format's sample rate and frame size (the header's byteRate
 * field is not trusted: decoders ignore it). Undefined when the header is not readable.
 */
export function wavSeconds(head: Uint8Array, fileBytes = head.length): number | undefined {
  const bytes = head
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let frameBytes = 0
  let rate = 0
  let at = 12
  while (at + 8 <= bytes.length) {
    const id = String.fromCharCode(...bytes.subarray(at, at + 4))
    const size = view.getUint32(at + 4, true)
    if (id === 'fmt ' && at + 24 <= bytes.length) {
      rate = view.getUint32(at + 12, true)
      frameBytes = view.getUint16(at + 20, true) // block align: bytes per sample frame
    }
    if (id === 'data') return rate && frameBytes ? Math.min(size, fileBytes - at - 8) / frameBytes / rate : undefined
    at += 8 + size + (size & 1)
  }
  return undefined
}
