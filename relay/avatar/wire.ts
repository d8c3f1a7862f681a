/**
 * The avatar wire format (../shared/OMNIRT.md) and the checks on what a browser sends before any
 * of it reaches a backend: JSON messages by schema (unknown fields dropped, so a server-side path
 * such as `ref_frame_dir` never passes), audio chunks of exactly the session's size, reference
 * images of a bounded size and a real image type. The messages' types are the contract's.
 */
import type { AvatarClientMessage, AvatarServerMessage } from '../contract.ts'

export const AUDIO_MAGIC = 'AUDI'
export const VIDEO_MAGIC = 'VIDX'

export class WireError extends Error {
  constructor(readonly code: string, message: string) {
    super(message)
  }
}

export const MAX_IMAGE_BYTES = 4 * 1024 * 1024
const MAX_PROMPT = 1000

/** What kind of image the bytes are, from their magic number. */
export function imageType(bytes: Uint8Array): 'jpeg' | 'png' | null {
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg'
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png'
  return null
}

export function decodeBase64(b64: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 === 1) throw new WireError('bad_image_base64', 'inputs.image_b64 is not base64.')
  let bin: string
  try {
    bin = atob(b64)
  } catch {
    throw new WireError('bad_image_base64', 'inputs.image_b64 is not base64.')
  }
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

/** Parses and checks one text message from a browser; throws a WireError saying what is wrong. */
export function parseClientMessage(text: string): AvatarClientMessage {
  let m: unknown
  try {
    m = JSON.parse(text)
  } catch {
    throw new WireError('bad_json', 'Messages must be JSON objects.')
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new WireError('bad_json', 'Messages must be JSON objects.')
  const msg = m as Record<string, unknown>
  switch (msg.type) {
    case 'session.cancel':
    case 'session.close':
    case 'ping':
      return { type: msg.type }
    case 'session.create': {
      const inputs = msg.inputs as Record<string, unknown> | undefined
      if (typeof inputs !== 'object' || inputs === null) throw new WireError('missing_image', 'session.create needs inputs.image_b64, a JPEG or PNG in base64.')
      const b64 = inputs.image_b64
      if (typeof b64 !== 'string' || !b64) throw new WireError('missing_image', 'session.create needs inputs.image_b64, a JPEG or PNG in base64.')
      if ((b64.length * 3) / 4 > MAX_IMAGE_BYTES) throw new WireError('image_too_large', `The reference image is larger than ${MAX_IMAGE_BYTES / 1024 / 1024} MB.`)
      if (!imageType(decodeBase64(b64))) throw new WireError('bad_image_type', 'The reference image must be a JPEG or a PNG.')
      const prompt = inputs.prompt
      if (prompt !== undefined && (typeof prompt !== 'string' || prompt.length > MAX_PROMPT)) throw new WireError('bad_prompt', `inputs.prompt must be text of at most ${MAX_PROMPT} characters.`)
      const config = (msg.config ?? {}) as Record<string, unknown>
      const seed = config.seed
      if (seed !== undefined && (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 2 ** 31)) throw new WireError('bad_config', 'config.seed must be a whole number.')
      // Only these fields go on: nothing else a browser sends can reach a backend.
      return { type: 'session.create', inputs: { image_b64: b64, ...(prompt ? { prompt } : {}) }, config: seed === undefined ? {} : { seed } }
    }
    default:
      throw new WireError('unsupported_message', `Unknown message type ${JSON.stringify(msg.type ?? null).slice(0, 60)}.`)
  }
}

/** Checks an audio chunk: AUDI + exactly `chunkSamples` 16-bit samples. */
export function checkAudio(data: Uint8Array, chunkSamples: number) {
  if (data.length < 4 || String.fromCharCode(data[0]!, data[1]!, data[2]!, data[3]!) !== AUDIO_MAGIC) throw new WireError('unsupported_message', 'Binary messages must be audio: AUDI followed by 16-bit PCM.')
  if (data.length - 4 !== chunkSamples * 2) throw new WireError('bad_audio_chunk', `An audio chunk must be exactly ${chunkSamples} samples (${chunkSamples * 2} bytes of PCM); this one has ${data.length - 4} bytes.`)
}

/** The frames of a VIDX reply (for the mock and for tests). */
export function videoFrames(data: Uint8Array): Uint8Array[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const count = view.getUint32(4, true)
  const frames: Uint8Array[] = []
  let at = 8
  for (let i = 0; i < count; i++) {
    const len = view.getUint32(at, true)
    frames.push(data.subarray(at + 4, at + 4 + len))
    at += 4 + len
  }
  return frames
}

export function videoMessage(frames: Uint8Array[]): Uint8Array {
  const size = 8 + frames.reduce((n, f) => n + 4 + f.length, 0)
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  out.set([0x56, 0x49, 0x44, 0x58])
  view.setUint32(4, frames.length, true)
  let at = 8
  for (const f of frames) {
    view.setUint32(at, f.length, true)
    out.set(f, at + 4)
    at += 4 + f.length
  }
  return out
}

/** A message for the browser, as the contract has it. */
export const serverMessage = (m: AvatarServerMessage) => JSON.stringify(m)

export const errorMessage = (code: string, message: string) => serverMessage({ type: 'error', code, message })
