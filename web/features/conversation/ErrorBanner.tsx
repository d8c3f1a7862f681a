import { describeError } from '../../lib/errors.ts'

export function ErrorBanner({ error, onDismiss }: { error: unknown; onDismiss(): void }) {
  const { title, detail } = describeError(error)
  return (
    <div className="banner banner--error" role="alert" data-testid="error-banner">
      <svg className="banner__icon" viewBox="0 0 24 24" aria-hidden>
        <path d="M12 3l10 18H2L12 3zm0 6v5m0 3v.5" />
      </svg>
      <div className="banner__body">
        <strong>{title}</strong>
        <p>{detail}</p>
      </div>
      <button type="button" className="banner__close" onClick={onDismiss} aria-label="Dismiss">
        ×
      </button>
    </div>
  )
}
