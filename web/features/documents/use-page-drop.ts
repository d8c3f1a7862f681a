import { useEffect, useState } from 'react'

/**
 * Files dragged anywhere over the page: `over` while they are (the app shows where they will go),
 * and `onDrop` with them when they are let go. Anything else dragged (text, a link) is left to the
 * browser. A drop inside an element that handles it itself (the Documents section) is not taken twice.
 */
export function usePageDrop(onDrop: (files: File[]) => void): boolean {
  const [over, setOver] = useState(false)
  useEffect(() => {
    let depth = 0
    const files = (e: DragEvent) => Boolean(e.dataTransfer?.types.includes('Files'))
    const enter = (e: DragEvent) => {
      if (!files(e)) return
      depth++
      setOver(true)
    }
    const leave = (e: DragEvent) => {
      if (!files(e)) return
      depth = Math.max(0, depth - 1)
      if (!depth) setOver(false)
    }
    const dragOver = (e: DragEvent) => {
      // Without this the browser opens the file in the tab, and the conversation is gone.
      if (files(e)) e.preventDefault()
    }
    const drop = (e: DragEvent) => {
      if (!files(e)) return
      const handled = e.defaultPrevented
      e.preventDefault()
      depth = 0
      setOver(false)
      if (!handled) onDrop([...e.dataTransfer!.files])
    }
    window.addEventListener('dragenter', enter)
    window.addEventListener('dragleave', leave)
    window.addEventListener('dragover', dragOver)
    window.addEventListener('drop', drop)
    return () => {
      window.removeEventListener('dragenter', enter)
      window.removeEventListener('dragleave', leave)
      window.removeEventListener('dragover', dragOver)
      window.removeEventListener('drop', drop)
    }
  }, [onDrop])
  return over
}
