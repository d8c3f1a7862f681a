/**
 * The power spectrum of a 512-sample window (Hann-weighted), as a real FFT done as a 256-point
 * complex one (even samples real, odd imaginary). No allocation per window: it runs for every
 * 10 ms hop of lip-sync and every microphone frame of the echo gate.
 */
export const WINDOW = 512
const HALF = WINDOW / 2

export class Spectrum {
  private readonly hann = Float32Array.from({ length: WINDOW }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (WINDOW - 1)))
  private readonly re = new Float32Array(HALF)
  private readonly im = new Float32Array(HALF)
  /** Power per bin, 0…255 (bin k is k·rate/512 Hz): overwritten by the next `of`. */
  readonly power = new Float32Array(HALF)
  private readonly rev = bitReverse(HALF)
  private readonly cos = Float32Array.from({ length: HALF }, (_, i) => Math.cos((-2 * Math.PI * i) / WINDOW))
  private readonly sin = Float32Array.from({ length: HALF }, (_, i) => Math.sin((-2 * Math.PI * i) / WINDOW))

  /** The window's power spectrum (`power`, reused). */
  of(window: Float32Array): Float32Array {
    const { re, im, hann } = this
    for (let n = 0; n < HALF; n++) {
      const j = this.rev[n]!
      re[j] = window[2 * n]! * hann[2 * n]!
      im[j] = window[2 * n + 1]! * hann[2 * n + 1]!
    }
    this.fft()
    this.unpack()
    return this.power
  }

  /** The real signal's spectrum from the packed complex FFT. */
  private unpack() {
    const { re, im, cos, sin, power } = this
    for (let k = 0; k < HALF; k++) {
      const m = (HALF - k) % HALF
      const ar = re[k]!
      const ai = im[k]!
      const br = re[m]!
      const bi = -im[m]!
      // Even part (ar+br, ai+bi)/2; odd part -i·(a−b)/2; X = even + W^k·odd.
      const er = (ar + br) / 2
      const ei = (ai + bi) / 2
      const or = (ai - bi) / 2
      const oi = -(ar - br) / 2
      const xr = er + cos[k]! * or - sin[k]! * oi
      const xi = ei + cos[k]! * oi + sin[k]! * or
      power[k] = xr * xr + xi * xi
    }
  }

  /** In-place radix-2 FFT of HALF points (input already in bit-reversed order). */
  private fft() {
    const { re, im, cos, sin } = this
    for (let size = 2; size <= HALF; size *= 2) {
      const half = size / 2
      // Twiddles of a HALF-point FFT are every other one of the WINDOW-point table.
      const step = (2 * HALF) / size
      for (let start = 0; start < HALF; start += size) {
        for (let k = 0; k < half; k++) {
          const c = cos[k * step]!
          const s = sin[k * step]!
          const a = start + k
          const b = a + half
          const tr = re[b]! * c - im[b]! * s
          const ti = re[b]! * s + im[b]! * c
          re[b] = re[a]! - tr
          im[b] = im[a]! - ti
          re[a] = re[a]! + tr
          im[a] = im[a]! + ti
        }
      }
    }
  }
}

function bitReverse(n: number): Uint16Array {
  const bits = Math.log2(n)
  return Uint16Array.from({ length: n }, (_, i) => {
    let r = 0
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b)
    return r
  })
}
