import { useCallback, useEffect, useReducer, useRef, useState } from 'react'
import type { Agent } from '../../engines/agent/agent.ts'
import { isAbort } from '../../lib/errors.ts'
import { idbStore } from '../../lib/idb-store.ts'
import { conversationReducer, emptyConversation, historyOf, type Message } from './conversation-state.ts'

const STORAGE_KEY = 'conversation'

let counter = 0
const newId = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`

/** Follows each answer as it is written (to speak it, for instance). */
export interface ReplyObserver {
  start(id: string): void
  delta(id: string, text: string): void
  /** The text is complete, or stopped or failed (`ok` false). */
  end(id: string, ok: boolean): void
}

/** The conversation: the transcript plus send / stop / retry, driven by whichever agent is given. */
export function useConversation(agent: Agent, systemPrompt: string, observer?: ReplyObserver) {
  const observerRef = useRef(observer)
  observerRef.current = observer
  const [state, dispatch] = useReducer(conversationReducer, emptyConversation)
  const inFlight = useRef<AbortController | null>(null)
  const messages = useRef<Message[]>(state.messages)
  messages.current = state.messages

  const run = useCallback(
    async (userId: string, assistantId: string, history: Message[]) => {
      const abort = new AbortController()
      inFlight.current = abort
      observerRef.current?.start(assistantId)
      try {
        for await (const text of agent.reply({ history: historyOf(history), systemPrompt, signal: abort.signal })) {
          dispatch({ type: 'delta', id: assistantId, text })
          observerRef.current?.delta(assistantId, text)
        }
        dispatch({ type: 'finished', id: assistantId })
        observerRef.current?.end(assistantId, true)
      } catch (error) {
        if (abort.signal.aborted || isAbort(error)) dispatch({ type: 'stopped', id: assistantId })
        else dispatch({ type: 'failed', userId, assistantId, error })
        observerRef.current?.end(assistantId, false)
      } finally {
        if (inFlight.current === abort) inFlight.current = null
      }
    },
    [agent, systemPrompt],
  )

  const stop = useCallback(() => inFlight.current?.abort(), [])

  const send = useCallback(
    (text: string, spoken?: Message['spoken']): string | undefined => {
      const trimmed = text.trim()
      if (!trimmed) return undefined
      stop() // a new message interrupts an answer in flight; what was written of it stays in context
      const user: Message = { id: newId('u'), role: 'user', text: trimmed, status: 'done', ...(spoken && { spoken }) }
      const assistantId = newId('a')
      dispatch({ type: 'sent', user, assistantId })
      const before = messages.current.map((m) => (m.status === 'streaming' ? { ...m, status: 'stopped' as const } : m))
      void run(user.id, assistantId, [...before, user])
      return user.id
    },
    [run, stop],
  )

  const retry = useCallback(
    (userId: string) => {
      stop()
      const at = messages.current.findIndex((m) => m.id === userId)
      if (at < 0) return
      const assistantId = newId('a')
      const history = messages.current.slice(0, at + 1).map((m) => (m.id === userId ? { ...m, status: 'done' as const } : m))
      dispatch({ type: 'retry', userId, assistantId })
      void run(userId, assistantId, history)
    },
    [run, stop],
  )

  const clear = useCallback(() => {
    stop()
    dispatch({ type: 'cleared' })
    void idbStore.delete(STORAGE_KEY) // at once: a tab closed right after must not bring it back
  }, [stop])

  const dismissError = useCallback(() => dispatch({ type: 'dismissError' }), [])

  /** Barge-in: stop the answer and keep only what was heard of it. */
  const interrupt = useCallback(
    (heard: string) => {
      const id = messages.current.findLast((m) => m.role === 'assistant')?.id
      stop()
      if (!id) return
      dispatch({ type: 'interrupted', id, heard })
      // A message sent right after (the words that interrupted) must see the truncated answer
      // before React renders it.
      messages.current = messages.current.map((m) => (m.id === id ? { ...m, text: heard, status: 'stopped', interrupted: true } : m))
    },
    [stop],
  )

  useEffect(() => stop, [stop])

  // The conversation stays on this device across reloads, until the user starts a new one.
  // Nothing is saved before the saved copy was read: a quick first message must not erase it.
  const [restored, setRestored] = useState(false)
  useEffect(() => {
    void idbStore.get<Message[]>(STORAGE_KEY).then((saved) => {
      if (saved?.length) dispatch({ type: 'restored', messages: saved })
      setRestored(true)
    })
  }, [])
  const settled = !state.messages.some((m) => m.status === 'streaming')
  useEffect(() => {
    if (!settled || !restored) return
    const t = setTimeout(() => void (state.messages.length ? idbStore.set(STORAGE_KEY, state.messages) : idbStore.delete(STORAGE_KEY)), 250)
    return () => clearTimeout(t)
  }, [settled, restored, state.messages])

  return { ...state, send, stop, retry, clear, dismissError, interrupt }
}
