// Progress of a long VM operation. The core sends `progress` only when it can tell how far
// along the work is (a download); otherwise null, and the bar slides instead of lying.
import { useEffect, useState, type ReactNode } from 'react'
import type { VmAction } from '../../../electron/core/api'
import { ACTION_LABEL } from '../api/vm'

/** The current time, re-read every second while `active`: drives the elapsed-time display. */
export function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (!active) return
    setNow(Date.now())
    const timer = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(timer)
  }, [active])
  return now
}

/** mm:ss, or h:mm:ss past an hour. Clamped at zero in case the clocks disagree slightly. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000))
  const hours = Math.floor(total / 3600)
  const minutes = Math.floor((total % 3600) / 60)
  const seconds = total % 60
  const mmss = `${String(minutes).padStart(2, '0')}:${String(seconds).padStart(2, '0')}`
  return hours > 0 ? `${hours}:${mmss}` : mmss
}

function percent(action: VmAction): number | null {
  return action.progress === null ? null : Math.round(action.progress * 100)
}

/** The VM panel's bar: what is happening, how far, and for how long. */
export function VmProgress({ action }: { action: VmAction }): ReactNode {
  const now = useNow(true)
  const pct = percent(action)
  return (
    <div className="vm-progress" data-testid="vm-progress">
      <div className="vm-progress-text">
        <span className="vm-progress-phase" id="vm-progress-phase">
          <strong>{ACTION_LABEL[action.kind]}</strong>
          <span className="muted"> · {action.phase}</span>
        </span>
        <span className="vm-progress-numbers">
          {pct !== null && <span className="vm-progress-pct">{pct}%</span>}
          <span className="muted" data-testid="vm-elapsed" title="Time since this operation started">
            <span className="visually-hidden">Elapsed </span>
            {formatElapsed(now - action.startedAt)}
          </span>
        </span>
      </div>
      <ProgressTrack action={action} labelledBy="vm-progress-phase" />
    </div>
  )
}

/** The status bar's version: a small track and the phase, next to the VM state. */
export function VmProgressCompact({ action }: { action: VmAction }): ReactNode {
  const pct = percent(action)
  return (
    <span className="vm-progress-compact" data-testid="status-vm-progress">
      <ProgressTrack action={action} small label={`${ACTION_LABEL[action.kind]}: ${action.phase}`} />
      <span className="vm-progress-compact-text">
        {action.phase}
        {pct !== null && ` · ${pct}%`}
      </span>
    </span>
  )
}

function ProgressTrack(props: { action: VmAction; small?: boolean; labelledBy?: string; label?: string }): ReactNode {
  const { action, small, labelledBy, label } = props
  const pct = percent(action)
  return (
    <div
      className={`progress-track${small ? ' small' : ''}${pct === null ? ' indeterminate' : ''}`}
      role="progressbar"
      aria-labelledby={labelledBy}
      aria-label={labelledBy ? undefined : label}
      aria-valuemin={0}
      aria-valuemax={100}
      // Left out while the length is unknown: that is how ARIA marks an indeterminate bar.
      aria-valuenow={pct ?? undefined}
      aria-valuetext={pct === null ? `${action.phase}, time remaining unknown` : `${action.phase}, ${pct}%`}
    >
      <div className="progress-fill" style={pct === null ? undefined : { width: `${pct}%` }} />
    </div>
  )
}
