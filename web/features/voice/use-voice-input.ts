import { useCallback, useEffect, useRef, useState } from 'react'
import type { SpeechRecognizer } from '../../engines/asr/asr.ts'
import { listMicrophones, openMicrophone, type Microphone } from '../../engines/capture/microphone.ts'
import { startVad, type VadClient } from '../../engines/vad/client.ts'
import { AppError, isAbort } from '../../lib/errors.ts'
import { LevelSignal } from '../../lib/level-signal.ts'

export type VoiceStatus = 'off' | 'starting' | 'listening' | 'hearing' | 'transcribing'

export interface VoiceSettings {
  deviceId: string | null
  pushToTalk: boolean
  /** Silence after speech before the turn ends (the VAD's redemption). */
  endOfSpeechMs: number
}

export interface HeardSpeech {
  text: string
  /** Where the speech began and ended, in ms of captured audio since listening started. */
  startMs: number
  endMs: number
  /** performance.now() of the VAD's speech-end event, and of the final transcript. */
  speechEndAt: number
  transcribedAt: number
}

/** More VAD crashes than this within a minute: stop restarting and say so. */
const MAX_CRASHES_PER_MINUTE = 3

/**
 * The microphone → VAD worker → recognizer chain. The audio path never touches the main thread:
 * only speech events and level readings arrive here. Segments are transcribed one after another,
 * in the order spoken.
 */
/** What the user's voice is doing, for turn-taking: heard speech, a false start, no words. */
export type VoiceActivity = 'speech-start' | 'speech-end' | 'misfire' | 'no-words' | 'off'

export function useVoiceInput(
  recognizer: SpeechRecognizer | null,
  settings: VoiceSettings,
  onHeard: (speech: HeardSpeech) => void,
  onActivity: (activity: VoiceActivity) => void = () => {},
) {
  const [status, setStatus] = useState<VoiceStatus>('off')
  const [level] = useState(() => new LevelSignal())
  const [muted, setMutedState] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [partial, setPartial] = useState('')
  const [microphones, setMicrophones] = useState<{ deviceId: string; label: string }[]>([])

  const live = useRef<{ mic: Microphone; vad: VadClient } | null>(null)
  /** Bumped by every start and stop: an older start that finishes late undoes itself. */
  const generation = useRef(0)
  const latest = useRef({ recognizer, settings, onHeard, onActivity })
  latest.current = { recognizer, settings, onHeard, onActivity }
  const queue = useRef<Promise<void>>(Promise.resolve())
  const pending = useRef(0)
  /** Aborted when listening stops: queued transcriptions are dropped. */
  const session = useRef(new AbortController())
  const crashes = useRef<number[]>([])

  const stop = useCallback(async () => {
    generation.current++
    const current = live.current
    live.current = null
    session.current.abort()
    session.current = new AbortController()
    pending.current = 0
    setStatus('off')
    setPartial('')
    level.set(0)
    if (!current) return
    latest.current.onActivity('off')
    current.vad.stop()
    await current.mic.stop()
  }, [level])

  const transcribe = useCallback((audio: Float32Array, span: { startMs: number; endMs: number }, speechEndAt: number) => {
    const { signal } = session.current
    pending.current++
    setStatus('transcribing')
    queue.current = queue.current.then(async () => {
      const r = latest.current.recognizer
      try {
        if (signal.aborted || !r) return
        const { text } = await r.transcribe(audio, { signal, onPartial: (t) => !signal.aborted && setPartial(t) })
        if (signal.aborted) return
        if (text) latest.current.onHeard({ text, ...span, speechEndAt, transcribedAt: performance.now() })
        else latest.current.onActivity('no-words')
      } catch (err) {
        if (!isAbort(err) && !signal.aborted) {
          setError(err)
          latest.current.onActivity('no-words') // a paused answer must not wait for words that won't come
        }
      } finally {
        if (!signal.aborted) {
          setPartial('')
          if (--pending.current === 0 && live.current) setStatus((s) => (s === 'transcribing' ? 'listening' : s))
        }
      }
    })
  }, [])

  /** Starts a VAD worker with the current settings and wires its events. */
  const launchVad = useCallback(async (): Promise<VadClient> => {
    const { settings: s } = latest.current
    const vad = await startVad({ redemptionMs: s.endOfSpeechMs }, !s.pushToTalk)
    vad.on('speech-start', () => {
      setStatus('hearing')
      latest.current.onActivity('speech-start')
    })
    vad.on('misfire', () => {
      setStatus((st) => (st === 'hearing' ? (pending.current ? 'transcribing' : 'listening') : st))
      latest.current.onActivity('misfire')
    })
    vad.on('speech-end', (e) => {
      latest.current.onActivity('speech-end')
      transcribe(e.audio, { startMs: e.startMs, endMs: e.endMs }, performance.now())
    })
    vad.on('error', (e) => setError(new AppError(e.code, e.message)))
    vad.on('crash', (err) => void restartVad(vad, err))
    return vad
    // restartVad (below) is stable: its own dependencies are stable callbacks.
  }, [transcribe])

  /** A crashed VAD worker is replaced; the microphone and queued transcriptions carry on. */
  const restartVad = useCallback(
    async (crashed: VadClient, err: AppError) => {
      const current = live.current
      if (!current || current.vad !== crashed) return
      const now = Date.now()
      crashes.current = [...crashes.current.filter((t) => now - t < 60_000), now]
      if (crashes.current.length > MAX_CRASHES_PER_MINUTE) {
        await stop()
        setError(new AppError('worker_crashed', `${err.message} It keeps failing, so listening was turned off. Reload the page to try again.`))
        return
      }
      const gen = generation.current
      try {
        const vad = await launchVad()
        if (generation.current !== gen || live.current !== current) return vad.stop()
        await vad.attach(current.mic.framePort())
        current.vad = vad
        latest.current.onActivity('off') // a segment in progress died with the old worker
        setError(new AppError('worker_crashed', `${err.message} It was restarted and is listening again.`))
      } catch (restartError) {
        await stop()
        setError(restartError)
      }
    },
    [launchVad, stop],
  )

  const start = useCallback(async () => {
    if (live.current) return
    const gen = ++generation.current
    setError(null)
    setStatus('starting')
    // The speech model loads while the microphone starts; speech that comes first waits for it.
    ;(latest.current.recognizer as { load?(): Promise<void> } | null)?.load?.().catch((err: unknown) => generation.current === gen && setError(err))
    let vad: VadClient | undefined
    let mic: Microphone | undefined
    try {
      vad = await launchVad()
      if (generation.current !== gen) return vad.stop()
      mic = await openMicrophone({ deviceId: latest.current.settings.deviceId ?? undefined, onLevel: (l) => level.set(l.rms) })
      if (generation.current !== gen) {
        vad.stop()
        return void (await mic.stop())
      }
      await vad.attach(mic.framePort())
      live.current = { mic, vad }
      setMutedState(false)
      setStatus('listening')
    } catch (err) {
      vad?.stop()
      await mic?.stop().catch(() => {})
      if (generation.current === gen) {
        setStatus('off')
        setError(err)
      }
      return
    }
    listMicrophones().then(setMicrophones, () => {})
  }, [launchVad, level])

  const setMuted = useCallback((m: boolean) => {
    live.current?.mic.setMuted(m)
    if (m) {
      void live.current?.vad.reset()
      latest.current.onActivity('off')
    }
    setMutedState(m)
  }, [])

  // The end-of-speech delay and push-to-talk change in place, without restarting anything.
  const running = status !== 'off' && status !== 'starting'
  useEffect(() => {
    if (running) void live.current?.vad.configure({ redemptionMs: settings.endOfSpeechMs }, !settings.pushToTalk)
  }, [running, settings.endOfSpeechMs, settings.pushToTalk])

  // Another microphone: restart the chain with it.
  const lastDevice = useRef(settings.deviceId)
  useEffect(() => {
    if (lastDevice.current === settings.deviceId) return
    lastDevice.current = settings.deviceId
    if (live.current) void stop().then(start)
  }, [settings.deviceId, start, stop])

  // Push-to-talk: hold Space anywhere but in a text field; leaving the window releases it.
  useEffect(() => {
    if (!settings.pushToTalk || !running) return
    const typing = (e: KeyboardEvent) => e.target instanceof HTMLElement && e.target.closest('input, textarea, select, [contenteditable]')
    const press = (pressed: boolean) => live.current?.vad.pushToTalk(pressed)
    const down = (e: KeyboardEvent) => {
      if (e.code !== 'Space' || e.repeat || typing(e)) return
      e.preventDefault()
      press(true)
    }
    const up = (e: KeyboardEvent) => {
      if (e.code !== 'Space' || typing(e)) return
      e.preventDefault()
      press(false)
    }
    const release = () => press(false)
    window.addEventListener('keydown', down)
    window.addEventListener('keyup', up)
    window.addEventListener('blur', release)
    document.addEventListener('visibilitychange', release)
    return () => {
      window.removeEventListener('keydown', down)
      window.removeEventListener('keyup', up)
      window.removeEventListener('blur', release)
      document.removeEventListener('visibilitychange', release)
    }
  }, [settings.pushToTalk, running])

  useEffect(() => () => void stop(), [stop])

  return { status, level, muted, error, partial, microphones, start, stop, setMuted, dismissError: () => setError(null) }
}
