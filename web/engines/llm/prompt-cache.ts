/**
 * How many tokens of a new prompt the cache of the last answer holds: their common prefix, less
 * one, since the model must be fed at least one token to give the next one's logits. An answer
 * that was cut off (barge-in) reads differently in the history than it was generated, so the
 * prompts part where the listener stopped hearing: the cache is kept up to there, and no further.
 */
export function reusablePrefix(cached: readonly number[], prompt: readonly number[]): number {
  const max = Math.min(cached.length, prompt.length - 1)
  let n = 0
  while (n < max && cached[n] === prompt[n]) n++
  return n
}

/**
 * The history that fits the context: the oldest messages after the system prompt go first, and a
 * window never starts with the assistant. `count` measures a candidate (tokens of the templated
 * prompt); the last user message always stays.
 */
export function fitToContext<M extends { role: string }>(messages: readonly M[], budget: number, count: (m: readonly M[]) => number): { messages: M[]; dropped: number } {
  const system = messages[0]?.role === 'system' ? [messages[0]] : []
  let rest = messages.slice(system.length)
  let dropped = 0
  while (rest.length > 1 && count([...system, ...rest]) > budget) {
    rest = rest.slice(1)
    dropped++
    while (rest.length > 1 && rest[0]!.role !== 'user') {
      rest = rest.slice(1)
      dropped++
    }
  }
  return { messages: [...system, ...rest], dropped }
}
