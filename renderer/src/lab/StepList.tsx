// The lab's steps as a list to jump around in, each marked with its status from the database:
// passed, skipped, or still open.
import type { ReactNode } from 'react'
import type { LabStep } from '../../../electron/core/api'
import type { ProgressMap } from './hooks'

const STATUS_WORD = { passed: 'passed', skipped: 'skipped' } as const

export function StepList(props: { steps: LabStep[]; current: number; progress: ProgressMap | null; onSelect: (index: number) => void }): ReactNode {
  const { steps, current, progress, onSelect } = props
  return (
    <ol className="step-list">
      {steps.map((step, index) => {
        const status = progress?.get(step.id)?.status ?? 'open'
        return (
          <li key={step.id}>
            <button
              type="button"
              className={`step-link status-${status}${index === current ? ' current' : ''}`}
              aria-current={index === current ? 'step' : undefined}
              data-status={status}
              onClick={() => onSelect(index)}
            >
              <span className="step-number" aria-hidden={status !== 'open' || undefined}>
                {status === 'passed' ? '✓' : status === 'skipped' ? '↷' : index + 1}
              </span>
              <span className="step-link-title">{step.title}</span>
              {status !== 'open' && <span className="visually-hidden"> ({STATUS_WORD[status]})</span>}
            </button>
          </li>
        )
      })}
    </ol>
  )
}
