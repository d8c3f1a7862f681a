import { useEffect } from 'react'

/** Push-to-talk: hold Space anywhere but in a text field; leaving the window releases it. */
export function usePushToTalk(enabled: boolean, press: (pressed: boolean) => void) {
  useEffect(() => {
    if (!enabled) return
    const typing = (e: KeyboardEvent) => e.target instanceof HTMLElement && e.target.closest('input, textarea, select, [contenteditable]')
    const down = (e: KeyboardEvent) => {
      if (e.code !== 'Space' || e.repeat || typing(e)) return
      e.preventDefault()
      press(true)
    }
    const up = (e: KeyboardEvent) => {
      if (e.code !== 'Space' || typing(e)) return
      e.preventDefault()
      press(false)
    }
    const release = () => press(false)
    window.addEventListener('keydown', down)
    window.addEventListener('keyup', up)
    window.addEventListener('blur', release)
    document.addEventListener('visibilitychange', release)
    return () => {
      window.removeEventListener('keydown', down)
      window.removeEventListener('keyup', up)
      window.removeEventListener('blur', release)
      document.removeEventListener('visibilitychange', release)
    }
  }, [enabled, press])
}
