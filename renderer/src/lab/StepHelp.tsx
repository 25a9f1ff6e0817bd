// "Stuck?": help in rising order of giving it away. Hints one at a time (each a nudge, not the
// answer), then the solution, then Skip, which does the step for the learner in the VM (its
// solve script) and records it as skipped, not passed. Skip asks first: it cannot be undone.
import { useState, type ReactNode } from 'react'
import type { LabStep } from '../../../electron/core/api'
import { toErrorInfo, type ErrorInfo } from '../../../electron/core/errors'
import { useClient } from '../api/hooks'
import { useVmReady } from '../api/vm'
import { ConfirmDialog } from '../components/ConfirmDialog'
import { ErrorPanel } from '../components/ErrorPanel'
import { Markdown } from '../components/Markdown'

export function StepHelp({ labId, step, done }: { labId: string; step: LabStep; done: boolean }): ReactNode {
  const client = useClient()
  const vm = useVmReady()
  const [revealed, setRevealed] = useState(0)
  const [showSolution, setShowSolution] = useState(false)
  const [confirmSkip, setConfirmSkip] = useState(false)
  const [skipping, setSkipping] = useState(false)
  const [skipError, setSkipError] = useState<ErrorInfo | null>(null)
  const { hints, solution } = step
  const canSkip = step.canSkip && !done

  if (hints.length === 0 && !solution && !canSkip) return null

  const skip = (): void => {
    setConfirmSkip(false)
    setSkipping(true)
    setSkipError(null)
    client.call('lab:solve', { labId, stepId: step.id }).then(
      () => setSkipping(false),
      (err: unknown) => {
        setSkipping(false)
        setSkipError(toErrorInfo(err))
      },
    )
  }

  return (
    <section className="step-help" aria-labelledby="step-help-title">
      <div className="step-help-bar">
        <h3 id="step-help-title" className="step-help-title">Stuck?</h3>
        {revealed < hints.length && (
          <button type="button" className="ghost small" onClick={() => setRevealed(revealed + 1)}>
            {revealed === 0 ? 'Show a hint' : 'Show another hint'} <span className="muted">({revealed + 1} of {hints.length})</span>
          </button>
        )}
        {solution && (
          <button type="button" className="ghost small" aria-expanded={showSolution} aria-controls="step-solution" onClick={() => setShowSolution(!showSolution)}>
            {showSolution ? 'Hide solution' : 'Show solution'}
          </button>
        )}
        {canSkip && (
          <span className="tooltip-host" title={vm.ready ? 'Let Chaos Lab do this step for you in the VM' : vm.reason}>
            <button type="button" className="ghost small" disabled={!vm.ready || skipping} onClick={() => setConfirmSkip(true)}>
              {skipping ? 'Skipping…' : 'Skip step…'}
            </button>
          </span>
        )}
      </div>
      {/* A live region, so each revealed hint is read out without moving the focus. */}
      <ol className="hints" aria-live="polite" aria-label="Hints">
        {hints.slice(0, revealed).map((hint, index) => (
          <li key={index} className="hint" data-testid="hint">
            <span className="hint-label">Hint {index + 1}{hints.length > 1 ? ` of ${hints.length}` : ''}</span>
            <Markdown source={hint} />
          </li>
        ))}
      </ol>
      {revealed > 0 && revealed === hints.length && hints.length > 1 && <p className="muted small hints-end">That was the last hint.</p>}
      {solution && showSolution && (
        <div className="solution" id="step-solution" data-testid="solution">
          <p className="section-label">Solution</p>
          <Markdown source={solution} />
        </div>
      )}
      {skipError && <ErrorPanel error={skipError} action={<button type="button" className="ghost small" onClick={() => setSkipError(null)}>Dismiss</button>} />}
      {confirmSkip && (
        <ConfirmDialog title="Skip this step?" confirmLabel="Skip step" onCancel={() => setConfirmSkip(false)} onConfirm={skip}>
          <p>Chaos Lab will do “{step.title}” for you in the VM and mark it as skipped, so the next steps can build on it.</p>
          <p className="muted">Your journal records the step as skipped, not passed.</p>
        </ConfirmDialog>
      )}
    </section>
  )
}
