/**
 * Chunk vectors in one growing Float32Array (normalised, so a dot product is the cosine), searched
 * exhaustively: 10 000 chunks of 384 numbers is 3.8 M multiply–adds, a few milliseconds — no
 * approximate index needed at the sizes one browser holds.
 */
export class VectorIndex {
  private data = new Float32Array(0)
  private ids: string[] = []
  private dims = 0

  /** Which embedder made the vectors (a query must be embedded by the same one). */
  constructor(readonly embedder: string) {}

  add(ids: readonly string[], vectors: Float32Array, dims: number) {
    if (!ids.length) return
    if (this.dims && dims !== this.dims) throw new Error(`vectors of ${dims} numbers cannot join an index of ${this.dims}`)
    this.dims = dims
    const used = this.ids.length * dims
    if (used + vectors.length > this.data.length) {
      const grown = new Float32Array(Math.max(used + vectors.length, this.data.length * 2))
      grown.set(this.data.subarray(0, used))
      this.data = grown
    }
    this.data.set(vectors.subarray(0, ids.length * dims), used)
    this.ids.push(...ids)
  }

  remove(ids: readonly string[]) {
    const gone = new Set(ids)
    let to = 0
    for (let from = 0; from < this.ids.length; from++) {
      if (gone.has(this.ids[from]!)) continue
      if (to !== from) {
        this.data.copyWithin(to * this.dims, from * this.dims, (from + 1) * this.dims)
        this.ids[to] = this.ids[from]!
      }
      to++
    }
    this.ids.length = to
  }

  get size() {
    return this.ids.length
  }

  /** The `k` nearest chunk ids to a (normalised) query vector, best first; none less similar than `floor`. */
  query(vector: Float32Array, k: number, floor = -1): string[] {
    const { data, dims } = this
    const n = this.ids.length
    if (!n || vector.length !== dims) return []
    // The best k so far, kept sorted (k is small: an insertion beats a heap).
    const best: { i: number; s: number }[] = []
    for (let i = 0; i < n; i++) {
      let s = 0
      const o = i * dims
      for (let d = 0; d < dims; d++) s += data[o + d]! * vector[d]!
      if (s < floor || (best.length === k && s <= best[k - 1]!.s)) continue
      let at = best.length
      while (at > 0 && best[at - 1]!.s < s) at--
      best.splice(at, 0, { i, s })
      if (best.length > k) best.pop()
    }
    return best.map((b) => this.ids[b.i]!)
  }
}
