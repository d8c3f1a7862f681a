/**
 * Where the relay is. By default the page's own origin (the relay serves the app); a build for a
 * static host elsewhere names it: `VITE_PARLEY_RELAY_URL=https://relay.example.com npm run build`
 * (and the relay lists the static host in PARLEY_ALLOWED_ORIGINS).
 */
export function relayUrl(path: string, base: string | undefined = import.meta.env.VITE_PARLEY_RELAY_URL, origin = location.origin): string {
  return `${(base || origin).replace(/\/+$/, '')}${path}`
}

/** The same for a WebSocket (ws:// or wss://). */
export function relaySocketUrl(path: string, base?: string, origin?: string): string {
  return relayUrl(path, base ?? import.meta.env.VITE_PARLEY_RELAY_URL, origin ?? location.origin).replace(/^http/, 'ws')
}
