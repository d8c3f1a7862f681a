import { useCallback, useEffect, useState } from 'react'
import { deleteStored, listStored, persistStorage, storageState, type StorageState, type StoredItem } from '../../lib/stored-models.ts'
import { deleteRecording, listRecordings, recordingFile, type KeptRecording } from '../../lib/stored-recordings.ts'
import { archiveUsage, deleteAnswers } from '../../session/voice-archive.ts'

const size = (n: number) => (n >= 1_073_741_824 ? `${(n / 1_073_741_824).toFixed(1)} GB` : n >= 1_048_576 ? `${(n / 1_048_576).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`)

/** Saves a kept recording: its file read from the private file system, handed to the browser's download. */
async function download(r: KeptRecording) {
  const file = await recordingFile(r)
  if (!file) return
  const url = URL.createObjectURL(file)
  const a = Object.assign(document.createElement('a'), { href: url, download: r.name })
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/**
 * What this browser stores for Parley, by model, with sizes and Delete; the recordings; the quota;
 * and a request that the browser keep it under storage pressure (navigator.storage.persist).
 */
export function StoredData({ visible }: { visible: boolean }) {
  const [items, setItems] = useState<StoredItem[] | null>(null)
  const [recordings, setRecordings] = useState<KeptRecording[]>([])
  const [voices, setVoices] = useState<{ answers: number; bytes: number }>({ answers: 0, bytes: 0 })
  const [state, setState] = useState<StorageState>({ persisted: false })
  const [asked, setAsked] = useState<boolean | null>(null)
  const refresh = useCallback(() => {
    void listStored().then(setItems)
    void listRecordings().then(setRecordings, () => setRecordings([]))
    void archiveUsage().then(setVoices)
    void storageState().then(setState)
  }, [])
  useEffect(() => {
    if (visible) refresh()
  }, [visible, refresh])
  const models = items?.filter((i) => i.id !== 'app') ?? []
  const app = items?.find((i) => i.id === 'app')
  return (
    <div className="stored" data-testid="stored-data">
      <span className="field__label">Stored in this browser</span>
      {items === null ? (
        <p className="field__help">Looking…</p>
      ) : (
        <ul className="stored__list">
          {models.map((m) => (
            <li key={m.id} data-testid="stored-model" data-model={m.id}>
              <span className="stored__name">{m.id}</span>
              <span className="stored__size">{size(m.bytes)}</span>
              <button type="button" className="ghost-button" aria-label={`Delete ${m.id}`} onClick={() => void deleteStored(m.id).then(refresh)}>
                Delete
              </button>
            </li>
          ))}
          {!models.length && <li className="field__help">No models yet: they are stored the first time they load.</li>}
          {recordings.map((r) => (
            <li key={r.id} data-testid="stored-recording" data-recording={r.id}>
              <span className="stored__name">
                {r.name}
                {r.interrupted ? ' (cut off: recover it on the stage)' : r.status === 'recording' ? ' (being recorded)' : ''}
              </span>
              <span className="stored__size">{size(r.bytes)}</span>
              {r.status === 'done' && (
                <button type="button" className="ghost-button" aria-label={`Download ${r.name}`} onClick={() => void download(r)}>
                  Download
                </button>
              )}
              {(r.status === 'done' || r.interrupted) && (
                <button type="button" className="ghost-button" aria-label={`Delete ${r.name}`} onClick={() => void deleteRecording(r).then(refresh)}>
                  Delete
                </button>
              )}
            </li>
          ))}
          {voices.answers > 0 && (
            <li data-testid="stored-voices">
              <span className="stored__name">The voice of {voices.answers} past {voices.answers === 1 ? 'answer' : 'answers'} (to make videos of them later)</span>
              <span className="stored__size">{size(voices.bytes)}</span>
              <button type="button" className="ghost-button" aria-label="Delete the voice of past answers" onClick={() => void deleteAnswers().then(refresh)}>
                Delete
              </button>
            </li>
          )}
          {app && (
            <li data-testid="stored-app">
              <span className="stored__name">The app itself (for offline use)</span>
              <span className="stored__size">{size(app.bytes)}</span>
            </li>
          )}
        </ul>
      )}
      <p className="field__help" data-testid="storage-quota">
        {state.usage !== undefined && state.quota ? `${size(state.usage)} used of the ${size(state.quota)} this browser allows this site. ` : ''}
        {state.persisted ? 'The browser keeps it even when space runs short.' : 'The browser may clear it when space runs short.'}
      </p>
      {!state.persisted && (
        <button type="button" className="ghost-button" data-testid="persist-storage" onClick={() => void persistStorage().then((ok) => (setAsked(ok), refresh()))}>
          Keep it stored
        </button>
      )}
      {asked === false && <p className="field__help">The browser declined for now (it decides from how much the site is used, or asks you).</p>}
    </div>
  )
}
