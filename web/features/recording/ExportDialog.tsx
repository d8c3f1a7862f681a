import type { ExportState } from '../../session/video-export.ts'
import { useModal } from '../../ui/use-modal.ts'
import { RecordingPreview } from './RecordingPreview.tsx'

interface Props {
  state: ExportState
  /** The finished file's preview was closed (it stays kept; Settings lists it). */
  open: boolean
  onCancel(): void
  onClose(): void
}

/** A video of past answers being made — progress and Cancel — then the finished file in the player. */
export function ExportDialog({ state, open, onCancel, onClose }: Props) {
  const exporting = state.status === 'exporting'
  const dialog = useModal(exporting || (open && state.status === 'idle' && Boolean(state.error)))
  const file = state.status === 'idle' ? state.file : undefined
  const percent = exporting && state.total ? Math.min(100, Math.round((state.done / state.total) * 100)) : 0
  return (
    <>
      <dialog ref={dialog} className="ledger" data-testid="export-dialog" aria-labelledby="export-title" data-made-ms={state.status === 'idle' ? state.stats?.ms.toFixed(0) : undefined} data-made-s={state.status === 'idle' ? state.stats?.seconds.toFixed(2) : undefined} 
        // Esc: Cancel while it runs, else close. (Not onClose: the dialog also closes when the export ends, and the player opens.)
        onCancel={(e) => {
          e.preventDefault()
          if (exporting) onCancel()
          else onClose()
        }}
      >
        <header className="ledger__header">
          <h2 id="export-title">{exporting ? `Making a video of ${state.what}` : 'Video'}</h2>
        </header>
        {exporting ? (
          <>
            <p className="ledger__about">Drawn and encoded on this device, faster than it was said; nothing leaves it.</p>
            <progress className="export__bar" max={100} value={percent} data-testid="export-progress" aria-label="Video made so far" />
            <p className="ledger__about" data-testid="export-status">
              {state.total ? `${state.done.toFixed(0)} of ${state.total.toFixed(0)} s` : 'Starting…'}
            </p>
            <div className="recording-preview__actions">
              <button type="button" className="ghost-button" onClick={onCancel} data-testid="export-cancel">
                Cancel
              </button>
            </div>
          </>
        ) : (
          <>
            <p className="ledger__about" role="alert" data-testid="export-error">
              {state.status === 'idle' ? state.error : ''}
            </p>
            <div className="recording-preview__actions">
              <button type="button" className="ghost-button" onClick={onClose}>
                Close
              </button>
            </div>
          </>
        )}
      </dialog>
      {file && <RecordingPreview file={file} open={open} onClose={onClose} title="Video" />}
    </>
  )
}
