import type { Settings } from './settings.ts'

/**
 * A private session is a page opened at `/?private`: the service worker serves it under a
 * Content-Security-Policy that lets it connect to nothing but its own files (sw.ts), and the
 * session runs every stage here. It lasts as long as the page: leaving it is loading `/` again.
 */
export function isPrivatePage(location: Pick<Location, 'search'> = window.location): boolean {
  return new URLSearchParams(location.search).has('private')
}

/** The address of the same app in, or out of, a private session. */
export function privateUrl(on: boolean, location: Pick<Location, 'pathname' | 'search' | 'hash'> = window.location): string {
  // The query's other parts are kept as they were written (`?debug`, not `?debug=`).
  const parts = location.search.replace(/^\?/, '').split('&').filter((p) => p && p.split('=')[0] !== 'private')
  if (on) parts.push('private')
  const query = parts.join('&')
  return `${location.pathname}${query ? `?${query}` : ''}${location.hash}`
}

/**
 * The user's settings as a private session applies them: the answer, speech and voice on this
 * device; no relay voice, no remote face, no relay embeddings, no downloads. The user's own
 * settings are left as they are, for when the session ends.
 */
export function privateSettings(s: Settings): Settings {
  return {
    ...s,
    brain: 'device',
    asrPlacement: 'on-device',
    voiceEngine: s.voiceEngine === 'kokoro' ? 'kokoro' : 'espeak',
    ttsVoice: null,
    remoteAvatar: null,
    documentSearch: s.documentSearch === 'keywords' ? 'keywords' : 'on-device',
    allowRemoteModels: false,
  }
}
