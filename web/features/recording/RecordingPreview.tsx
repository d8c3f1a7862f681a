import { useState } from 'react'
import { useModal } from '../../ui/use-modal.ts'
import type { RecordedFile } from '../../session/recorder.ts'
import { elapsedLabel, sizeLabel } from '../../session/recording-name.ts'

interface Props {
  file: RecordedFile
  open: boolean
  onClose(): void
  title?: string
}

/** The Web Share API takes files on phones (and some desktops): offered only where it says it can. */
function canShare(file: File): boolean {
  try {
    return typeof navigator.canShare === 'function' && navigator.canShare({ files: [file] })
  } catch {
    return false
  }
}

/**
 * A finished recording in a player, with its captions, and what to do with it: download the video
 * (and the captions beside it, for players that do not read the file's own track) or share it.
 */
export function RecordingPreview({ file, open, onClose, title = 'Recording' }: Props) {
  const dialog = useModal(open)
  const [shareError, setShareError] = useState<string | null>(null)
  const seconds = file.recording.seconds ?? file.summary?.videoSeconds
  const share = async () => {
    setShareError(null)
    try {
      await navigator.share({ files: [file.file], title: file.name })
    } catch (err) {
      // Closing the share sheet is no error.
      if (!(err instanceof DOMException && err.name === 'AbortError')) setShareError('This browser could not share the file: download it instead.')
    }
  }
  return (
    <dialog ref={dialog} className="ledger recording-preview" data-testid="recording-preview" aria-labelledby="preview-title" onClose={onClose}>
      <header className="ledger__header">
        <h2 id="preview-title">{title}</h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close">
          ×
        </button>
      </header>
      {open && (
        <video className="recording-preview__player" src={file.url} controls playsInline preload="metadata" data-testid="preview-player">
          {file.captionsUrl && <track kind="captions" src={file.captionsUrl} srcLang="und" label="Conversation" default />}
        </video>
      )}
      <p className="ledger__about">
        <span className="recording-preview__name">{file.name}</span> · {seconds !== undefined ? `${elapsedLabel(seconds * 1000)} · ` : ''}
        {sizeLabel(file.bytes)} · kept in this browser until you delete it (Settings → Privacy &amp; models).
      </p>
      <div className="recording-preview__actions">
        <a className="recorder__download" href={file.url} download={file.name} data-testid="preview-download">
          Download video
        </a>
        {file.captionsUrl && (
          <a className="ghost-button" href={file.captionsUrl} download={file.captionsName} data-testid="preview-captions">
            Captions (.vtt)
          </a>
        )}
        {canShare(file.file) && (
          <button type="button" className="ghost-button" onClick={() => void share()} data-testid="preview-share">
            Share…
          </button>
        )}
      </div>
      {shareError && <p className="ledger__about" role="status">{shareError}</p>}
    </dialog>
  )
}
