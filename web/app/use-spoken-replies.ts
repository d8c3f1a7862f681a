import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { Playback, type ReplyClock, type Spoken } from '../engines/playback/playback.ts'
import type { SpeechSynthesizer } from '../engines/tts/tts.ts'
import type { ReplyObserver } from '../features/conversation/use-conversation.ts'
import { LevelSignal } from '../lib/level-signal.ts'
import { SpokenReply } from '../session/spoken-reply.ts'

export interface SpokenRepliesEvents {
  /** The reply's first sample plays (`at`: when it reached the speakers, performance time). */
  audible(at: number): void
  /** The reply has been said (or could not be). */
  done(): void
  /** Latency marks along the way. */
  mark(stage: 'llmFirstToken' | 'firstSentence' | 'ttsFirstAudio' | 'playbackEnd', id: string): void
  /** For the face: each sentence as it is scheduled, and the reply's clock. */
  scheduled?(spoken: Spoken, startMs: number): void
  lastSentence?(): void
  clock?(clock: ReplyClock): void
}

/**
 * Speaks each answer as it is written, when a voice is available: the conversation's reply
 * observer feeds a SpokenReply; playback reports audible/done for turn-taking.
 */
export function useSpokenReplies(synth: SpeechSynthesizer | null, events: SpokenRepliesEvents, volume = 1) {
  const [error, setError] = useState<unknown>(null)
  const [outputLevel] = useState(() => new LevelSignal())
  const playback = useRef<Playback | null>(null)
  const reply = useRef<{ id: string; spoken: SpokenReply } | null>(null)
  /** The answer being written now: the end of an older, interrupted one must not end this turn. */
  const activeId = useRef<string | null>(null)
  const firstToken = useRef(false)
  const latest = useRef({ synth, events, volume })
  latest.current = { synth, events, volume }

  const player = useCallback(() => {
    if (!playback.current) {
      playback.current = new Playback({
        audible: (at) => latest.current.events.audible(at),
      ended: () => {
        if (activeId.current) latest.current.events.mark('playbackEnd', activeId.current)
        latest.current.events.done()
      },
        level: (l) => outputLevel.set(l),
        scheduled: (spoken, startMs) => latest.current.events.scheduled?.(spoken, startMs),
        clock: (clock) => latest.current.events.clock?.(clock),
        lastSentence: () => latest.current.events.lastSentence?.(),
      })
      playback.current.setVolume(latest.current.volume)
    }
    return playback.current
  }, [outputLevel])

  /**
   * Call from a user gesture (send, the mic button): browsers start audio only after one. An
   * on-device voice starts loading then too, so the first answer does not wait for it.
   */
  const unlock = useCallback(() => {
    const s = latest.current.synth as (SpeechSynthesizer & { load?(): Promise<void> }) | null
    if (!s) return
    void player().unlock()
    s.load?.().catch((err: unknown) => setError(err))
  }, [player])

  const observer = useMemo<ReplyObserver>(
    () => ({
      start(id) {
        activeId.current = id
        firstToken.current = true
        reply.current?.spoken.cancel()
        const s = latest.current.synth
        const onError = (err: unknown) => (setError(err), latest.current.events.done())
        reply.current = s ? { id, spoken: new SpokenReply(s, player(), onError, (stage) => latest.current.events.mark(stage, id)) } : null
      },
      delta(id, text) {
        if (firstToken.current && activeId.current === id) {
          firstToken.current = false
          latest.current.events.mark('llmFirstToken', id)
        }
        if (reply.current?.id === id) reply.current.spoken.push(text)
      },
      end(id, ok) {
        if (activeId.current !== id) return
        const current = reply.current
        // A model that failed mid-answer: what it wrote is still said (its audio may be queued);
        // playback reports the end. A stopped answer was cancelled by the turn machine already.
        if (current?.id === id && (ok || !current.spoken.cancelled)) current.spoken.end()
        else latest.current.events.done()
      },
    }),
    [player],
  )

  /** Barge-in and stop: silence now; `cancel` returns what the listener heard. */
  const pause = useCallback(() => void playback.current?.pause(), [])
  const resume = useCallback(() => void playback.current?.resume(), [])
  const cancel = useCallback((): string | null => {
    const current = reply.current
    reply.current = null
    activeId.current = null
    return current ? current.spoken.cancel() : null
  }, [])
  const duck = useCallback((on: boolean) => playback.current?.duck(on), [])

  useEffect(() => playback.current?.setVolume(volume), [volume])
  useEffect(() => () => void playback.current?.close(), [])

  return { observer, unlock, pause, resume, cancel, duck, outputLevel, error, dismissError: () => setError(null) }
}
