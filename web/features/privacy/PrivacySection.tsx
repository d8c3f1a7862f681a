export interface Readiness {
  stage: string
  ready: boolean
  reason: string
}

interface Props {
  privateSession: boolean
  /** Each stage as a private session would run it here, and whether it can. */
  readiness: readonly Readiness[]
  /** The address of the app in, and out of, a private session. */
  enterUrl: string
  leaveUrl: string
  /** Downloads the models a private session lacks (from the hub, now: never during one). */
  onDownload?(): void
  downloading: boolean
}

/** Settings → Private session: the switch, and what each stage would need for it on this device. */
export function PrivacySection({ privateSession, readiness, enterUrl, leaveUrl, onDownload, downloading }: Props) {
  const missing = readiness.filter((r) => !r.ready)
  return (
    <fieldset className="field field--group" data-testid="settings-private">
      <legend className="field__label">Private session</legend>
      {privateSession ? (
        <>
          <p className="field__help group__about">
            <strong>This is a private session.</strong> Speech detection, recognition, the answer, the voice and the face run in this browser. The browser itself
            refuses any request to the relay or to another site: the page runs under a Content-Security-Policy that names only this app’s own files.
            Nothing is downloaded while it lasts.
          </p>
          <a className="ghost-button privacy__switch" href={leaveUrl} data-testid="leave-private">
            Leave the private session
          </a>
        </>
      ) : (
        <>
          <p className="field__help group__about">
            A private session keeps everything on this device — your voice, your words, the answers — and the browser enforces it: the page may then connect
            only to its own files. It opens in this tab; bookmark <code>/?private</code> to come straight back.
          </p>
          <ul className="privacy__stages" data-testid="private-readiness">
            {readiness.map((r) => (
              <li key={r.stage} data-ready={r.ready}>
                <span className="privacy__mark" aria-hidden>
                  {r.ready ? '✓' : '✗'}
                </span>
                <strong>{r.stage}</strong> — {r.reason}
              </li>
            ))}
          </ul>
          {missing.length > 0 && onDownload && (
            <button type="button" className="ghost-button" data-testid="private-download" disabled={downloading} onClick={onDownload}>
              {downloading ? 'Downloading…' : `Download what is missing (${missing.map((m) => m.stage).join(', ')})`}
            </button>
          )}
          <a className={`primary-button privacy__switch${missing.length ? ' privacy__switch--blocked' : ''}`} href={enterUrl} data-testid="start-private" aria-disabled={missing.length > 0 || undefined} onClick={(e) => missing.length > 0 && e.preventDefault()}>
            Start a private session
          </a>
          {missing.length > 0 && <p className="field__help">It can start once every stage has what it needs on this device: it never falls back to the network.</p>}
        </>
      )}
    </fieldset>
  )
}
