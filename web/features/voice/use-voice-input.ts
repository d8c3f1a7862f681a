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

/**
 * The microphone → VAD worker → recognizer chain. The audio path never touches the main thread:
 * only speech events and level readings arrive here.
 */
export function useVoiceInput(recognizer: SpeechRecognizer | null, settings: VoiceSettings, onHeard: (speech: HeardSpeech) => void) {
  const [status, setStatus] = useState<VoiceStatus>('off')
  const [level] = useState(() => new LevelSignal())
  const [muted, setMutedState] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [partial, setPartial] = useState('')
  const [microphones, setMicrophones] = useState<{ deviceId: string; label: string }[]>([])
  const live = useRef<{ mic: Microphone; vad: VadClient } | null>(null)
  const recognizerRef = useRef(recognizer)
  recognizerRef.current = recognizer
  const onHeardRef = useRef(onHeard)
  onHeardRef.current = onHeard
  /** Aborted when listening stops; segments are transcribed in order, none dropped. */
  const session = useRef(new AbortController())
  const pending = useRef(0)

  const stop = useCallback(async () => {
    const current = live.current
    live.current = null
    session.current.abort()
    session.current = new AbortController()
    pending.current = 0
    setStatus('off')
    level.set(0)
    if (!current) return
    current.vad.stop()
    await current.mic.stop()
  }, [level])

  const transcribe = useCallback(async (audio: Float32Array, span: { startMs: number; endMs: number }, speechEndAt: number) => {
    const r = recognizerRef.current
    if (!r) return
    const { signal } = session.current
    pending.current++
    setStatus('transcribing')
    try {
      const { text } = await r.transcribe(audio, { signal, onPartial: setPartial })
      if (text && !signal.aborted) onHeardRef.current({ text, ...span, speechEndAt, transcribedAt: performance.now() })
    } catch (err) {
      if (!isAbort(err) && !signal.aborted) setError(err)
    } finally {
      setPartial('')
      if (!signal.aborted && --pending.current === 0 && live.current) setStatus((s) => (s === 'transcribing' ? 'listening' : s))
    }
  }, [])

  const start = useCallback(async () => {
    if (live.current) return
    setError(null)
    setStatus('starting')
    let vad: VadClient | undefined
    // The speech model loads while the microphone starts; speech that comes first waits for it.
    const model = (recognizerRef.current as { load?(): Promise<void> } | null)?.load?.()
    model?.catch((err: unknown) => setError(err))
    try {
      vad = await startVad({ redemptionMs: settings.endOfSpeechMs })
      const mic = await openMicrophone({ deviceId: settings.deviceId ?? undefined, onLevel: (l) => level.set(l.rms) })
      await vad.attach(mic.framePort)
      await vad.configure({}, !settings.pushToTalk)
      vad.on('speech-start', () => setStatus('hearing'))
      vad.on('misfire', () => setStatus((s) => (s === 'hearing' ? (pending.current ? 'transcribing' : 'listening') : s)))
      vad.on('speech-end', (e) => void transcribe(e.audio, { startMs: e.startMs, endMs: e.endMs }, performance.now()))
      vad.on('error', (e) => setError(new AppError(e.code, e.message)))
      vad.on('crash', (err) => {
        // Restart the chain, then say what happened (start() clears old errors).
        void stop()
          .then(() => start())
          .then(() => setError(new AppError('worker_crashed', `${err.message} Listening was restarted.`)))
      })
      live.current = { mic, vad }
      setMutedState(false)
      setStatus('listening')
      setMicrophones(await listMicrophones())
    } catch (err) {
      vad?.stop()
      setStatus('off')
      setError(err)
    }
  }, [settings.deviceId, settings.endOfSpeechMs, settings.pushToTalk, transcribe, stop, level])

  const setMuted = useCallback((m: boolean) => {
    live.current?.mic.setMuted(m)
    if (m) void live.current?.vad.reset()
    setMutedState(m)
  }, [])

  // Push-to-talk: hold Space anywhere but in a text field.
  useEffect(() => {
    if (!settings.pushToTalk || status === 'off') return
    const typing = (e: KeyboardEvent) => e.target instanceof HTMLElement && e.target.closest('input, textarea, select, [contenteditable]')
    const down = (e: KeyboardEvent) => {
      if (e.code !== 'Space' || e.repeat || typing(e)) return
      e.preventDefault()
      live.current?.vad.pushToTalk(true)
    }
    const up = (e: KeyboardEvent) => {
      if (e.code !== 'Space' || typing(e)) return
      e.preventDefault()
      live.current?.vad.pushToTalk(false)
    }
    window.addEventListener('keydown', down)
    window.addEventListener('keyup', up)
    return () => {
      window.removeEventListener('keydown', down)
      window.removeEventListener('keyup', up)
    }
  }, [settings.pushToTalk, status])

  // A new device or mode while listening: restart with it.
  const running = status !== 'off' && status !== 'starting'
  const restartKey = `${settings.deviceId}|${settings.pushToTalk}|${settings.endOfSpeechMs}`
  const lastKey = useRef(restartKey)
  useEffect(() => {
    if (lastKey.current === restartKey) return
    lastKey.current = restartKey
    if (running) void stop().then(() => start())
  }, [restartKey, running, start, stop])

  useEffect(() => () => void stop(), [stop])

  return { status, level, muted, error, partial, microphones, start, stop, setMuted, dismissError: () => setError(null) }
}
