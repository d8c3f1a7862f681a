/**
 * A baseline JPEG of one grey level (every 8×8 block the same): what the fake OmniRT sends as
 * video frames. The level can carry a number (a frame's index) that a test reads back from the
 * decoded picture. Written by hand from the JPEG spec (ITU T.81): one component, a quantisation
 * table of ones, the standard DC Huffman table, an AC table holding only end-of-block.
 */
const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
const DC_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]

/** Huffman codes (value → [code, length]) from the counts per length (T.81 Annex C). */
function codes(bits: number[], values: number[]): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>()
  let code = 0
  let k = 0
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < bits[len - 1]!; i++) out.set(values[k++]!, [code++, len])
    code <<= 1
  }
  return out
}
const DC = codes(DC_BITS, DC_VALUES)

class Bits {
  bytes: number[] = []
  private acc = 0
  private n = 0
  put(value: number, length: number) {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1)
      if (++this.n === 8) this.flush()
    }
  }
  private flush() {
    this.bytes.push(this.acc)
    if (this.acc === 0xff) this.bytes.push(0) // byte stuffing
    this.acc = 0
    this.n = 0
  }
  end() {
    while (this.n) this.put(1, 1) // pad with ones
    return this.bytes
  }
}

const u16 = (v: number) => [(v >> 8) & 0xff, v & 0xff]
const segment = (marker: number, body: number[]) => [0xff, marker, ...u16(body.length + 2), ...body]

/** `dcQuant`: the DC quantiser (1 keeps the grey exact; real encoders use larger ones). */
export function solidJpeg(width: number, height: number, grey: number, dcQuant = 1): Uint8Array {
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8)
  // The DC coefficient of a flat block is 8 × (value − 128) (level shift, then the FDCT's scale).
  const dc = Math.round((8 * (Math.max(0, Math.min(255, grey)) - 128)) / dcQuant)
  const bits = new Bits()
  for (let b = 0; b < blocks; b++) {
    const diff = b === 0 ? dc : 0
    const size = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1
    const [code, length] = DC.get(size)!
    bits.put(code, length)
    if (size) bits.put(diff > 0 ? diff : diff + (1 << size) - 1, size)
    bits.put(0, 1) // end of block: the only AC code, "0"
  }
  return Uint8Array.from([
    0xff, 0xd8,
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    ...segment(0xdb, [0, dcQuant, ...new Array(63).fill(1)]),
    ...segment(0xc0, [8, ...u16(height), ...u16(width), 1, 1, 0x11, 0]),
    ...segment(0xc4, [0x00, ...DC_BITS, ...DC_VALUES, 0x10, 1, ...new Array(15).fill(0), 0x00]),
    ...segment(0xda, [1, 1, 0x00, 0, 63, 0]),
    ...bits.end(),
    0xff, 0xd9,
  ])
}
