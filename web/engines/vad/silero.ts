import { createWasmSession, type Ort, type OrtBuild, type OrtSession, type OrtTensor } from '../runtime/ort.ts'

/** Silero VAD v5: 512 new samples a frame at 16 kHz, plus the previous frame's last 64 samples. */
export const SILERO_FRAME = 512
const CONTEXT = 64
const STATE_SIZE = 2 * 1 * 128

/**
 * Speech probability per frame. One input buffer and tensor are reused for every frame (ORT
 * copies inputs into its heap on each run), so a frame allocates nothing on this side.
 */
export class SileroVad {
  private readonly input = new Float32Array(CONTEXT + SILERO_FRAME)
  private readonly inputTensor: OrtTensor
  private readonly sr: OrtTensor
  private state: OrtTensor

  private constructor(
    private readonly ort: Ort,
    private readonly session: OrtSession,
  ) {
    this.inputTensor = new ort.Tensor('float32', this.input, [1, this.input.length])
    this.sr = new ort.Tensor('int64', BigInt64Array.from([16000n]), [])
    this.state = new ort.Tensor('float32', new Float32Array(STATE_SIZE), [2, 1, 128])
  }

  /** `build`: which build of ONNX Runtime to run on (runtime/ort.ts says why there are two). */
  static async load(model: Uint8Array, build: OrtBuild = 'wasm'): Promise<SileroVad> {
    const { ort, session } = await createWasmSession(model, build)
    for (const name of ['input', 'state', 'sr']) {
      if (!session.inputNames.includes(name)) throw new Error(`Not a Silero VAD v5 model: it has no "${name}" input (inputs: ${session.inputNames.join(', ')})`)
    }
    return new SileroVad(ort, session)
  }

  /** Probability (0…1) that the frame holds speech. Frames must be fed in order. */
  async process(frame: Float32Array): Promise<number> {
    if (frame.length !== SILERO_FRAME) throw new RangeError(`Silero expects ${SILERO_FRAME}-sample frames, got ${frame.length}`)
    this.input.set(frame, CONTEXT)
    const out = await this.session.run({ input: this.inputTensor, state: this.state, sr: this.sr })
    // Carry the end of this frame over as the next frame's context.
    this.input.copyWithin(0, SILERO_FRAME)
    this.state.dispose()
    this.state = out.stateN as OrtTensor
    return (out.output as OrtTensor).data[0] as number
  }

  reset() {
    this.input.fill(0)
    this.state.dispose()
    this.state = new this.ort.Tensor('float32', new Float32Array(STATE_SIZE), [2, 1, 128])
  }

  async release() {
    await this.session.release()
  }
}
