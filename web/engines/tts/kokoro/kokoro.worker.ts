/// <reference lib="webworker" />
// The high-quality on-device voice: Kokoro-82M through transformers.js, on WebGPU or WASM.
// Text → IPA with eSpeak NG (as Kokoro was trained), IPA → tokens → the model, which returns the
// waveform and, in its timestamped export, each token's duration: the phoneme timings lip-sync
// follows. One model, loaded once; one sentence at a time.
import { AutoTokenizer, StyleTextToSpeech2Model, Tensor, type PreTrainedTokenizer } from '@huggingface/transformers'
import { serveRequests } from '../../../lib/worker-rpc.ts'
import { HUB, modelUrl } from '../../runtime/model-paths.ts'
import { configureTransformers, modelLoadError, webgpuAdapter } from '../../runtime/transformers.ts'
import { runEspeak } from '../espeak/program.ts'
import type { KokoroEvent, KokoroRequest } from './protocol.ts'
import { timingsFromDurations, withPunctuation } from '../phonemes.ts'

declare const self: DedicatedWorkerGlobalScope

const SAMPLE_RATE = 24000
const STYLE_DIM = 256
/** Style rows in a voice file: one per input length, up to the model's 510 tokens. */
const STYLE_ROWS = 510

interface Loaded {
  key: string
  modelId: string
  allowRemote: boolean
  model: StyleTextToSpeech2Model
  tokenizer: PreTrainedTokenizer
  voices: Map<string, Float32Array>
}
let loaded: Loaded | undefined

const emit = (e: KokoroEvent, transfer: Transferable[] = []) => self.postMessage(e, transfer)
const coded = (code: string, message: string) => Object.assign(new Error(message), { code })

/** A voice's style table, from this server's copy of the model or (if allowed) the hub. */
async function voiceStyles(l: Loaded, voice: string): Promise<Float32Array> {
  const cached = l.voices.get(voice)
  if (cached) return cached
  if (!/^[a-z]{2}_[a-z]+$/.test(voice)) throw coded('bad_voice', `"${voice}" is not a Kokoro voice name.`)
  const sources = [modelUrl(`${l.modelId}/voices/${voice}.bin`), ...(l.allowRemote ? [`${HUB}${l.modelId}/resolve/main/voices/${voice}.bin`] : [])]
  for (const url of sources) {
    const res = await fetch(url).catch(() => null)
    if (!res?.ok) continue
    const styles = new Float32Array(await res.arrayBuffer())
    if (styles.length !== STYLE_ROWS * STYLE_DIM) throw coded('model_corrupt', `The Kokoro voice "${voice}" looks damaged (${styles.length * 4} bytes, expected ${STYLE_ROWS * STYLE_DIM * 4}).`)
    l.voices.set(voice, styles)
    return styles
  }
  throw modelLoadError('voice model', l.modelId, new Error(`not found: voices/${voice}.bin`), l.allowRemote)
}

/** Text → IPA, the way Kokoro expects it (American or British English from the voice's first letter). */
async function phonemize(text: string, voice: string): Promise<string> {
  const { stdout } = await runEspeak(['-q', '--ipa', '-v', voice.startsWith('b') ? 'en-gb-x-rp' : 'en-us', '--', text])
  return withPunctuation(text, stdout)
}

async function synthesize(l: Loaded, text: string, voice: string, speed: number) {
  const ipa = await phonemize(text, voice)
  const { input_ids } = l.tokenizer(ipa, { truncation: true }) as { input_ids: Tensor }
  const count = input_ids.dims.at(-1)!
  // The style row is picked by the number of phonemes (without the two boundary tokens).
  const row = Math.min(Math.max(count - 2, 0), STYLE_ROWS - 1)
  const styles = await voiceStyles(l, voice)
  const out = (await l.model({
    input_ids,
    style: new Tensor('float32', styles.slice(row * STYLE_DIM, (row + 1) * STYLE_DIM), [1, STYLE_DIM]),
    speed: new Tensor('float32', [speed], [1]),
  })) as { waveform: Tensor; durations?: Tensor }
  const samples = out.waveform.data as Float32Array
  const tokens = Array.from(input_ids.data as BigInt64Array, (id) => l.tokenizer.decode([Number(id)]))
  const phonemes = out.durations ? timingsFromDurations(tokens, out.durations.data as Float32Array, samples.length, SAMPLE_RATE, tokens[0]) : []
  return { samples, phonemes, ipa }
}

serveRequests<KokoroRequest>(self, async (req) => {
  if (req.type === 'load') {
    const started = performance.now()
    let device = req.device
    if (device === 'webgpu' && !(await webgpuAdapter())) device = 'wasm'
    // What Kokoro's authors recommend: fp32 on WebGPU, 8-bit on WASM.
    const dtype = device === 'webgpu' ? 'fp32' : 'q8'
    const key = `${req.modelId}|${device}|${req.allowRemote}`
    if (loaded?.key !== key) {
      configureTransformers(req.allowRemote)
      await loaded?.model.dispose()
      loaded = undefined
      const progress_callback = (info: unknown) => emit({ type: 'progress', id: req.id, info: info as never })
      try {
        const [model, tokenizer] = await Promise.all([
          StyleTextToSpeech2Model.from_pretrained(req.modelId, { device, dtype, progress_callback }),
          AutoTokenizer.from_pretrained(req.modelId, { progress_callback }),
        ])
        loaded = { key, modelId: req.modelId, allowRemote: req.allowRemote, model: model as StyleTextToSpeech2Model, tokenizer, voices: new Map() }
        // Warm-up (compiles kernels and shaders), which also fetches the voice.
        await synthesize(loaded, 'Ready.', req.voice, 1)
      } catch (err) {
        loaded = undefined
        throw (err as { code?: string }).code ? err : modelLoadError('voice model', req.modelId, err, req.allowRemote)
      }
    }
    return emit({ type: 'ready', id: req.id, device, dtype, loadMs: performance.now() - started })
  }
  if (!loaded) throw coded('tts_not_loaded', 'The Kokoro voice is not loaded yet.')
  const started = performance.now()
  const { samples, phonemes, ipa } = await synthesize(loaded, req.text, req.voice, req.speed)
  if (!samples.length) throw coded('tts_failed', 'The Kokoro voice produced no audio for this text.')
  emit({ type: 'result', id: req.id, samples, sampleRate: SAMPLE_RATE, phonemes, ipa, ms: performance.now() - started }, [samples.buffer])
})
