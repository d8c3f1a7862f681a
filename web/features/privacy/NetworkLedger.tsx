import { useModal } from '../../ui/use-modal.ts'
import type { LedgerEntry } from '../../lib/network-ledger.ts'

interface Props {
  open: boolean
  privateSession: boolean
  watching: boolean
  entries: readonly LedgerEntry[]
  left: number
  bytes: number
  stored: number
  blocked: number
  onClose(): void
}

const size = (n: number) => (n >= 1_048_576 ? `${(n / 1_048_576).toFixed(1)} MB` : n >= 1024 ? `${Math.round(n / 1024)} KB` : `${n} B`)

/**
 * Every request this page and its workers made this session, as the service worker saw it: where
 * it went (origin and path, never the query), which part of Parley made it, its size, and whether
 * it left the device or was answered from this browser's storage.
 */
export function NetworkLedger({ open, privateSession, watching, entries, left, bytes, stored, blocked, onClose }: Props) {
  const dialog = useModal(open)
  const shown = entries.filter((e) => e.status !== 'stored')
  return (
    <dialog ref={dialog} className="ledger" data-testid="network-ledger" aria-labelledby="ledger-title" onClose={onClose}>
      <header className="ledger__header">
        <h2 id="ledger-title">What left this device</h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close">
          ×
        </button>
      </header>
      {!watching ? (
        <p className="ledger__about">The service worker does not watch this page (the development server has none, or it was installed after the page loaded): reload to see requests.</p>
      ) : (
        <>
          <p className="ledger__total" data-testid="ledger-total">
            {left === 0 ? '0 requests left this device' : `${left} ${left === 1 ? 'request' : 'requests'} left this device (${size(bytes)})`}
            {stored ? ` · ${stored} answered from storage` : ''}
            {blocked ? ` · ${blocked} refused` : ''}
          </p>
          {shown.length > 0 && (
            <table className="ledger__list">
              <thead>
                <tr>
                  <th>Where</th>
                  <th>By</th>
                  <th>Size</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((e, i) => (
                  <tr key={i} data-testid="ledger-entry" data-status={e.status}>
                    <td>
                      <span className="ledger__origin">{e.origin}</span>
                      {e.path}
                      {e.status === 'blocked' ? ' — refused' : ''}
                    </td>
                    <td>{e.stage}</td>
                    <td>{e.bytes ? size(e.bytes) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      <p className="ledger__about">
        {privateSession
          ? 'In a private session the browser itself refuses requests to the relay and to other sites (its Content-Security-Policy names only this app’s files). '
          : ''}
        Seen by Parley’s service worker: requests of this page and its workers. It cannot see WebSockets (a private session allows none) or what the browser
        sends for itself (updates, safe browsing, sync): those are outside any page.
      </p>
    </dialog>
  )
}
