import type { Agent, AgentRequest } from './agent.ts'
import { guideAnswer } from './offline-guide.ts'

const abortError = () => new DOMException('The reply was stopped.', 'AbortError')

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError())
    const onAbort = () => (clearTimeout(t), reject(abortError()))
    const t = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * The built-in guide used when the relay has no LLM. Runs entirely in the page (nothing is
 * sent anywhere) and streams its answer word by word like a model would, at `wordMs` a word.
 */
export function createOfflineAgent(options: { wordMs?: number } = {}): Agent {
  const wordMs = options.wordMs ?? 28
  return {
    kind: 'offline',
    label: 'Offline guide',
    async *reply({ history, signal }: AgentRequest) {
      const question = [...history].reverse().find((t) => t.role === 'user')?.content ?? ''
      const words = guideAnswer(question).match(/\s*\S+/g) ?? []
      await pause(wordMs * 4, signal)
      for (const w of words) {
        await pause(wordMs, signal)
        yield w
      }
    },
  }
}
