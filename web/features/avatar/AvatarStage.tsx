import { useEffect, useRef, type ReactNode } from 'react'
import type { LevelSignal } from '../../lib/level-signal.ts'
import type { FaceState } from '../../session/face.ts'
import type { StageMood } from '../../session/voice-session.ts'

const CAPTION: Record<StageMood, string> = {
  ready: 'Ready',
  listening: 'Listening',
  hearing: 'Hearing you…',
  thinking: 'Thinking…',
  answering: 'Answering…',
}

interface Props {
  name: string
  mood: StageMood
  placement: string
  voiceLevel?: LevelSignal
  /** The face as the session's avatar stage reports it. */
  face: FaceState
  /** The remote avatar model chosen and up, if any. */
  remote: string | null
  /** Draws the face in the given element (the session's avatar stage); returns the unmount. */
  mount(container: HTMLElement): () => void
  /** Controls laid over the stage's corner (the recorder). */
  controls?: ReactNode
}

/**
 * The stage: the avatar's face, drawn in a worker (WebGPU, or Canvas2D), large and central, with
 * a halo that swells with its voice. If the face cannot be drawn, a calm presence stands in and
 * the stage says why.
 */
export function AvatarStage({ name, mood, placement, voiceLevel, face, remote, mount, controls }: Props) {
  const presence = useRef<HTMLDivElement>(null)
  const host = useRef<HTMLDivElement>(null)
  const remoteState = face.remote

  // The halo swells with the voice, drawn straight from the output level (no React render).
  useEffect(
    () =>
      voiceLevel?.subscribe((rms) => {
        presence.current?.style.setProperty('--voice', Math.min(1, rms * 4).toFixed(3))
      }),
    [voiceLevel],
  )

  // One face per mounted stage; its canvases belong to the worker from here on.
  const mountRef = useRef(mount)
  useEffect(() => (host.current ? mountRef.current(host.current) : undefined), [])

  const local = face.error ? 'face: unavailable' : face.status ? `face: ${face.status.renderer === 'webgpu' ? 'WebGPU' : 'Canvas2D'}${face.status.why ? ` (${face.status.why})` : ''}` : 'face: loading…'
  const faceLabel = !remote
    ? local
    : remoteState.state === 'ready'
      ? `face: remote ${remote}, through the relay`
      : remoteState.state === 'syncing'
        ? `face: remote ${remote}, syncing (its frames are late)`
      : remoteState.state === 'failed'
        ? `${local} · remote ${remote} unavailable`
        : `${local} · connecting to ${remote}…`
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
            The remote avatar “{remote}” is unavailable ({remoteState.why}); the local face takes over. Parley tries again with the next answer.
          </div>
        ) : null}
        {/* In the caption's flow beside a stacked face; over the stage's corner on a wide one (CSS). */}
        {controls ? <div className="stage__controls">{controls}</div> : null}
        <div className="stage__placement" title={`Where the answers come from, and how the face is drawn: ${placement} · ${faceLabel}`}>
          {placement} · {faceLabel}
        </div>
      </div>
    </section>
  )
}
