// The open step's check: how the learner knows the experiment did what it should. Continuous
// checks are watched while the step is on screen (the core re-runs them about once a second and
// sends each result as an event); click checks run when the learner presses Check or Ctrl+Enter.
import { useEffect, useRef, useState, type ReactNode } from 'react'
import type { CheckResult, LabStep } from '../../../electron/core/api'
import { toErrorInfo, type ErrorInfo } from '../../../electron/core/errors'
import { useClient, useConnection } from '../api/hooks'
import { useVmReady } from '../api/vm'
import { ErrorPanel } from '../components/ErrorPanel'
import { ago, useNow } from './hooks'
import { isSubmitShortcut, isTextField } from './shortcuts'

type Check = NonNullable<LabStep['check']>
type Look = 'waiting' | 'pending' | 'fail' | 'holding' | 'pass'

export function CheckPanel(props: { labId: string; stepId: string; check: Check; result: CheckResult | undefined; onResult: (result: CheckResult) => void }): ReactNode {
  const { labId, stepId, check, result, onResult } = props
  const client = useClient()
  const vm = useVmReady()
  const connection = useConnection()
  const [running, setRunning] = useState(false)
  const [error, setError] = useState<ErrorInfo | null>(null)
  const continuous = check.mode === 'continuous'

  // Watch while the step is shown. Asked again when the VM connection or the window's own
  // connection comes back: a restarted core has forgotten the watch.
  useEffect(() => {
    if (!continuous || connection !== 'open') return
    client.call('lab:watch', { labId, stepId }).catch((err: unknown) => setError(toErrorInfo(err)))
    return () => void client.call('lab:watch', { labId, stepId: null }).catch(() => undefined)
  }, [client, labId, stepId, continuous, connection, vm.ready])

  const runCheck = (): void => {
    if (running) return
    setRunning(true)
    setError(null)
    client.call('lab:check', { labId, stepId }).then(
      (checked) => {
        setRunning(false)
        onResult(checked)
      },
      (err: unknown) => {
        setRunning(false)
        setError(toErrorInfo(err))
      },
    )
  }

  const runRef = useRef(runCheck)
  runRef.current = runCheck
  useEffect(() => {
    if (continuous) return
    const onKey = (event: KeyboardEvent): void => {
      // In a text field Ctrl+Enter belongs to it (the prediction box saves with it; a terminal's
      // shell gets it), so only outside of them.
      if (!isSubmitShortcut(event) || isTextField(event.target) || document.querySelector('[aria-modal="true"]')) return
      event.preventDefault()
      runRef.current()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [continuous])

  const now = useNow(result !== undefined)
  const look: Look = running && !result ? 'pending' : !result ? (vm.ready && continuous ? 'pending' : 'waiting') : result.passed ? 'pass' : result.passingNow ? 'holding' : 'fail'
  // A result from before the VM went away says nothing about now.
  const stale = result !== undefined && !vm.ready

  return (
    <section className={`check-panel look-${look}${stale ? ' stale' : ''}`} aria-labelledby="check-heading" data-testid="check-panel" data-look={look}>
      <div className="check-panel-top">
        <span className="check-panel-icon" aria-hidden="true">{look === 'pending' ? <span className="spinner" /> : ICON[look]}</span>
        <div className="check-panel-words">
          <h3 id="check-heading" className="check-panel-title">
            <span className="visually-hidden">Check: </span>
            {headline(look, result, continuous, running)}
          </h3>
          {/* The check's own output in monospace (it is what the script printed); our words not. */}
          <p className={result ? 'check-panel-message output' : 'check-panel-message'} data-testid="check-message">
            {result ? result.message : look === 'waiting' ? waitingText(continuous, vm.reason) : 'Running the check in the VM…'}
          </p>
        </div>
        {!continuous && (
          <span className="tooltip-host" title={vm.ready ? 'Run the check now (Ctrl+Enter)' : vm.reason}>
            <button type="button" className="check-button" disabled={!vm.ready || running} onClick={runCheck} aria-keyshortcuts="Control+Enter">
              {running ? 'Checking…' : 'Check'}
              {!running && <kbd aria-hidden="true">Ctrl+Enter</kbd>}
            </button>
          </span>
        )}
      </div>
      {look === 'holding' && result && result.holdSeconds > 0 && (
        <div className="hold-track" role="progressbar" aria-label="Held so far" aria-valuemin={0} aria-valuemax={result.holdSeconds} aria-valuenow={Math.min(result.heldSeconds, result.holdSeconds)}>
          <div className="hold-fill" style={{ width: `${Math.min(100, (result.heldSeconds / result.holdSeconds) * 100)}%` }} />
        </div>
      )}
      <p className="check-panel-meta">
        <span>{continuous ? 'Checked continuously' : 'Checked when you ask'}{check.holdSeconds > 0 ? ` · must hold ${check.holdSeconds} s` : ''}</span>
        {result && (
          <span data-testid="check-age" title={new Date(result.at).toLocaleTimeString()}>
            {stale ? 'last checked' : 'checked'} {ago(result.at, now)}
            {result.timedOut ? ' · timed out' : ''}
          </span>
        )}
      </p>
      {/* Read out only when the outcome changes, not on every second's re-check. */}
      <span className="visually-hidden" role="status">{result ? `${headline(look, result, continuous, false)}. ${result.message}` : ''}</span>
      {error && <ErrorPanel error={error} action={<button type="button" className="ghost small" onClick={() => setError(null)}>Dismiss</button>} />}
    </section>
  )
}

const ICON: Record<Exclude<Look, 'pending'>, string> = { waiting: '–', fail: '✕', holding: '◔', pass: '✓' }

function headline(look: Look, result: CheckResult | undefined, continuous: boolean, running: boolean): string {
  switch (look) {
    case 'pass':
      return 'Passing'
    case 'holding':
      // Whole seconds: a ticking "1.37 s" reads as noise.
      return `Passing, holding ${Math.min(Math.floor(result!.heldSeconds), result!.holdSeconds)}/${result!.holdSeconds} s`
    case 'fail':
      return 'Not yet'
    case 'pending':
      return running || continuous ? 'Checking…' : 'Not checked yet'
    case 'waiting':
      return continuous ? 'Waiting for the VM' : 'Not checked yet'
  }
}

function waitingText(continuous: boolean, vmReason: string): string {
  if (!vmReason) return 'Do the step, then press Check.'
  return continuous ? `The check runs in the lab VM, about once a second. ${vmReason}` : `Do the step, then press Check. ${vmReason}`
}
