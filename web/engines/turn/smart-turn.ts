/**
 * Smart Turn v3 (pipecat-ai/smart-turn, BSD-2): is the user done speaking? Audio in, the
 * probability that the turn is complete out. Its inputs follow the repository's own inference.py
 * (commit c05b0aa) exactly: the last 8 s of 16 kHz audio, zeros padded at the *start*, normalised
 * to zero mean and unit variance (`do_normalize=True`, over the whole padded 8 s), then Whisper's
 * log-mel features (`WhisperFeatureExtractor(chunk_length=8)`: 80 bins × 800 frames). The export
 * (train.py) names its input `input_features` and its output `logits`, which already holds the
 * sigmoid; above 0.5 is "complete".
 */
import { WhisperFeatureExtractor } from '@huggingface/transformers'
import { createWasmSession, type Ort, type OrtBuild, type OrtSession, type OrtTensor } from '../runtime/ort.ts'
import { configureTransformers } from '../runtime/transformers.ts'

// transformers.js (whose Whisper feature extractor makes the model's input) points ONNX Runtime at
// a CDN when it is imported: back to the runtime the app serves, one thread. Nothing comes from the hub.
configureTransformers(false)

const RATE = 16000
const SECONDS = 8
const SAMPLES = RATE * SECONDS
const MELS = 80
const FRAMES = 800

/** Whisper's log-mel front end at 8 s (transformers.js computes the same filters and spectrogram as the Python one). */
const extractor = new WhisperFeatureExtractor({
  feature_size: MELS,
  sampling_rate: RATE,
  hop_length: 160,
  n_fft: 400,
  chunk_length: SECONDS,
  n_samples: SAMPLES,
  nb_max_frames: FRAMES,
  padding_value: 0,
})

/** The last 8 s, zeros before a shorter turn, as inference.py's `truncate_audio_to_last_n_seconds`. */
export function lastEightSeconds(audio: Float32Array): Float32Array {
  if (audio.length >= SAMPLES) return audio.slice(audio.length - SAMPLES)
  const out = new Float32Array(SAMPLES)
  out.set(audio, SAMPLES - audio.length)
  return out
}

/** Zero mean, unit variance (transformers' `zero_mean_unit_var_norm`, 1e-7 under the root). */
export function normalise(audio: Float32Array): Float32Array {
  let mean = 0
  for (let i = 0; i < audio.length; i++) mean += audio[i]!
  mean /= audio.length
  let variance = 0
  for (let i = 0; i < audio.length; i++) variance += (audio[i]! - mean) ** 2
  variance /= audio.length
  const scale = 1 / Math.sqrt(variance + 1e-7)
  return audio.map((x) => (x - mean) * scale)
}

const HOP = 160
/** Half of Whisper's 400-sample window: a frame reaches this far either side of its centre. */
const HALF_WINDOW = 200
type Fbank = { _extract_fbank_features(waveform: Float32Array): Promise<{ data: Float32Array; dims: number[] }> }

/** The model's input for a turn's audio: [80 × 800] log-mel, mel-major (the whole 8 s through the extractor). */
export async function turnFeaturesReference(audio: Float32Array): Promise<Float32Array> {
  const { input_features } = await extractor(normalise(lastEightSeconds(audio)))
  return input_features.data as Float32Array
}

/**
 * The same numbers, without the spectrogram of the padding: a turn is mostly shorter than 8 s, and
 * after normalising, its zeros are one constant, so every frame wholly inside them is the same
 * frame. The extractor runs only from the last such frame on (that frame included, so its
 * 8-decade floor under the peak sees the same peak), and that first frame stands for all before.
 */
export async function turnFeatures(audio: Float32Array): Promise<Float32Array> {
  const x = normalise(lastEightSeconds(audio))
  const padding = SAMPLES - Math.min(audio.length, SAMPLES)
  // Frames 0…constant are all padding: frame k reaches HALF_WINDOW past its start k × HOP.
  const constant = Math.floor((padding - HALF_WINDOW) / HOP)
  if (constant < 1) return turnFeaturesReference(audio)
  const tail = await (extractor as unknown as Fbank)._extract_fbank_features(x.subarray(constant * HOP))
  const frames = FRAMES - constant
  if (tail.dims[0] !== MELS || tail.dims[1] !== frames) return turnFeaturesReference(audio)
  const out = new Float32Array(MELS * FRAMES)
  for (let m = 0; m < MELS; m++) {
    out.fill(tail.data[m * frames]!, m * FRAMES, m * FRAMES + constant)
    out.set(tail.data.subarray(m * frames, (m + 1) * frames), m * FRAMES + constant)
  }
  return out
}

/** Fetches and loads the model, warmed up; a missing or damaged one is said so, with its URL. */
export async function loadSmartTurn(url: string, build: OrtBuild = 'wasm'): Promise<SmartTurn> {
  const res = await fetch(url).catch(() => null)
  if (!res?.ok) throw Object.assign(new Error(`The turn model is not on this server (${url}: ${res ? `HTTP ${res.status}` : 'no answer'}).`), { code: 'model_missing' })
  let model: SmartTurn
  try {
    model = await SmartTurn.load(new Uint8Array(await res.arrayBuffer()), build)
  } catch (err) {
    throw Object.assign(new Error(`The turn model at ${url} could not be loaded: ${(err as Error).message}`), { code: 'model_damaged' })
  }
  // The first run compiles kernels: before any pause needs it.
  await model.completeProbability(new Float32Array(1600))
  return model
}

export class SmartTurn {
  private constructor(
    private readonly ort: Ort,
    private readonly session: OrtSession,
  ) {}

  static async load(model: Uint8Array, build: OrtBuild = 'wasm'): Promise<SmartTurn> {
    const { ort, session } = await createWasmSession(model, build)
    if (!session.inputNames.includes('input_features') || !session.outputNames.includes('logits')) {
      await session.release()
      throw new Error(`Not a Smart Turn v3 model: it needs an "input_features" input and a "logits" output (it has ${session.inputNames.join(', ')} → ${session.outputNames.join(', ')})`)
    }
    return new SmartTurn(ort, session)
  }

  /** P(the turn is complete) for the turn's audio so far (16 kHz mono). */
  async completeProbability(audio: Float32Array): Promise<number> {
    const features = new this.ort.Tensor('float32', await turnFeatures(audio), [1, MELS, FRAMES])
    const out = await this.session.run({ input_features: features })
    features.dispose()
    const logits = out.logits as OrtTensor
    const p = logits.data[0] as number
    logits.dispose()
    return p
  }

  release() {
    return this.session.release()
  }
}
