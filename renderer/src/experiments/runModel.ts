// One picture of a run for the Experiments view, built either live (the plan, then progress
// events as they arrive) or from a finished run's journal: four phases, each with its
// activities and their outcome. The view draws the same model in both cases, so a run looks
// the same while it happens and when it is opened again from the list of past runs.
import type { ExperimentActivityView, ExperimentPhase, ExperimentProgress, ExperimentRun, ExperimentView } from '../../../electron/core/api'
import type { Journal, Run } from '../../../electron/core/experiments/journal'

export type ActivityStatus = 'pending' | 'running' | 'ok' | 'failed' | 'skipped'
export type PhaseStatus = 'pending' | 'running' | 'met' | 'not-met' | 'done' | 'failed' | 'skipped' | 'none'

export interface ActivityModel {
  name: string
  type: 'probe' | 'action'
  status: ActivityStatus
  /** Why it failed, or the tolerance check; a pause in progress. */
  detail: string
  seconds: number | null
}

export interface PhaseModel {
  phase: ExperimentPhase
  status: PhaseStatus
  /** Why it was skipped, or what it has nothing to do. */
  note: string
  activities: ActivityModel[]
}

export interface RunModel {
  status: ExperimentRun['status']
  deviated: boolean
  outcome: string
  phases: PhaseModel[]
}

export const PHASE_TITLE: Record<ExperimentPhase, string> = {
  'hypothesis-before': 'Steady state before',
  method: 'Method',
  'hypothesis-after': 'Steady state after',
  rollbacks: 'Rollbacks',
}

const pending = (a: Pick<ExperimentActivityView, 'name' | 'type'>): ActivityModel => ({ name: a.name, type: a.type, status: 'pending', detail: '', seconds: null })

/** Before anything ran: every activity of the plan, pending. */
export function planModel(plan: ExperimentView): RunModel {
  const probes = plan.hypothesis?.probes ?? []
  const hypothesis = (phase: ExperimentPhase): PhaseModel =>
    probes.length > 0 ? { phase, status: 'pending', note: '', activities: probes.map(pending) } : { phase, status: 'none', note: 'No steady-state hypothesis to check.', activities: [] }
  return {
    status: 'running',
    deviated: false,
    outcome: '',
    phases: [
      hypothesis('hypothesis-before'),
      { phase: 'method', status: 'pending', note: '', activities: plan.method.map(pending) },
      hypothesis('hypothesis-after'),
      plan.rollbacks.length > 0 ? { phase: 'rollbacks', status: 'pending', note: '', activities: plan.rollbacks.map(pending) } : { phase: 'rollbacks', status: 'none', note: 'The experiment declares no rollbacks.', activities: [] },
    ],
  }
}

/** Applies one progress event to a live model (returns a new model). */
export function applyProgress(model: RunModel, event: ExperimentProgress): RunModel {
  const phases = model.phases.map((p) => (p.phase === event.phase ? { ...p, activities: [...p.activities] } : p))
  const phase = phases.find((p) => p.phase === event.phase)
  const setActivity = (patch: Partial<ActivityModel>): void => {
    if (!phase || event.index === null) return
    const current = phase.activities[event.index] ?? { name: event.name ?? '', type: 'action', status: 'pending', detail: '', seconds: null }
    phase.activities[event.index] = { ...current, ...patch }
  }
  switch (event.kind) {
    case 'phase-started':
      if (phase) phase.status = 'running'
      break
    case 'phase-skipped':
      if (phase) {
        phase.status = 'skipped'
        phase.note = capitalize(event.detail ?? 'skipped')
        phase.activities = phase.activities.map((a) => ({ ...a, status: 'skipped' }))
      }
      break
    case 'activity-started':
      setActivity({ status: 'running', detail: '' })
      break
    case 'pause':
      if (phase) phase.note = event.text
      break
    case 'activity-finished':
      setActivity({ status: event.ok ? 'ok' : 'failed', detail: event.detail ?? '' })
      if (phase) phase.note = ''
      break
    case 'hypothesis':
      if (phase) phase.status = event.ok ? 'met' : 'not-met'
      break
    case 'finished':
      return { ...model, phases: closePhases(phases), status: event.ok ? 'completed' : 'failed', outcome: event.text }
    case 'started':
      break
  }
  return { ...model, phases }
}

/** Phases still open when the run ended: done, and what never ran, skipped. */
function closePhases(phases: PhaseModel[]): PhaseModel[] {
  return phases.map((p) => {
    const activities = p.activities.map((a) => (a.status === 'pending' || a.status === 'running' ? { ...a, status: 'skipped' as const } : a))
    if (p.status === 'running') return { ...p, activities, status: activities.some((a) => a.status === 'failed') ? 'failed' : 'done' }
    if (p.status === 'pending') return { ...p, activities, status: 'skipped', note: p.note || 'Did not run.' }
    return { ...p, activities }
  })
}

/** A finished run, from its journal: the whole story, including what never ran. */
export function journalModel(run: ExperimentRun): RunModel | null {
  const journal = run.journal
  if (!journal) return null
  const experiment = journal.experiment
  const probes = experiment['steady-state-hypothesis']?.probes ?? []
  const fromRun = (r: Run): ActivityModel => {
    const details = r['chaos-lab']
    const ok = r.status === 'succeeded' && r.tolerance_met !== false
    const tolerance = details.tolerance ? `expected ${details.tolerance.expected}, observed ${details.tolerance.observed}` : ''
    return { name: r.activity.name, type: r.activity.type, status: ok ? 'ok' : 'failed', detail: details.reason ?? tolerance, seconds: r.duration }
  }
  const rest = (declared: { name: string; type: 'probe' | 'action' }[], ran: Run[]): ActivityModel[] => [
    ...ran.map(fromRun),
    ...declared.slice(ran.length).map((a) => ({ ...pending(a), status: 'skipped' as const })),
  ]
  const hypothesis = (phase: ExperimentPhase, state: Journal['steady_states']['before']): PhaseModel => {
    if (probes.length === 0) return { phase, status: 'none', note: 'No steady-state hypothesis to check.', activities: [] }
    if (!state) return { phase, status: 'skipped', note: skippedWhy(journal, phase), activities: probes.map((p) => ({ ...pending(p), status: 'skipped' })) }
    const complete = state.probes.length === probes.length
    return { phase, status: state.steady_state_met ? 'met' : complete ? 'not-met' : 'skipped', note: complete ? '' : 'Stopped during the check.', activities: rest(probes, state.probes) }
  }
  const methodRan = journal.run.length > 0
  const methodFailed = journal.run.some((r) => r.activity.type === 'action' && r.status === 'failed')
  return {
    status: run.status,
    deviated: run.deviated,
    outcome: run.outcome,
    phases: [
      hypothesis('hypothesis-before', journal.steady_states.before),
      {
        phase: 'method',
        status: !methodRan ? 'skipped' : methodFailed ? 'failed' : journal.run.length < experiment.method.length ? 'skipped' : 'done',
        note: !methodRan ? skippedWhy(journal, 'method') : journal.run.length < experiment.method.length ? `${experiment.method.length - journal.run.length} of ${experiment.method.length} did not run.` : '',
        activities: rest(experiment.method, journal.run),
      },
      hypothesis('hypothesis-after', journal.steady_states.after),
      experiment.rollbacks.length === 0
        ? { phase: 'rollbacks', status: 'none', note: 'The experiment declares no rollbacks.', activities: [] }
        : { phase: 'rollbacks', status: journal.rollbacks.some((r) => r.status === 'failed') ? 'failed' : 'done', note: '', activities: rest(experiment.rollbacks, journal.rollbacks) },
    ],
  }
}

function skippedWhy(journal: Journal, phase: ExperimentPhase): string {
  if (journal.status === 'interrupted') return 'Not run: the experiment was stopped first.'
  const before = journal.steady_states.before
  if (before && !before.steady_state_met) return 'Skipped: the steady state was not met before the method.'
  if (phase === 'hypothesis-after' && journal.status === 'failed') return 'Skipped: an action of the method failed.'
  return 'Did not run.'
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** The headline of a run, in a few words, and the tone to show it in. */
export function runHeadline(run: Pick<ExperimentRun, 'status' | 'deviated'>): { label: string; tone: 'ok' | 'bad' | 'warn' | 'busy' } {
  if (run.status === 'running') return { label: 'Running', tone: 'busy' }
  if (run.deviated) return { label: 'Deviated', tone: 'bad' }
  if (run.status === 'completed') return { label: 'Steady state held', tone: 'ok' }
  if (run.status === 'interrupted') return { label: 'Stopped', tone: 'warn' }
  if (run.status === 'aborted') return { label: 'Aborted', tone: 'bad' }
  return { label: 'Failed', tone: 'bad' }
}
