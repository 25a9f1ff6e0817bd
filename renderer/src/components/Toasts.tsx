// Short-lived notices in the bottom-right corner, for outcomes of actions whose button may not be
// on screen any more (Halt from the keyboard, a journal export from a menu). Good news fades on
// its own; errors stay until dismissed, because they carry the fix the learner has to read.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import type { ErrorInfo } from '../../../electron/core/errors'
import { ErrorPanel } from './ErrorPanel'

export type ToastInput =
  | { tone: 'ok' | 'warn'; title: string; body?: ReactNode }
  /** Shown with the ErrorPanel, so an error looks the same wherever it appears. */
  | { tone: 'error'; title: string; error: ErrorInfo; body?: ReactNode }

type Toast = ToastInput & { id: number }

const AUTO_DISMISS_MS = 8_000

const ToastContext = createContext<(toast: ToastInput) => void>(() => undefined)

export function useToast(): (toast: ToastInput) => void {
  return useContext(ToastContext)
}

export function ToastProvider({ children }: { children: ReactNode }): ReactNode {
  const [toasts, setToasts] = useState<Toast[]>([])
  const nextId = useRef(1)
  const dismiss = useCallback((id: number) => setToasts((list) => list.filter((t) => t.id !== id)), [])
  // At most a few on screen: a held-down shortcut must not bury the page under notices.
  const show = useCallback((toast: ToastInput) => setToasts((list) => [...list.slice(-3), { ...toast, id: nextId.current++ }]), [])
  const value = useMemo(() => show, [show])

  return (
    <ToastContext.Provider value={value}>
      {children}
      {/* The live region exists before any toast does, so screen readers announce new ones. */}
      <div className="toasts" aria-live="polite" aria-label="Notifications" role="region">
        {toasts.map((toast) => <ToastCard key={toast.id} toast={toast} onDismiss={() => dismiss(toast.id)} />)}
      </div>
    </ToastContext.Provider>
  )
}

function ToastCard({ toast, onDismiss }: { toast: Toast; onDismiss: () => void }): ReactNode {
  const [paused, setPaused] = useState(false)
  useEffect(() => {
    if (toast.tone === 'error' || paused) return
    const timer = setTimeout(onDismiss, AUTO_DISMISS_MS)
    return () => clearTimeout(timer)
  }, [toast.tone, paused, onDismiss])

  const dismissButton = (
    <button type="button" className="ghost small toast-dismiss" onClick={onDismiss}>
      Dismiss
    </button>
  )

  if (toast.tone === 'error') {
    return (
      <div className="toast toast-error" data-testid="toast" data-tone="error">
        <ErrorPanel
          title={toast.title}
          error={toast.error}
          action={
            <>
              {toast.body}
              <div className="toast-actions">{dismissButton}</div>
            </>
          }
        />
      </div>
    )
  }
  return (
    <div
      className={`toast toast-${toast.tone}`}
      role="status"
      data-testid="toast"
      data-tone={toast.tone}
      // Hovering or focusing a toast keeps it: nobody should race a timer to read it.
      onMouseEnter={() => setPaused(true)}
      onMouseLeave={() => setPaused(false)}
      onFocus={() => setPaused(true)}
      onBlur={() => setPaused(false)}
    >
      <span className="toast-icon" aria-hidden="true">{toast.tone === 'ok' ? '✓' : '!'}</span>
      <div className="toast-body">
        <p className="toast-title">{toast.title}</p>
        {toast.body}
      </div>
      {dismissButton}
    </div>
  )
}
