import { describe, expect, it } from 'vitest'
import { encodeWav } from '../../web/lib/audio/wav.ts'
import { sniffAudio, wavSeconds } from './audio-sniff.ts'

describe('audio sniffing', () => {
  it('knows audio by its first bytes, whatever the name says', () => {
    const wav = encodeWav({ sampleRate: 16000, samples: new Float32Array(160) })
    expect(sniffAudio(wav.subarray(0, 16))).toBe('wav')
    expect(sniffAudio(new TextEncoder().encode('OggS\0\0\0\0'))).toBe('ogg')
    expect(sniffAudio(Uint8Array.from([0x1a, 0x45, 0xdf, 0xa3]))).toBe('webm')
    expect(sniffAudio(new TextEncoder().encode('<html><body>'))).toBeUndefined()
  })

  it('measures a WAV from its frame size and the bytes present, not its byteRate field', () => {
    const wav = encodeWav({ sampleRate: 16000, samples: new Float32Array(16000 * 3) })
    expect(wavSeconds(wav.subarray(0, 4096), wav.length)).toBeCloseTo(3, 3)
    new DataView(wav.buffer).setUint32(28, 1, true) // a lying byteRate
    expect(wavSeconds(wav.subarray(0, 4096), wav.length)).toBeCloseTo(3, 3)
  })
})
