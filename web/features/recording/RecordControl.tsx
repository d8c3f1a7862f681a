import { useCallback, useEffect, useRef, useState } from 'react'
import type { LevelSignal } from '../../lib/level-signal.ts'
import type { KeptRecording } from '../../lib/stored-recordings.ts'
import type { RecordingState } from '../../session/recorder.ts'
import { elapsedLabel, sizeLabel } from '../../session/recording-name.ts'
import { RecordingPreview } from './RecordingPreview.tsx'
import { RECORD_SHORTCUT, useRecordShortcut } from './use-record-shortcut.ts'

interface Props {
  recording: RecordingState
  /** Recordings a crash or a closed tab cut off. */
  interrupted: readonly KeptRecording[]
  /** The face is drawn (there is something to record). */
  canRecord: boolean
  /** Bytes written so far. */
  written: LevelSignal
  onToggle(): void
  onRecover(id: string): void
  onDiscard(id: string): void
}

/**
 * The elapsed time and size while a recording runs, written into the DOM once a second, and the
 * red dot's blink — not through React or a CSS animation: either would cost the main thread more
 * than the whole recording does.
 */
function Elapsed({ startedAt, written }: { startedAt: number; written: LevelSignal }) {
  const ref = useRef<HTMLSpanElement>(null)
  useEffect(() => {
    const recorder = ref.current?.closest('.recorder')
    const draw = () => {
      if (ref.current) ref.current.textContent = `${elapsedLabel(Date.now() - startedAt)} · ${sizeLabel(written.current)}`
      recorder?.toggleAttribute('data-blink')
    }
    draw()
    // Once a second: each write restyles and repaints the stage.
    const t = setInterval(draw, 1000)
    return () => {
      clearInterval(t)
      recorder?.removeAttribute('data-blink')
    }
  }, [startedAt, written])
  return <span ref={ref} className="recorder__elapsed" role="timer" aria-label="Recording time" data-testid="record-elapsed" />
}

/**
 * Record on the stage: a red dot, the elapsed time and the size while it runs; the file to
 * download or preview when it stops; a recording a crash cut off, to recover. The file is made on
 * this device and stays on it.
 */
export function RecordControl({ recording, interrupted, canRecord, written, onToggle, onRecover, onDiscard }: Props) {
  const [previewing, setPreviewing] = useState(false)
  // The shortcut obeys what the button does: nothing while the face is not drawn (stopping always works).
  const running = recording.status === 'recording'
  useRecordShortcut(useCallback(() => void ((canRecord || running) && onToggle()), [canRecord, running, onToggle]))
  const live = recording.status === 'recording' || recording.status === 'finishing'
  const file = recording.status === 'idle' ? recording.file : undefined
  const error = recording.status === 'idle' ? recording.error : undefined
  const name =
    recording.status === 'recording' ? 'Stop recording' : recording.status === 'finishing' ? 'Finishing…' : recording.status === 'starting' ? 'Starting…' : recording.status === 'recovering' ? 'Recovering…' : 'Record'
  const cutOff = recording.status === 'idle' ? interrupted[0] : undefined
  // A phone shows the short word (CSS hides `recorder__more`); aria-label keeps the whole name.
  const label = recording.status === 'recording' ? (<>Stop<span className="recorder__more"> recording</span></>) : name
  return (
    // data-started-at: when the file's time 0 is (epoch ms), for a test to compare the file with.
    <div className="recorder" data-testid="recorder" data-status={recording.status} data-started-at={live ? recording.startedAt : undefined}>
      <button
        type="button"
        className={`recorder__button${live ? ' recorder__button--live' : ''}`}
        onClick={onToggle}
        disabled={!canRecord || recording.status === 'starting' || recording.status === 'finishing' || recording.status === 'recovering'}
        aria-label={name}
        aria-keyshortcuts={RECORD_SHORTCUT}
        title={`${live ? 'Stop recording' : 'Record what you see and hear to a video file, made on this device'} (${RECORD_SHORTCUT})`}
        data-testid="record"
      >
        <span className="recorder__dot" aria-hidden />
        {label}
      </button>
      {live ? (
        <Elapsed startedAt={recording.startedAt} written={written} />
      ) : null}
      {file ? (
        // The data-* say what the worker measured (frames, dropped, encode ms per frame), for tests and the curious.
        <>
          <a className="recorder__download" href={file.url} download={file.name} data-testid="record-download" title={file.name} aria-label={`Download video (${sizeLabel(file.bytes)})`}
            data-frames={file.summary?.frames} data-dropped={file.summary?.dropped} data-encode-ms={file.summary?.encodeMsPerFrame.toFixed(2)} data-captions-url={file.captionsUrl ?? undefined}>
            Download<span className="recorder__more"> video ({sizeLabel(file.bytes)})</span>
          </a>
          <button type="button" className="recorder__button" onClick={() => setPreviewing(true)} data-testid="record-preview" aria-label="Preview the recording">
            Preview
          </button>
          <RecordingPreview file={file} open={previewing} onClose={() => setPreviewing(false)} />
        </>
      ) : null}
      {cutOff ? (
        <span className="recorder__error recorder__notice" role="status" data-testid="record-interrupted" data-recording={cutOff.id}>
          {/* A phone's narrow column has room for the short form only. */}
          <span className="recorder__more">A recording was cut off ({sizeLabel(cutOff.bytes)}, {new Date(cutOff.startedAt).toLocaleString()}).</span>
          <span className="recorder__less">Recording cut off:</span>{' '}
          <button type="button" className="link-button" onClick={() => onRecover(cutOff.id)} data-testid="record-recover">
            Recover it
          </button>{' '}
          ·{' '}
          <button type="button" className="link-button" onClick={() => onDiscard(cutOff.id)} data-testid="record-discard">
            Discard
          </button>
        </span>
      ) : null}
      {error ? (
        <span className="recorder__error" role="status" data-testid="record-error">
          {error}
        </span>
      ) : null}
    </div>
  )
}
