import { useCallback, useState } from 'react'
import { loadSettings, saveSettings, takeTokenFromUrl, type Settings } from '../../session/settings.ts'

export function useSettings() {
  const [settings, setSettings] = useState<Settings>(() => {
    const loaded = loadSettings()
    const token = takeTokenFromUrl()
    if (!token) return loaded
    const next = { ...loaded, accessToken: token }
    saveSettings(next)
    return next
  })
  const update = useCallback((patch: Partial<Settings>) => {
    setSettings((prev) => {
      const next = { ...prev, ...patch }
      saveSettings(next)
      return next
    })
  }, [])
  return [settings, update] as const
}
