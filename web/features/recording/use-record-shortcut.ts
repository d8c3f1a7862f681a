import { useEffect } from 'react'

/**
 * Alt+Shift+R (Option+Shift+R on a Mac) starts and stops the recording. Not Ctrl/Cmd+Shift+R:
 * every browser keeps that for a hard reload, which would end the recording instead. Matched on
 * the key's place (`code`), since Option changes the character a Mac types.
 */
export const RECORD_SHORTCUT = 'Alt+Shift+R'

export function useRecordShortcut(onToggle: () => void) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.altKey && e.shiftKey && !e.ctrlKey && !e.metaKey && e.code === 'KeyR') || e.repeat) return
      e.preventDefault()
      onToggle()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [onToggle])
}
