import { describeError } from '../lib/errors.ts'

interface Props {
  error: unknown
  onDismiss(): void
  /** An optional way out, e.g. "Retry". */
  action?: { label: string; run(): void }
}

export function ErrorBanner({ error, onDismiss, action }: Props) {
  const { title, detail } = describeError(error)
  return (
    <div className="banner banner--error" role="alert" data-testid="error-banner">
      <svg className="banner__icon" viewBox="0 0 24 24" aria-hidden>
        <path d="M12 3l10 18H2L12 3zm0 6v5m0 3v.5" />
      </svg>
      <div className="banner__body">
        <strong>{title}</strong>
        <p>{detail}</p>
        {action && (
          <button type="button" className="link-button" onClick={action.run}>
            {action.label}
          </button>
        )}
      </div>
      <button type="button" className="banner__close" onClick={onDismiss} aria-label="Dismiss">
        ×
      </button>
    </div>
  )
}
