import { useEffect, useRef, useState } from 'react'
import { startAvatar, type AvatarClient, type AvatarStatus } from '../../engines/avatar/client.ts'
import type { Mood } from '../../engines/avatar/pose.ts'
import type { LevelSignal } from '../../lib/level-signal.ts'

export type StageMood = 'ready' | 'listening' | 'hearing' | 'thinking' | 'answering'

const CAPTION: Record<StageMood, string> = {
  ready: 'Ready',
  listening: 'Listening',
  hearing: 'Hearing you…',
  thinking: 'Thinking…',
  answering: 'Answering…',
}

/** How the face behaves in each state of the conversation. */
const FACE_MOOD: Record<StageMood, Mood> = { ready: 'idle', listening: 'listening', hearing: 'listening', thinking: 'thinking', answering: 'speaking' }

interface Props {
  name: string
  mood: StageMood
  placement: string
  voiceLevel?: LevelSignal
  /** The avatar bundle's folder, e.g. "/avatars/mira/". */
  avatarUrl: string
  /** The face's client while it is mounted (null after), for the voice to drive its mouth. */
  onClient?(client: AvatarClient | null): void
  /** A remote avatar model (frames through the relay), or null for the local face only. */
  remote?: { id: string; url: string; protocols: string[] } | null
  /** A reply's first remote frame was shown (performance time). */
  onFirstFrame?(at: number): void
}

/**
 * The stage: the avatar's face, drawn in a worker (WebGPU, or Canvas2D), large and central, with
 * a halo that swells with its voice. If the face cannot be drawn, a calm presence stands in and
 * the stage says why.
 */
export function AvatarStage({ name, mood, placement, voiceLevel, avatarUrl, onClient, remote, onFirstFrame }: Props) {
  const presence = useRef<HTMLDivElement>(null)
  const host = useRef<HTMLDivElement>(null)
  const client = useRef<AvatarClient | null>(null)
  const [face, setFace] = useState<{ status?: AvatarStatus; error?: string }>({})
  const [remoteState, setRemoteState] = useState<{ state: string; why?: string }>({ state: 'off' })
  const latest = useRef({ onClient, avatarUrl, mood, onFirstFrame })
  latest.current = { onClient, avatarUrl, mood, onFirstFrame }

  // The halo swells with the voice, drawn straight from the output level (no React render).
  useEffect(
    () =>
      voiceLevel?.subscribe((rms) => {
        presence.current?.style.setProperty('--voice', Math.min(1, rms * 4).toFixed(3))
      }),
    [voiceLevel],
  )

  // One face per mounted stage; its canvases belong to the worker from here on.
  useEffect(() => {
    if (!host.current) return
    const c = startAvatar(host.current, {
      avatarUrl: latest.current.avatarUrl,
      onFallback: (s) => setFace((f) => ({ status: { ...s, name: f.status?.name ?? '' } })),
      onCrash: (err) => setFace({ error: err.message }),
      onRemote: (state, why) => setRemoteState({ state, why }),
      onFirstFrame: (at) => latest.current.onFirstFrame?.(at - performance.timeOrigin),
    })
    client.current = c
    c.ready.then(
      (status) => {
        setFace({ status })
        c.setMood(FACE_MOOD[latest.current.mood])
      },
      (err: unknown) => setFace({ error: (err as Error).message }),
    )
    latest.current.onClient?.(c)
    return () => {
      latest.current.onClient?.(null)
      client.current = null
      c.dispose()
    }
  }, [])

  const loaded = useRef(avatarUrl)
  useEffect(() => {
    if (!client.current || loaded.current === avatarUrl) return
    loaded.current = avatarUrl
    client.current.setAvatar(avatarUrl).then(
      (status) => setFace({ status }),
      (err: unknown) => setFace({ error: (err as Error).message }),
    )
  }, [avatarUrl])

  useEffect(() => client.current?.setMood(FACE_MOOD[mood]), [mood])

  // Connect to the remote model once the face is up (its reference picture is the local face).
  const remoteUrl = remote?.url
  const protocols = remote?.protocols.join(',')
  const faceUp = face.status !== undefined
  useEffect(() => {
    const c = client.current
    if (!c || !faceUp) return
    void c.setRemote(remoteUrl ? { url: remoteUrl, protocols: protocols!.split(',') } : null).catch(() => {})
  }, [remoteUrl, protocols, faceUp])

  const local = face.error ? 'face: unavailable' : face.status ? `face: ${face.status.renderer === 'webgpu' ? 'WebGPU' : 'Canvas2D'}${face.status.why ? ` (${face.status.why})` : ''}` : 'face: loading…'
  const faceLabel = !remote
    ? local
    : remoteState.state === 'ready'
      ? `face: remote ${remote.id}, through the relay`
      : remoteState.state === 'failed'
        ? `${local} · remote ${remote.id} unavailable`
        : `${local} · connecting to ${remote.id}…`
  return (
    <section className={`stage stage--${mood}`} aria-label="Avatar stage" data-testid="stage" data-mood={mood}>
      <div className="stage__presence" aria-hidden ref={presence} data-testid="presence">
        <div className="presence__halo" />
        <div className="presence__ring presence__ring--1" />
        <div className="presence__ring presence__ring--2" />
        {face.error ? <div className="presence__core" /> : null}
        <div className={`stage__face${face.status ? ' stage__face--ready' : ''}`} ref={host} data-testid="face" hidden={Boolean(face.error)} />
      </div>
      <div className="stage__caption">
        <div className="stage__name">{face.status?.name || name}</div>
        <div className="stage__mood" aria-live="polite">
          {CAPTION[mood]}
        </div>
        {face.error ? (
          <div className="stage__problem" role="status" data-testid="face-error">
            {face.error}
          </div>
        ) : null}
        {remote && remoteState.state === 'failed' ? (
          <div className="stage__problem" role="status" data-testid="remote-error">
            The remote avatar “{remote.id}” is unavailable ({remoteState.why}); the local face takes over. Parley tries again with the next answer.
          </div>
        ) : null}
      </div>
      <div className="stage__placement" title="Where the answers come from, and how the face is drawn">
        {placement} · {faceLabel}
      </div>
    </section>
  )
}
