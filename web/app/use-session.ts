import { useEffect, useSyncExternalStore } from 'react'
import type { Settings } from '../session/settings.ts'
import type { SessionSnapshot, VoiceSession } from '../session/voice-session.ts'

/**
 * Feeds the user's settings to the voice session and reads its snapshot: React only renders what
 * the session says and sends it commands. (The session itself is made outside React, in main.tsx,
 * so it lives as long as the page — not as long as a component.)
 */
export function useSession(session: VoiceSession, settings: Settings): SessionSnapshot {
  useEffect(() => session.configure(settings), [session, settings])
  return useSyncExternalStore(session.subscribe, session.getSnapshot)
}
