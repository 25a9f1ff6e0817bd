// Two panes and a draggable divider. The divider is a focusable separator: arrow keys move it,
// Home/End jump to the limits, and the chosen width survives a reload (localStorage).
import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type PointerEvent, type ReactNode } from 'react'

const KEYBOARD_STEP_PERCENT = 2

export function SplitPane(props: {
  id: string
  left: ReactNode
  right: ReactNode
  initialPercent?: number
  minPercent?: number
  maxPercent?: number
  label: string
}): ReactNode {
  const { id, left, right, initialPercent = 42, minPercent = 22, maxPercent = 75, label } = props
  const storageKey = `chaos-lab:split:${id}`
  const [percent, setPercent] = useState<number>(() => {
    const stored = Number(localStorage.getItem(storageKey))
    return stored >= minPercent && stored <= maxPercent ? stored : initialPercent
  })
  const container = useRef<HTMLDivElement>(null)
  const dragging = useRef(false)

  const clamp = useCallback((value: number) => Math.min(maxPercent, Math.max(minPercent, value)), [minPercent, maxPercent])
  useEffect(() => localStorage.setItem(storageKey, String(percent)), [storageKey, percent])

  const onPointerDown = (event: PointerEvent<HTMLDivElement>): void => {
    dragging.current = true
    event.currentTarget.setPointerCapture(event.pointerId)
  }
  const onPointerMove = (event: PointerEvent<HTMLDivElement>): void => {
    if (!dragging.current || !container.current) return
    const rect = container.current.getBoundingClientRect()
    setPercent(clamp(((event.clientX - rect.left) / rect.width) * 100))
  }
  const onPointerUp = (): void => {
    dragging.current = false
  }
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const moves: Record<string, number> = { ArrowLeft: -KEYBOARD_STEP_PERCENT, ArrowRight: KEYBOARD_STEP_PERCENT }
    if (event.key in moves) setPercent((p) => clamp(p + moves[event.key]!))
    else if (event.key === 'Home') setPercent(minPercent)
    else if (event.key === 'End') setPercent(maxPercent)
    else return
    event.preventDefault()
  }

  return (
    <div className="split" ref={container} style={{ gridTemplateColumns: `${percent}% 6px 1fr` }}>
      <div className="split-pane">{left}</div>
      <div
        className="split-divider"
        role="separator"
        aria-orientation="vertical"
        aria-label={label}
        aria-valuenow={Math.round(percent)}
        aria-valuemin={minPercent}
        aria-valuemax={maxPercent}
        tabIndex={0}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onKeyDown={onKeyDown}
      />
      <div className="split-pane">{right}</div>
    </div>
  )
}
