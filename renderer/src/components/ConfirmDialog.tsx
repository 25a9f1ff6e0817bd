// A modal confirmation for things that cannot be undone. Focus starts on Cancel (the safe
// choice), Tab cycles inside the dialog only, Escape or a click outside cancels, and focus goes
// back to whatever opened it, so keyboard users land where they were. The dialog is portalled
// out of #root and #root is made inert meanwhile: the page behind can be neither clicked,
// tabbed to, nor read by a screen reader.
import { useEffect, useRef, type ReactNode } from 'react'
import { createPortal } from 'react-dom'

const FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])'

export function ConfirmDialog(props: {
  title: string
  children: ReactNode
  confirmLabel: string
  onConfirm: () => void
  onCancel: () => void
  /** Styles the confirm button as destructive. */
  danger?: boolean
}): ReactNode {
  const { title, children, confirmLabel, onConfirm, onCancel, danger } = props
  const dialog = useRef<HTMLDivElement>(null)
  const cancel = useRef<HTMLButtonElement>(null)

  // Latest callbacks for the listeners below, which are attached once.
  const onCancelRef = useRef(onCancel)
  onCancelRef.current = onCancel

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null
    const root = document.getElementById('root')
    if (root) root.inert = true
    cancel.current?.focus()

    // Capture phase on window: runs before the page's own shortcuts (Escape = back to the
    // labs) and stops them, and catches Tab even when focus sits on the dialog's background.
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') {
        event.preventDefault()
        event.stopPropagation()
        onCancelRef.current()
        return
      }
      if (event.key !== 'Tab' || !dialog.current) return
      const items = [...dialog.current.querySelectorAll<HTMLElement>(FOCUSABLE)]
      if (items.length === 0) return
      const first = items[0]!
      const last = items[items.length - 1]!
      const index = items.indexOf(document.activeElement as HTMLElement)
      event.preventDefault()
      const next = event.shiftKey ? (index <= 0 ? last : items[index - 1]!) : index < 0 || index === items.length - 1 ? first : items[index + 1]!
      next.focus()
    }
    window.addEventListener('keydown', onKey, true)
    return () => {
      window.removeEventListener('keydown', onKey, true)
      if (root) root.inert = false
      opener?.focus()
    }
  }, [])

  return createPortal(
    <div className="overlay" role="presentation" onMouseDown={(e) => e.target === e.currentTarget && onCancel()}>
      <div className={`dialog${danger ? ' dialog-danger' : ''}`} ref={dialog} tabIndex={-1} role="alertdialog" aria-modal="true" aria-labelledby="confirm-title" aria-describedby="confirm-body">
        <h2 id="confirm-title">{title}</h2>
        <div id="confirm-body" className="dialog-body">{children}</div>
        <div className="dialog-actions">
          <button type="button" className="ghost" ref={cancel} onClick={onCancel}>Cancel</button>
          <button type="button" className={danger ? 'danger' : undefined} onClick={onConfirm}>{confirmLabel}</button>
        </div>
      </div>
    </div>,
    document.body,
  )
}
