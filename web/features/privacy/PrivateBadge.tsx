interface Props {
  /** Requests that left the device this session (the service worker's ledger). */
  left: number
  watching: boolean
  onOpen(): void
}

/** The header's sign of a private session: it is on, and how many requests left the device. */
export function PrivateBadge({ left, watching, onOpen }: Props) {
  const count = watching ? `${left} ${left === 1 ? 'request' : 'requests'} left this device` : 'not watched (development server)'
  return (
    <button type="button" className="badge badge--private" data-testid="private-badge" onClick={onOpen} title="A private session: everything runs on this device and the browser refuses any request to the relay or other sites. Open to see each request.">
      <svg className="badge__lock" viewBox="0 0 24 24" aria-hidden>
        <path d="M7 11V8a5 5 0 0 1 10 0v3M6 11h12v9H6z" />
      </svg>
      <span className="badge__text">
        Private · <span className="badge__long" data-testid="private-left">{count}</span>
        <span className="badge__short" aria-hidden>
          {watching ? `${left} sent` : 'not watched'}
        </span>
      </span>
    </button>
  )
}
