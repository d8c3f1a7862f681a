// The documents worker under the bench: indexing throughput with an embedding model, and search
// latency over many passages — measured inside the worker and as the main thread sees it.
import { createDocumentsEngine } from '../engines/documents/client.ts'
import type { Chunk, EmbedderSpec } from '../engines/documents/protocol.ts'

const device = (modelId: string): EmbedderSpec => ({ kind: 'device', modelId, device: 'wasm', dtype: 'q8', allowRemote: false })

/** A file read, cut and embedded a batch at a time (as the app does), then stored: each step's time. */
export async function documentsIndex(modelId: string, text: string, batch = 16) {
  const engine = createDocumentsEngine({ embedder: device(modelId) })
  await engine.open()
  // The model's load is not indexing: one passage first.
  const loadStart = performance.now()
  await engine.embed(['warm up'])
  const loadMs = performance.now() - loadStart
  const t0 = performance.now()
  const { chunks } = await engine.parse('bench', 'bench.md', 'markdown', new TextEncoder().encode(text).buffer as ArrayBuffer)
  const parseMs = performance.now() - t0
  const t1 = performance.now()
  const parts: Float32Array[] = []
  let dims = 0
  for (let i = 0; i < chunks.length; i += batch) {
    const out = await engine.embed(chunks.slice(i, i + batch).map((c) => c.text))
    parts.push(out.vectors)
    dims = out.dims
  }
  const embedMs = performance.now() - t1
  const vectors = new Float32Array(chunks.length * dims)
  parts.reduce((at, p) => (vectors.set(p, at), at + p.length), 0)
  const t2 = performance.now()
  await engine.store({ id: 'bench', name: 'bench.md', format: 'markdown', bytes: text.length, addedAt: Date.now(), chunks: chunks.length, embeddedWith: `device:${modelId}`, storedBytes: 0 }, chunks, vectors, dims)
  const storeMs = performance.now() - t2
  await engine.remove('bench')
  engine.dispose()
  return { chunks: chunks.length, loadMs, parseMs, embedMs, storeMs, chunksPerSecond: chunks.length / (embedMs / 1000) }
}

/**
 * `n` passages of made-up words with random unit vectors of `dims` numbers (what a 384-dim
 * sentence model gives), stored as one document; then `runs` searches by keywords and vector
 * (the question embedded by the model), and as many by keywords alone.
 */
export async function documentsSearch(modelId: string, n: number, dims: number, runs: number, queries: string[]) {
  const words = Array.from({ length: 5000 }, (_, i) => `w${(i * 7919).toString(36)}`).concat(queries.flatMap((q) => q.toLowerCase().split(/\W+/)).filter(Boolean))
  let seed = 1
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
  const chunks: Chunk[] = Array.from({ length: n }, (_, i) => ({ id: `big#${i}`, docId: 'big', n: i, text: Array.from({ length: 220 }, () => words[Math.floor(rand() * words.length)]).join(' ') }))
  const vectors = new Float32Array(n * dims)
  for (let i = 0; i < n; i++) {
    let norm = 0
    for (let d = 0; d < dims; d++) norm += (vectors[i * dims + d] = rand() - 0.5) ** 2
    norm = Math.sqrt(norm)
    for (let d = 0; d < dims; d++) vectors[i * dims + d]! /= norm
  }
  const engine = createDocumentsEngine({ embedder: device(modelId) })
  await engine.open()
  await engine.embed(['warm up'])
  await engine.store({ id: 'big', name: 'big.md', format: 'markdown', bytes: 0, addedAt: Date.now(), chunks: n, embeddedWith: `device:${modelId}`, storedBytes: 0 }, chunks, vectors, dims)
  const time = async () => {
    const out: { totalMs: number; workerMs: number; vector: boolean }[] = []
    for (let i = 0; i < runs; i++) {
      const t = performance.now()
      // Each question differs (its run's number): the worker's cache of recent questions would skip the embedding.
      const r = await engine.search(`${queries[i % queries.length]!} ${i}`, 4)
      out.push({ totalMs: performance.now() - t, workerMs: r.ms, vector: r.vector })
    }
    return out
  }
  const hybrid = await time()
  await engine.reconfigure({ kind: 'none', reason: 'bench' })
  const keywords = await time()
  await engine.remove('big')
  engine.dispose()
  return { hybrid, keywords }
}
