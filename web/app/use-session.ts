import { useEffect, useSyncExternalStore } from 'react'
import type { Settings } from '../session/settings.ts'
import type { SessionSnapshot, VoiceSession } from '../session/voice-session.ts'

/**
 * Feeds the user's settings to the voice session and reads its snapshot: React only renders what
 * the session says and sends it commands. (The session itself is made outside React, in main.tsx,
 * so it lives as long as the page — not as long as a component.)
 */
export function useSession(session: VoiceSession, settings: Settings, updateSettings: (patch: Partial<Settings>) => void): SessionSnapshot {
  useEffect(() => session.configure(settings), [session, settings])
  // The assistant's own changes (its voice, how fast it speaks) are the user's settings like any other.
  useEffect(() => {
    session.onSettingsRequest = updateSettings
    return () => void (session.onSettingsRequest = null)
  }, [session, updateSettings])
  return useSyncExternalStore(session.subscribe, session.getSnapshot)
}
