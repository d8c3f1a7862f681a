/**
 * Reciprocal-rank fusion (Cormack et al., 2009): each list adds 1 / (K + rank) for a passage it
 * ranks. Scores of BM25 and cosine are not comparable; ranks are, and K = 60 keeps one list's
 * first place from drowning the other's.
 */
export const RRF_K = 60

export interface Fused {
  id: string
  score: number
  /** The passage's rank (from 1) in each list, where it was in it. */
  ranks: (number | undefined)[]
}

export function fuseRanks(lists: readonly (readonly string[])[], k: number): Fused[] {
  const byId = new Map<string, Fused>()
  lists.forEach((list, which) =>
    list.forEach((id, i) => {
      const f = byId.get(id) ?? { id, score: 0, ranks: lists.map(() => undefined) }
      f.score += 1 / (RRF_K + i + 1)
      f.ranks[which] = i + 1
      byId.set(id, f)
    }),
  )
  return [...byId.values()].sort((a, b) => b.score - a.score).slice(0, k)
}
