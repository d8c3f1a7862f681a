/**
 * The built-in mock backend: frames made from the reference image, pulsing with the voice — for
 * demos and tests without a GPU server. No image codec: it scales the JPEG's DC quantiser.
 */
import type { AvatarSessionInfo } from '../contract.ts'
import { ChunkMeter, newId, type Backend, type BackendOutput, type Create } from './backend.ts'
import { decodeBase64, imageType, serverMessage, videoMessage, WireError } from './wire.ts'

/** The mock's chunk: 160 ms of 16 kHz audio, four frames at 25 fps. */
const MOCK_CHUNK = 2560
const MOCK_FPS = 25

export class MockBackend implements Backend {
  private image: Uint8Array | undefined
  private tables: number[] = []
  private readonly meter = new ChunkMeter()
  private readonly id = newId()

  constructor(private readonly out: BackendOutput) {}

  async create(message: Create): Promise<AvatarSessionInfo> {
    const bytes = decodeBase64(message.inputs.image_b64)
    if (imageType(bytes) !== 'jpeg') throw new WireError('bad_image_type', 'The mock avatar needs a JPEG reference image.')
    const size = jpegSize(bytes)
    if (!size) throw new WireError('bad_image_type', 'The reference JPEG has no frame header.')
    this.image = bytes
    this.tables = dcQuantOffsets(bytes)
    return {
      session_id: this.id,
      audio: { format: 'pcm_s16le', sample_rate: 16000, channels: 1, chunk_samples: MOCK_CHUNK },
      video: { encoding: 'jpeg-seq', wire_magic: 'VIDX', fps: MOCK_FPS, width: size.width, height: size.height },
      lookahead_chunks: 0,
    }
  }

  audio(chunk: Uint8Array) {
    const pcm = new Int16Array(chunk.buffer.slice(chunk.byteOffset + 4, chunk.byteOffset + chunk.byteLength))
    let sum = 0
    for (const s of pcm) sum += s * s
    const level = Math.min(1, (Math.sqrt(sum / pcm.length) / 32768) * 6)
    const frames = Array.from({ length: (MOCK_CHUNK / 16000) * MOCK_FPS }, (_, i) => this.frame(1 + 0.35 * level * Math.sin((Math.PI * (i + 1)) / 5)))
    this.meter.sent()
    queueMicrotask(() => {
      this.out.text(serverMessage(this.meter.answered(frames.length, { infer_ms: 0 })))
      this.out.video(videoMessage(frames))
    })
  }

  /** The reference JPEG with its DC quantisation scaled: the whole picture pulses, no decoding needed. */
  private frame(scale: number): Uint8Array {
    const copy = this.image!.slice()
    for (const at of this.tables) copy[at] = Math.max(1, Math.min(255, Math.round(copy[at]! * scale)))
    return copy
  }

  async cancel() {
    this.meter.restart()
    this.out.text(serverMessage({ type: 'session.cancelled', session_id: this.id }))
  }

  close() {}
}

/** Width and height from a JPEG's start-of-frame marker. */
export function jpegSize(b: Uint8Array): { width: number; height: number } | null {
  let i = 2
  while (i + 9 < b.length && b[i] === 0xff) {
    const marker = b[i + 1]!
    const length = (b[i + 2]! << 8) | b[i + 3]!
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return { height: (b[i + 5]! << 8) | b[i + 6]!, width: (b[i + 7]! << 8) | b[i + 8]! }
    i += 2 + length
  }
  return null
}

/** Where each 8-bit quantisation table's DC entry is (the byte after its Pq/Tq byte). */
function dcQuantOffsets(b: Uint8Array): number[] {
  const out: number[] = []
  let i = 2
  while (i + 4 < b.length && b[i] === 0xff && b[i + 1] !== 0xda) {
    const length = (b[i + 2]! << 8) | b[i + 3]!
    if (b[i + 1] === 0xdb) {
      let at = i + 4
      while (at < i + 2 + length) {
        const precision = b[at]! >> 4
        if (precision === 0) out.push(at + 1)
        at += 1 + 64 * (precision ? 2 : 1)
      }
    }
    i += 2 + length
  }
  return out
}
