// A small popup menu (the "+" menu and the terminal's context menu). Keyboard: arrows and
// Home/End move, Enter or Space picks, Escape or Tab closes; focus starts on the first item
// that can be picked and goes back to `returnFocus` when the menu closes. Items that cannot be
// picked stay focusable (aria-disabled) so their explanation can be read.
import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react'
import { createPortal } from 'react-dom'

export interface MenuItem {
  id: string
  label: string
  /** Key hint shown on the right, e.g. "Ctrl+Shift+C". */
  shortcut?: string
  disabled?: boolean
  /** Why it is disabled, or what it does; shown under the label and as its tooltip. */
  hint?: string
  onSelect(): void
  separatorBefore?: boolean
}

export function Menu(props: {
  label: string
  items: MenuItem[]
  /** Viewport position of the menu's top-left corner (it is kept inside the window). */
  at: { x: number; y: number }
  onClose(): void
  returnFocus?: () => void
  testId?: string
}): ReactNode {
  const { label, items, at, onClose, returnFocus, testId } = props
  const menu = useRef<HTMLDivElement>(null)
  const [position, setPosition] = useState(at)
  const onCloseRef = useRef(onClose)
  onCloseRef.current = onClose
  const returnFocusRef = useRef(returnFocus)
  returnFocusRef.current = returnFocus

  const buttons = (): HTMLButtonElement[] => [...(menu.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])]

  useLayoutEffect(() => {
    const element = menu.current
    if (!element) return
    const rect = element.getBoundingClientRect()
    setPosition({ x: Math.max(4, Math.min(at.x, window.innerWidth - rect.width - 4)), y: Math.max(4, Math.min(at.y, window.innerHeight - rect.height - 4)) })
    const first = buttons().find((b) => b.getAttribute('aria-disabled') !== 'true') ?? buttons()[0]
    first?.focus()
  }, [at.x, at.y])

  useEffect(() => {
    const onPointer = (event: PointerEvent): void => {
      if (!menu.current?.contains(event.target as Node)) onCloseRef.current()
    }
    const onBlur = (): void => onCloseRef.current()
    window.addEventListener('pointerdown', onPointer, true)
    window.addEventListener('blur', onBlur)
    window.addEventListener('resize', onBlur)
    return () => {
      window.removeEventListener('pointerdown', onPointer, true)
      window.removeEventListener('blur', onBlur)
      window.removeEventListener('resize', onBlur)
    }
  }, [])

  const close = (refocus: boolean): void => {
    onClose()
    if (refocus) returnFocusRef.current?.()
  }

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const list = buttons()
    const index = list.indexOf(document.activeElement as HTMLButtonElement)
    const move = (to: number): void => list[(to + list.length) % list.length]?.focus()
    if (event.key === 'ArrowDown') move(index + 1)
    else if (event.key === 'ArrowUp') move(index - 1)
    else if (event.key === 'Home') move(0)
    else if (event.key === 'End') move(list.length - 1)
    else if (event.key === 'Escape') close(true)
    else if (event.key === 'Tab') close(true)
    else return
    event.preventDefault()
    event.stopPropagation()
  }

  return createPortal(
    <div ref={menu} className="menu" role="menu" aria-label={label} style={{ left: position.x, top: position.y }} onKeyDown={onKeyDown} data-testid={testId} onContextMenu={(e) => e.preventDefault()}>
      {items.map((item) => (
        <div key={item.id} role="none">
          {item.separatorBefore && <div className="menu-separator" role="separator" />}
          <button
            type="button"
            role="menuitem"
            className="menu-item"
            aria-disabled={item.disabled || undefined}
            title={item.hint}
            tabIndex={-1}
            onMouseEnter={(e) => e.currentTarget.focus()}
            onClick={() => {
              if (item.disabled) return
              close(false)
              item.onSelect()
            }}
          >
            <span className="menu-label">
              {item.label}
              {item.hint && item.disabled && <span className="menu-hint">{item.hint}</span>}
            </span>
            {item.shortcut && <kbd className="menu-shortcut">{item.shortcut}</kbd>}
          </button>
        </div>
      ))}
    </div>,
    document.body,
  )
}
