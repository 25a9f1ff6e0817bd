// What an experiment does, phase by phase, and (once it ran) how each activity went. Before a
// run: the steady-state hypothesis once, the method, the rollbacks. With a run: the hypothesis
// before and after, so "met before, not met after" (deviated) reads at a glance.
import type { ReactNode } from 'react'
import type { ExperimentActivityView, ExperimentPhase, ExperimentView } from '../../../electron/core/api'
import { PHASE_TITLE, type ActivityModel, type PhaseModel, type PhaseStatus, type RunModel } from './runModel'

const PHASE_HINT: Record<ExperimentPhase, string> = {
  'hypothesis-before': 'Is the system normal before we break anything? If not, the method does not run.',
  method: 'What the experiment does to the system, in order, with its pauses.',
  'hypothesis-after': 'Is it still normal afterwards? If not, the system deviated: a weakness was found.',
  rollbacks: 'Always run, whatever happened above — after a failure, a deviation or Stop.',
}

export function PhaseList({ plan, model }: { plan: ExperimentView | null; model: RunModel | null }): ReactNode {
  if (!model) {
    if (!plan) return null
    return (
      <div className="phase-list">
        <Phase
          title="Steady-state hypothesis"
          subtitle={plan.hypothesis?.title ?? null}
          hint="Checked before and after the method: what “normal” looks like."
          status={null}
          note={plan.hypothesis ? '' : 'This experiment has no steady-state hypothesis: only the method and the rollbacks run.'}
          rows={(plan.hypothesis?.probes ?? []).map((view) => ({ view, result: null }))}
          testId="phase-hypothesis"
        />
        <Phase title="Method" subtitle={null} hint={PHASE_HINT.method} status={null} note="" rows={plan.method.map((view) => ({ view, result: null }))} testId="phase-method" numbered />
        <Phase title="Rollbacks" subtitle={null} hint={PHASE_HINT.rollbacks} status={null} note={plan.rollbacks.length === 0 ? 'The experiment declares no rollbacks.' : ''} rows={plan.rollbacks.map((view) => ({ view, result: null }))} testId="phase-rollbacks" />
      </div>
    )
  }
  const views = (phase: ExperimentPhase): ExperimentActivityView[] =>
    !plan ? [] : phase === 'method' ? plan.method : phase === 'rollbacks' ? plan.rollbacks : (plan.hypothesis?.probes ?? [])
  return (
    <div className="phase-list">
      {model.phases.map((phase) => (
        <Phase
          key={phase.phase}
          title={PHASE_TITLE[phase.phase]}
          subtitle={phase.phase.startsWith('hypothesis') ? (plan?.hypothesis?.title ?? null) : null}
          hint={PHASE_HINT[phase.phase]}
          status={phase.status}
          note={phase.note}
          rows={phase.activities.map((result, i) => ({ view: views(phase.phase)[i] ?? null, result }))}
          testId={`phase-${phase.phase}`}
          numbered={phase.phase === 'method'}
        />
      ))}
    </div>
  )
}

interface Row {
  view: ExperimentActivityView | null
  result: ActivityModel | null
}

function Phase(props: { title: string; subtitle: string | null; hint: string; status: PhaseStatus | null; note: string; rows: Row[]; testId: string; numbered?: boolean }): ReactNode {
  const { title, subtitle, hint, status, note, rows, testId, numbered } = props
  const id = `${testId}-title`
  const List = numbered ? 'ol' : 'ul'
  return (
    <section className="vm-card phase" aria-labelledby={id} data-testid={testId} data-status={status ?? undefined}>
      <header className="phase-head">
        <div>
          <h3 id={id}>
            {title}
            {subtitle && <span className="phase-subtitle"> — {subtitle}</span>}
          </h3>
          <p className="muted small phase-hint">{hint}</p>
        </div>
        {status && status !== 'none' && <PhaseBadge status={status} />}
      </header>
      {note && <p className="phase-note">{note}</p>}
      {rows.length > 0 && (
        <List className="activity-list">
          {rows.map((row, index) => (
            <ActivityRow key={index} row={row} index={index} numbered={numbered === true} />
          ))}
        </List>
      )}
    </section>
  )
}

const BADGE: Record<Exclude<PhaseStatus, 'none'>, { label: string; tone: string }> = {
  pending: { label: 'Waiting', tone: 'idle' },
  running: { label: 'Running', tone: 'busy' },
  met: { label: 'Met', tone: 'ok' },
  'not-met': { label: 'Not met', tone: 'bad' },
  done: { label: 'Done', tone: 'ok' },
  failed: { label: 'Failed', tone: 'bad' },
  skipped: { label: 'Skipped', tone: 'idle' },
}

function PhaseBadge({ status }: { status: Exclude<PhaseStatus, 'none'> }): ReactNode {
  const badge = BADGE[status]
  return (
    <span className={`run-badge tone-${badge.tone}`} data-testid="phase-status">
      {status === 'running' && <span className="spinner" aria-hidden="true" />}
      {badge.label}
    </span>
  )
}

const STATUS_ICON: Record<ActivityModel['status'], string> = { pending: '', running: '', ok: '✓', failed: '✕', skipped: '–' }
const STATUS_WORD: Record<ActivityModel['status'], string> = { pending: 'not run yet', running: 'running', ok: 'passed', failed: 'failed', skipped: 'skipped' }

function ActivityRow({ row, index, numbered }: { row: Row; index: number; numbered: boolean }): ReactNode {
  const { view, result } = row
  const name = view?.name ?? result?.name ?? ''
  const type = view?.type ?? result?.type ?? 'action'
  const status = result?.status ?? null
  return (
    <li className={`activity ${status ? `activity-${status}` : 'activity-plan'}`} data-testid="activity" data-status={status ?? 'plan'}>
      {status ? (
        <span className={`activity-icon icon-${status}`} aria-label={STATUS_WORD[status]} role="img">
          {status === 'running' ? <span className="spinner" /> : STATUS_ICON[status]}
        </span>
      ) : (
        <span className="activity-icon icon-plan" aria-hidden="true">{numbered ? index + 1 : '•'}</span>
      )}
      <div className="activity-body">
        <div className="activity-line">
          <span className={`type-chip type-${type}`}>{type}</span>
          <strong className="activity-name">{name}</strong>
          {view && <span className="muted small">{view.provider}</span>}
          {view && (view.pauseBefore > 0 || view.pauseAfter > 0) && (
            <span className="muted small activity-pause">
              {`pause ${[view.pauseBefore > 0 && `${view.pauseBefore} s before`, view.pauseAfter > 0 && `${view.pauseAfter} s after`].filter(Boolean).join(', ')}`}
            </span>
          )}
          {result?.seconds != null && <span className="muted small activity-time">{result.seconds < 10 ? result.seconds.toFixed(2) : result.seconds.toFixed(1)} s</span>}
        </div>
        {view && <code className="activity-invocation" title={view.invocation}>{view.invocation}</code>}
        {view?.tolerance && (
          <p className="activity-tolerance">
            <span className="label">Normal:</span> {view.tolerance}
          </p>
        )}
        {result?.detail && <Detail detail={result.detail} failed={status === 'failed'} short={view?.tolerance != null} />}
      </div>
    </li>
  )
}

/**
 * A probe's check reads "expected A, observed B". Next to its "Normal: A" line, a passing probe
 * only needs what was observed; a failing one shows both, in red.
 */
function Detail({ detail, failed, short }: { detail: string; failed: boolean; short: boolean }): ReactNode {
  const check = /^expected (.*), observed (.*)$/s.exec(detail)
  if (check && !failed && short) {
    return (
      <p className="activity-detail">
        <span className="label">Observed:</span> {check[2]}
      </p>
    )
  }
  if (check) {
    return (
      <p className={`activity-detail ${failed ? 'bad' : ''}`}>
        <span className="label">Expected</span> {check[1]}, <span className="label">observed</span> {check[2]}
      </p>
    )
  }
  return <p className={`activity-detail ${failed ? 'bad' : ''}`}>{detail}</p>
}
