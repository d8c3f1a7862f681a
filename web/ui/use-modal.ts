import { useEffect, useRef } from 'react'

/** A `<dialog>` shown as a modal while `open` (the focus trap, Esc and the backdrop are the browser's). */
export function useModal(open: boolean) {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const d = ref.current
    if (!d) return
    if (open && !d.open) d.showModal()
    if (!open && d.open) d.close()
  }, [open])
  return ref
}
