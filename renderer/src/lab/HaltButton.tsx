// Halt: the big undo. Always in the app bar, whatever the view, and on Ctrl+Shift+H from
// anywhere (the terminal lets the shortcut through). Neutral while no fault is known to be
// active, red with the count when some are, so the learner can see that something is broken on
// purpose. It is never disabled: when in doubt, pressing it must be possible.
import { useEffect, useId, useRef, useState, type ReactNode } from 'react'
import type { LedgerEntry } from '../../../electron/core/api'
import { toErrorInfo } from '../../../electron/core/errors'
import { useClient } from '../api/hooks'
import { useToast, type ToastInput } from '../components/Toasts'
import { useFaults } from './faults'
import { isHaltShortcut } from './shortcuts'

export function HaltButton(): ReactNode {
  const client = useClient()
  const { entries } = useFaults()
  const toast = useToast()
  const [halting, setHalting] = useState(false)
  const count = entries?.length ?? 0

  // The VM undid faults by itself (its dead-man's switch): say so, or the learner wonders why
  // the fault's effect is gone.
  useEffect(
    () =>
      client.on('faults:reverted-in-vm', ({ reason, labels }) =>
        toast({
          tone: 'warn',
          title: 'The VM reverted faults by itself',
          body: (
            <p className="toast-text">
              {labels.join(', ')}: {reason}. Inject again when you are ready; if this repeats, the VM may be overloaded (close other programs).
            </p>
          ),
        }),
      ),
    [client, toast],
  )

  const halt = (): void => {
    if (halting) return
    // Labels of what is about to go, to say in words what was reverted (the reply has ids).
    const before = entries ?? []
    setHalting(true)
    client.call('faults:halt-all').then(
      (report) => {
        setHalting(false)
        toast(haltOutcome(report, before))
      },
      (err: unknown) => {
        setHalting(false)
        toast({ tone: 'error', title: 'Halt could not run', error: toErrorInfo(err) })
      },
    )
  }

  // Attached once; the ref always calls the latest halt (with the latest entries).
  const haltRef = useRef(halt)
  haltRef.current = halt
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (!isHaltShortcut(event) || event.repeat) return
      event.preventDefault()
      haltRef.current()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  const active = count > 0
  const title = active
    ? `Revert ${count === 1 ? 'the active fault' : `all ${count} active faults`} now (Ctrl+Shift+H)`
    : entries === null
      ? // Not read yet (no VM to ask): say what it does, not that nothing is active.
        'Revert every fault injected in the VM (Ctrl+Shift+H)'
      : 'No fault is active. Halt reverts every fault injected in the VM (Ctrl+Shift+H)'

  return (
    <button
      type="button"
      className={active ? 'halt active' : 'halt'}
      onClick={halt}
      title={title}
      aria-keyshortcuts="Control+Shift+H"
      aria-busy={halting || undefined}
      data-testid="halt"
      data-count={count}
    >
      {halting ? <span className="spinner" aria-hidden="true" /> : <StopIcon />}
      <span>{halting ? 'Halting…' : 'Halt'}</span>
      {active && !halting && <span className="halt-count" aria-hidden="true">{count}</span>}
      <span className="visually-hidden">{active ? `, ${count} active ${count === 1 ? 'fault' : 'faults'}` : entries === null ? '' : ', no active faults'}</span>
    </button>
  )
}

/** A stop sign: an octagon with a bar cut out (a mask, so the bar shows the button's colour). */
function StopIcon(): ReactNode {
  const mask = useId()
  return (
    <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
      <mask id={mask}>
        <rect width="16" height="16" fill="#fff" />
        <rect x="4" y="7" width="8" height="2.2" rx="0.6" fill="#000" />
      </mask>
      <path d="M5.1 1h5.8L15 5.1v5.8L10.9 15H5.1L1 10.9V5.1z" fill="currentColor" mask={`url(#${mask})`} />
    </svg>
  )
}

type HaltReport = { reverted: string[]; failed: { id: string; code: number | null; stderr: string }[] }

/** The toast for a halt's report: what was reverted, and each failure with its stderr. */
export function haltOutcome(report: HaltReport, before: LedgerEntry[]): ToastInput {
  const label = (id: string): string => before.find((e) => e.id === id)?.label ?? id
  const reverted = report.reverted.length
  const revertedText = `Reverted ${reverted} ${reverted === 1 ? 'fault' : 'faults'}`
  const revertedList = reverted > 0 && (
    <ul className="toast-list">
      {report.reverted.map((id) => <li key={id}>{label(id)}</li>)}
    </ul>
  )
  if (report.failed.length === 0) {
    return reverted === 0
      ? { tone: 'ok', title: 'Halt: nothing to revert', body: <p className="toast-text">No fault was active in the VM.</p> }
      : { tone: 'ok', title: `Halt: ${revertedText.toLowerCase()}`, body: revertedList || undefined }
  }
  const failed = report.failed.length
  return {
    tone: 'error',
    title: `Halt: ${failed} ${failed === 1 ? 'fault' : 'faults'} could not be reverted`,
    error: {
      code: 'vm',
      message: `${revertedText}; ${failed} failed.`,
      fix: 'Press Halt again. If a fault still will not go, reset the VM from the Lab VM panel: that undoes everything.',
      details: [],
    },
    body: (
      <>
        {revertedList}
        <ul className="halt-failures">
          {report.failed.map((f) => (
            <li key={f.id}>
              <strong>{label(f.id)}</strong> <span className="muted small">{f.code === null ? 'no exit status' : `exit status ${f.code}`}</span>
              {f.stderr.trim() && <pre>{f.stderr.trim()}</pre>}
            </li>
          ))}
        </ul>
      </>
    ),
  }
}
