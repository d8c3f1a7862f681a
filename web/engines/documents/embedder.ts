import { AppError } from '../../lib/errors.ts'
import { relayFetch } from '../../lib/relay-client.ts'
import type { LoadProgress } from '../asr/protocol.ts'
import type { EmbedderSpec } from './protocol.ts'

/** Turns passages (and questions) into normalised vectors. */
export interface Embedder {
  /** Names the vectors' space: vectors of two embedders are never compared. */
  readonly id: string
  /** Whether a question can be embedded now, without first loading a model. */
  readonly ready: boolean
  /** Starts loading the model, if it has one, without waiting for it. */
  warm(): void
  embed(texts: string[]): Promise<{ vectors: Float32Array; dims: number }>
  dispose(): Promise<void>
}

export const embedderId = (spec: EmbedderSpec): string | null => (spec.kind === 'device' ? `device:${spec.modelId}` : spec.kind === 'relay' ? `relay:${spec.model}` : null)

export function createEmbedder(spec: EmbedderSpec, onProgress: (info: LoadProgress) => void): Embedder | null {
  if (spec.kind === 'none') return null
  return spec.kind === 'device' ? deviceEmbedder(spec, onProgress) : relayEmbedder(spec)
}

/**
 * A sentence-embedding model on this device: transformers.js's feature-extraction pipeline, mean
 * pooling and normalisation as sentence-transformers does, loaded on first use (with progress).
 */
function deviceEmbedder(spec: Extract<EmbedderSpec, { kind: 'device' }>, onProgress: (info: LoadProgress) => void): Embedder {
  type Extractor = (texts: string[], options: { pooling: 'mean'; normalize: boolean }) => Promise<{ data: Float32Array; dims: number[] }>
  let loading: Promise<{ run: Extractor; dispose(): Promise<void> }> | undefined
  let ready = false
  const load = () =>
    (loading ??= (async () => {
      const { pipeline } = await import('@huggingface/transformers')
      const { configureTransformers, modelLoadError, webgpuAdapter } = await import('../runtime/transformers.ts')
      configureTransformers(spec.allowRemote)
      let { device, dtype } = spec
      if (device === 'webgpu' && !(await webgpuAdapter())) [device, dtype] = ['wasm', 'q8']
      try {
        const extractor = await pipeline('feature-extraction', spec.modelId, { device, dtype: dtype as 'fp32', progress_callback: (info: unknown) => onProgress(info as LoadProgress) })
        ready = true
        return { run: extractor as unknown as Extractor, dispose: () => extractor.dispose() }
      } catch (err) {
        loading = undefined
        throw modelLoadError('embedding model', spec.modelId, err, spec.allowRemote)
      }
    })())
  return {
    id: `device:${spec.modelId}`,
    get ready() {
      return ready
    },
    warm: () => void load().catch(() => {}),
    async embed(texts) {
      const { run } = await load()
      const out = await run(texts, { pooling: 'mean', normalize: true })
      return { vectors: out.data, dims: out.dims.at(-1)! }
    },
    async dispose() {
      const loaded = await loading?.catch(() => undefined)
      await loaded?.dispose()
    },
  }
}

/** The relay's OpenAI-compatible embeddings route (the operator's provider sees the passages and the questions). */
function relayEmbedder(spec: Extract<EmbedderSpec, { kind: 'relay' }>): Embedder {
  return {
    id: `relay:${spec.model}`,
    ready: true,
    warm: () => {},
    async embed(texts) {
      const res = await relayFetch('/api/v1/embeddings', {
        method: 'POST',
        token: spec.token,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...(spec.model && { model: spec.model }), input: texts, encoding_format: 'float' }),
      })
      const body = (await res.json()) as { data?: { index?: number; embedding?: unknown }[] }
      const rows = Array.isArray(body.data) ? [...body.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0)) : []
      const dims = Array.isArray(rows[0]?.embedding) ? (rows[0].embedding as number[]).length : 0
      if (rows.length !== texts.length || !dims || rows.some((r) => !Array.isArray(r.embedding) || (r.embedding as number[]).length !== dims)) {
        throw new AppError('upstream_bad_response', 'The relay’s embeddings service sent vectors that do not match the passages.')
      }
      const vectors = new Float32Array(rows.length * dims)
      rows.forEach((r, i) => vectors.set(normalised(r.embedding as number[]), i * dims))
      return { vectors, dims }
    },
    dispose: async () => {},
  }
}

/** Providers differ on whether vectors come normalised: make sure, so a dot product is the cosine. */
function normalised(v: number[]): Float32Array {
  let sum = 0
  for (const x of v) sum += x * x
  const norm = Math.sqrt(sum) || 1
  return Float32Array.from(v, (x) => x / norm)
}
