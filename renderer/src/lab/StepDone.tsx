// The step's outcome once it counts as done: a clear success (or "skipped"), the learner's
// prediction next to it for comparison, and the way on to the next step.
import type { ReactNode } from 'react'
import type { StepProgress } from '../../../electron/core/api'

export function StepDone(props: { progress: StepProgress; predicted: boolean; next: { number: number; title: string } | null; onNext: () => void }): ReactNode {
  const { progress, predicted, next, onNext } = props
  const skipped = progress.status === 'skipped'
  return (
    <section className={skipped ? 'step-done skipped' : 'step-done'} data-testid="step-done" aria-labelledby="step-done-title">
      <span className="step-done-icon" aria-hidden="true">{skipped ? '↷' : '✓'}</span>
      <div className="step-done-words">
        <h3 id="step-done-title">{skipped ? 'Skipped: Chaos Lab did this step for you' : 'Step passed'}</h3>
        {predicted && progress.prediction && (
          <p className="step-done-prediction">
            You predicted: <q>{progress.prediction}</q>
          </p>
        )}
        {!next && <p className="muted">That was the last step. Press <strong>Finish lab</strong> to revert the faults and clean up the VM.</p>}
      </div>
      {next && (
        <button type="button" className="step-done-next" onClick={onNext}>
          Go to step {next.number} →
        </button>
      )}
    </section>
  )
}
