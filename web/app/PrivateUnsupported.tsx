import { privateUrl } from '../session/private-session.ts'

/** A private session asked for where the browser cannot enforce it: say so, and the ways out. */
export function PrivateUnsupported() {
  return (
    <main className="private-unsupported" data-testid="private-unsupported">
      <h1>A private session cannot start here</h1>
      <p>
        Parley keeps a private session on this device with a service worker, which makes the browser refuse every request
        to the relay or to other sites. This browser does not allow one at this address: service workers need https (or
        localhost), and some private windows turn them off.
      </p>
      <p>
        Open Parley over https, or in a normal window, and choose <strong>Private session</strong> again — or{' '}
        <a href={privateUrl(false)}>continue without it</a>.
      </p>
    </main>
  )
}
