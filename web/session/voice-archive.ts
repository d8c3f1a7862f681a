import type { PhonemeTiming } from '../engines/media.ts'
import type { Emitter } from '../lib/emitter.ts'
import { openDatabase } from '../lib/idb-store.ts'
import type { StreamMap } from './streams.ts'

/** One sentence of an answer's voice as it was scheduled: its text, where it starts in the answer, its sound and phonemes. */
export interface ArchivedSentence {
  text: string
  startMs: number
  sampleRate: number
  samples: Float32Array
  phonemes?: PhonemeTiming[]
}

/** What an answer's video is made from, later: the question, the voice sentence by sentence, where it was cut. */
export interface ArchivedAnswer {
  assistantId: string
  question: string
  /** Epoch ms when the question was asked (the order of a conversation). */
  at: number
  sentences: ArchivedSentence[]
  /** An interrupted answer was heard up to here (ms into its audio); null when it was said to its end. */
  heardMs: number | null
  /** The sound's size, also an index: Settings sums it without reading the sound. */
  bytes?: number
}

// By id; by when asked (the oldest are pruned) and by size (Settings sums it), both read without the sound.
const open = openDatabase('parley-voices', (db) => {
  const answers = db.createObjectStore('answers', { keyPath: 'assistantId' })
  answers.createIndex('at', 'at')
  answers.createIndex('bytes', 'bytes')
})

async function run<T>(mode: IDBTransactionMode, action: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const store = (await open()).transaction('answers', mode).objectStore('answers')
  return new Promise<T>((resolve, reject) => {
    const req = action(store)
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
}

export const answerBytes = (a: ArchivedAnswer) => a.sentences.reduce((n, s) => n + s.samples.byteLength, 0)

/**
 * The voice of each answer, kept in IndexedDB (`parley-voices`) so that a past answer — or the
 * whole conversation — can be made into a video later, without saying it again: the sentences'
 * PCM and phoneme timings as the voice made them, and where an interruption cut it. The voice is
 * the avatar's (synthesised), never the user's microphone. Cleared with the conversation, and
 * from Settings → Privacy & models; the newest MAX_KEPT_ANSWERS only.
 */
export class VoiceArchive {
  private readonly open = new Map<string, ArchivedAnswer>()
  private readonly off: (() => void)[]

  constructor(bus: Emitter<StreamMap>, private readonly onSaved: () => void = () => {}) {
    this.off = [
      bus.on('turn.started', (t) => {
        this.open.set(t.turnId, { assistantId: t.assistantId, question: t.text, at: performance.timeOrigin + t.at, sentences: [], heardMs: null })
      }),
      bus.on('avatar.audio', ({ turnId, chunk, startMs }) => {
        this.open.get(turnId)?.sentences.push({ text: chunk.text, startMs, sampleRate: chunk.sampleRate, samples: chunk.samples, ...(chunk.phonemes?.length && { phonemes: chunk.phonemes }) })
      }),
      bus.on('turn.interrupted', ({ turnId, heardMs }) => {
        const a = this.open.get(turnId)
        if (a) a.heardMs = heardMs ?? 0
      }),
      bus.on('turn.done', ({ turnId }) => {
        const a = this.open.get(turnId)
        this.open.delete(turnId)
        if (a?.sentences.length) void put({ ...a, bytes: answerBytes(a) }).then(this.onSaved, () => {})
      }),
    ]
  }

  dispose() {
    for (const off of this.off) off()
  }
}

/**
 * The answers kept at most: their voice is ~100 kB a second as it was made (float PCM), so a long
 * conversation would otherwise grow without end. The oldest go first.
 */
export const MAX_KEPT_ANSWERS = 60

async function put(a: ArchivedAnswer): Promise<void> {
  await run('readwrite', (s) => s.put(a))
  const extra = (await run('readonly', (s) => s.count())) - MAX_KEPT_ANSWERS
  if (extra <= 0) return
  let left = extra
  await walkIndex('at', 'readwrite', (c, store) => {
    if (left-- <= 0) return false
    store.delete(c.primaryKey)
    return true
  })
}

/** Walks an index's keys in order, no values read, while `visit` says go on. */
async function walkIndex(index: string, mode: IDBTransactionMode, visit: (c: IDBCursor, store: IDBObjectStore) => boolean): Promise<void> {
  const store = (await open()).transaction('answers', mode).objectStore('answers')
  await new Promise<void>((resolve, reject) => {
    const cursor = store.index(index).openKeyCursor()
    cursor.onsuccess = () => {
      const c = cursor.result
      if (!c || !visit(c, store)) return resolve()
      c.continue()
    }
    cursor.onerror = () => reject(cursor.error)
  })
}

/** One kept answer (null: none). */
export async function getAnswer(assistantId: string): Promise<ArchivedAnswer | null> {
  try {
    return ((await run('readonly', (s) => s.get(assistantId))) as ArchivedAnswer | undefined) ?? null
  } catch {
    return null
  }
}

/** The answers kept, in the order they were asked. */
export async function listAnswers(): Promise<ArchivedAnswer[]> {
  try {
    return ((await run('readonly', (s) => s.getAll())) as ArchivedAnswer[]).sort((a, b) => a.at - b.at)
  } catch {
    return []
  }
}

/** Which answers have their voice kept (their ids only: the sound stays on disk). */
export async function keptAnswerIds(): Promise<string[]> {
  try {
    return (await run('readonly', (s) => s.getAllKeys())) as string[]
  } catch {
    return []
  }
}

/** How much the kept voices take, and of how many answers. */
export async function archiveUsage(): Promise<{ answers: number; bytes: number }> {
  try {
    const answers = await run('readonly', (s) => s.count())
    // The size index's keys are the sizes: no sound is loaded.
    let bytes = 0
    await walkIndex('bytes', 'readonly', (c) => ((bytes += c.key as number), true))
    return { answers, bytes }
  } catch {
    return { answers: 0, bytes: 0 }
  }
}

/** Deletes the kept voice of some answers, or of all. */
export async function deleteAnswers(ids?: readonly string[]): Promise<void> {
  try {
    if (!ids) await run('readwrite', (s) => s.clear())
    else for (const id of ids) await run('readwrite', (s) => s.delete(id))
  } catch {
    // Storage denied: nothing was kept.
  }
}
