import { ledgerSummary, type LedgerEntry } from '../lib/network-ledger.ts'

/**
 * What this page and its workers asked of the network during the session, as the service worker
 * saw it (web/sw.ts), plus what the browser refused under a private session's policy (those never
 * reach the worker). The worker cannot see WebSockets, requests the browser makes for itself, or
 * anything made before it controlled the page: `watching` says whether it does now.
 */
export class NetworkLedger {
  private list: LedgerEntry[] = []
  readonly watching: boolean

  constructor(private readonly changed: () => void) {
    const sw = typeof navigator !== 'undefined' ? navigator.serviceWorker : undefined
    this.watching = Boolean(sw?.controller)
    // Listening now, while the page loads: the worker's report of the page's own load waits for it.
    sw?.addEventListener('message', (e: MessageEvent<{ type?: string; entry?: LedgerEntry }>) => {
      if (e.data?.type === 'parley-ledger' && e.data.entry) this.add(e.data.entry)
    })
    sw?.startMessages?.()
    if (typeof document !== 'undefined') {
      document.addEventListener('securitypolicyviolation', (e) => {
        if (e.effectiveDirective !== 'connect-src') return
        let url: URL | null = null
        try {
          url = new URL(e.blockedURI)
        } catch {
          // "inline" and the like: not a request
        }
        if (url) this.add({ at: Date.now(), method: 'GET', origin: url.origin, path: url.pathname, stage: 'page', status: 'blocked', httpStatus: 0, bytes: 0, private: true })
      })
    }
  }

  get entries(): readonly LedgerEntry[] {
    return this.list
  }

  get summary() {
    return ledgerSummary(this.list)
  }

  private add(entry: LedgerEntry) {
    this.list = [...this.list, entry]
    this.changed()
  }
}
