// Runs an experiment the way Chaos Toolkit does, and writes a Chaos Toolkit-style journal:
//
//   1. steady-state hypothesis (before): every probe runs and is checked against its tolerance;
//      if one does not hold, the experiment fails (not deviated) and the method is skipped.
//   2. method: activities in order, with their pauses. An action that fails (non-zero exit,
//      killed at its timeout, HTTP error or wrong expected_status) stops the method and fails
//      the experiment. A probe in the method only observes: its result is recorded, nothing stops.
//   3. steady-state hypothesis (after): if it does not hold, the system deviated (the
//      experiment found a weakness): deviated true, status failed. Skipped when the method failed.
//   4. rollbacks: always, whatever happened above (also after an abort), each one regardless of
//      the others failing, with no abort: they put the VM back.
//
// An abort (options.signal) ends pauses at once, lets the activity in flight finish (a host may
// stop it early), skips what is left of the hypothesis and method, runs the rollbacks, and ends
// with status "interrupted".
import type { Journal, JournalStatus, Phase, Run, SteadyState } from './journal'
import type { Activity, ActivityOutput, Experiment, ProbeTolerance, StaticTolerance, Tolerance } from './schema'
import { runProvider, type ExperimentHost } from './providers'
import { evaluateTolerance, toleranceMessage, type ToleranceResult } from './tolerance'

export type { Journal, JournalStatus, Phase, Run, RunDetails, SteadyState } from './journal'

export type ExperimentEvent =
  | { type: 'experiment-started'; title: string; at: string }
  | { type: 'phase-started'; phase: Phase }
  | { type: 'phase-skipped'; phase: Phase; reason: string }
  | { type: 'pause'; phase: Phase; index: number; name: string; when: 'before' | 'after'; seconds: number }
  | { type: 'activity-started'; phase: Phase; index: number; name: string; activityType: 'probe' | 'action' }
  | { type: 'activity-finished'; phase: Phase; index: number; name: string; run: Run }
  | { type: 'hypothesis'; phase: 'hypothesis-before' | 'hypothesis-after'; met: boolean; state: SteadyState }
  | { type: 'experiment-finished'; status: JournalStatus; deviated: boolean; outcome: string }

export interface RunOptions {
  signal?: AbortSignal
  onEvent?: (event: ExperimentEvent) => void
  /** Milliseconds since the epoch, for journal times (pauses always use real timers). */
  now?: () => number
}

class Interrupted extends Error {}

export async function runExperiment(experiment: Experiment, host: ExperimentHost, options: RunOptions = {}): Promise<Journal> {
  const now = options.now ?? Date.now
  const signal = options.signal
  const emit = (event: ExperimentEvent): void => {
    try {
      options.onEvent?.(event)
    } catch {
      // A listener's bug must not stop an experiment half-way (least of all its rollbacks).
    }
  }
  const started = now()
  const journal: Journal = {
    'chaos-lab': { version: 1, outcome: '' },
    experiment,
    start: iso(started),
    end: iso(started),
    duration: 0,
    status: 'completed',
    deviated: false,
    steady_states: { before: null, after: null, during: [] },
    run: [],
    rollbacks: [],
  }
  emit({ type: 'experiment-started', title: experiment.title, at: journal.start })
  const context: Context = { host, now, emit }
  const hypothesis = experiment['steady-state-hypothesis']
  const hasHypothesis = hypothesis !== undefined && hypothesis.probes.length > 0
  let status: JournalStatus | null = null
  let outcome = ''

  try {
    if (signal?.aborted) throw new Interrupted()

    // 1. Steady state before
    if (hasHypothesis) {
      emit({ type: 'phase-started', phase: 'hypothesis-before' })
      const state = await runHypothesis(hypothesis.probes, 'hypothesis-before', context, signal, (partial) => (journal.steady_states.before = partial))
      emit({ type: 'hypothesis', phase: 'hypothesis-before', met: state.steady_state_met, state })
      if (!state.steady_state_met) {
        status = 'failed'
        outcome = `The steady state was not met before the method, so the method did not run: ${misses(state)}.`
        for (const phase of ['method', 'hypothesis-after'] as const) emit({ type: 'phase-skipped', phase, reason: 'the steady state was not met before the method' })
      }
    } else {
      emit({ type: 'phase-skipped', phase: 'hypothesis-before', reason: 'the experiment has no steady-state hypothesis' })
    }

    // 2. Method
    if (status === null) {
      emit({ type: 'phase-started', phase: 'method' })
      for (const [index, activity] of experiment.method.entries()) {
        if (signal?.aborted) throw new Interrupted()
        const { run, interrupted } = await executeActivity(activity, 'method', index, context, signal)
        if (run) journal.run.push(run)
        if (run && activity.type === 'action' && run.status === 'failed') {
          status = 'failed'
          outcome = `The action "${activity.name}" failed, so the method stopped there: ${run['chaos-lab'].reason}.`
          emit({ type: 'phase-skipped', phase: 'hypothesis-after', reason: `the action "${activity.name}" failed` })
          if (interrupted) throw new Interrupted()
          break
        }
        if (interrupted) throw new Interrupted()
      }
    }

    // 3. Steady state after
    if (status === null) {
      if (hasHypothesis) {
        emit({ type: 'phase-started', phase: 'hypothesis-after' })
        const state = await runHypothesis(hypothesis.probes, 'hypothesis-after', context, signal, (partial) => (journal.steady_states.after = partial))
        emit({ type: 'hypothesis', phase: 'hypothesis-after', met: state.steady_state_met, state })
        if (!state.steady_state_met) {
          status = 'failed'
          journal.deviated = true
          outcome = `The system deviated from its steady state after the method: ${misses(state)}.`
        }
      } else {
        emit({ type: 'phase-skipped', phase: 'hypothesis-after', reason: 'the experiment has no steady-state hypothesis' })
      }
    }
    if (status === null) {
      status = 'completed'
      outcome = hasHypothesis ? 'The steady state held before and after the method.' : 'The method ran to the end (there is no steady-state hypothesis to check).'
    }
  } catch (err) {
    if (err instanceof Interrupted) {
      status = 'interrupted'
      outcome = 'The experiment was stopped before it finished.'
    } else {
      status = 'aborted'
      outcome = `The experiment stopped on an unexpected error: ${(err as Error).message}`
    }
  }

  // 4. Rollbacks: always, each one whatever the others do, and never aborted.
  if (experiment.rollbacks.length > 0) {
    emit({ type: 'phase-started', phase: 'rollbacks' })
    for (const [index, activity] of experiment.rollbacks.entries()) {
      try {
        const { run } = await executeActivity(activity, 'rollbacks', index, context, undefined)
        if (run) journal.rollbacks.push(run)
      } catch (err) {
        // executeActivity records failures itself; this is a bug, but the next rollback still runs.
        journal.rollbacks.push(brokenRun(activity, err, now))
      }
    }
    const failed = journal.rollbacks.filter((r) => r.status === 'failed')
    if (failed.length > 0) {
      outcome += ` ${failed.length === 1 ? 'A rollback' : `${failed.length} rollbacks`} failed (${failed.map((r) => `"${r.activity.name}"`).join(', ')}): the VM may not be back to normal.`
    }
  }

  const ended = now()
  journal.status = status
  journal['chaos-lab'].outcome = outcome.trim()
  journal.end = iso(ended)
  journal.duration = (ended - started) / 1000
  emit({ type: 'experiment-finished', status, deviated: journal.deviated, outcome: journal['chaos-lab'].outcome })
  return journal
}

interface Context {
  host: ExperimentHost
  now: () => number
  emit: (event: ExperimentEvent) => void
}

async function runHypothesis(
  probes: Activity[],
  phase: 'hypothesis-before' | 'hypothesis-after',
  context: Context,
  signal: AbortSignal | undefined,
  record: (state: SteadyState) => void,
): Promise<SteadyState> {
  const state: SteadyState = { steady_state_met: false, probes: [] }
  record(state)
  // Every probe runs (Chaos Toolkit stops at the first miss): the whole picture teaches more.
  for (const [index, probe] of probes.entries()) {
    if (signal?.aborted) throw new Interrupted()
    const { run, interrupted } = await executeActivity(probe, phase, index, context, signal)
    if (run) state.probes.push(run)
    if (interrupted) throw new Interrupted()
  }
  state.steady_state_met = state.probes.every((run) => run.status === 'succeeded' && run.tolerance_met === true)
  return state
}

/**
 * Runs one activity with its pauses. `run` is null when an abort came during the pause before
 * (the activity never started); `interrupted` says the caller should stop after it.
 */
async function executeActivity(activity: Activity, phase: Phase, index: number, context: Context, signal: AbortSignal | undefined): Promise<{ run: Run | null; interrupted: boolean }> {
  const { emit, now, host } = context
  const before = activity.pauses?.before ?? 0
  if (before > 0) {
    emit({ type: 'pause', phase, index, name: activity.name, when: 'before', seconds: before })
    if (!(await pause(before, signal))) return { run: null, interrupted: true }
  }
  emit({ type: 'activity-started', phase, index, name: activity.name, activityType: activity.type })
  const start = now()
  const result = await runProvider(activity.provider, host, { signal })
  let status: Run['status'] = 'succeeded'
  let reason: string | undefined
  let tolerance: ToleranceResult | undefined

  if (result.failure !== null) {
    status = 'failed'
    reason = result.failure
  } else if (result.output) {
    const output = result.output
    const expectedStatus = activity.provider.type === 'http' ? activity.provider.expected_status : undefined
    if ('body' in output && expectedStatus !== undefined && output.status !== expectedStatus) {
      status = 'failed'
      reason = `expected HTTP status ${expectedStatus}, got ${output.status}`
    } else if (activity.type === 'action') {
      if ('stdout' in output && output.status !== 0) {
        status = 'failed'
        reason = `the command exited with status ${output.status}${lastLine(output.stderr) ? `: ${lastLine(output.stderr)}` : ''}`
      } else if ('body' in output && expectedStatus === undefined && output.status >= 400) {
        status = 'failed'
        reason = `the service answered HTTP status ${output.status}`
      }
    } else if (activity.tolerance !== undefined) {
      tolerance = await checkTolerance(activity.tolerance, output, context, signal)
    }
  }
  const end = now()
  const run: Run = {
    activity,
    status,
    output: result.output,
    start: iso(start),
    end: iso(end),
    duration: (end - start) / 1000,
    'chaos-lab': { phase, invocation: result.invocation },
  }
  if (reason !== undefined) {
    run.exception = [`chaoslab.ActivityFailed: ${reason}`]
    run['chaos-lab'].reason = reason
  }
  if (activity.type === 'probe' && activity.tolerance !== undefined) {
    run.tolerance_met = status === 'succeeded' && tolerance?.ok === true
    if (tolerance) run['chaos-lab'].tolerance = tolerance
  }
  emit({ type: 'activity-finished', phase, index, name: activity.name, run })

  const after = activity.pauses?.after ?? 0
  if (after > 0) {
    emit({ type: 'pause', phase, index, name: activity.name, when: 'after', seconds: after })
    if (!(await pause(after, signal))) return { run, interrupted: true }
  }
  return { run, interrupted: signal?.aborted === true }
}

async function checkTolerance(tolerance: Tolerance, output: ActivityOutput, context: Context, signal: AbortSignal | undefined): Promise<ToleranceResult> {
  if (typeof tolerance === 'object' && !Array.isArray(tolerance) && tolerance.type === 'probe') return probeTolerance(tolerance, output, context, signal)
  return evaluateTolerance(tolerance as StaticTolerance, output)
}

/**
 * A probe as a tolerance holds when it runs successfully: a process exits 0, a request gets a
 * status below 400 (or its expected_status). A process gets the checked output as JSON in
 * $CHAOS_LAB_VALUE.
 */
async function probeTolerance(tolerance: ProbeTolerance, output: ActivityOutput, context: Context, signal: AbortSignal | undefined): Promise<ToleranceResult> {
  const expected = `the probe "${tolerance.name}" to succeed`
  const result = await runProvider(tolerance.provider, context.host, { signal, env: { CHAOS_LAB_VALUE: JSON.stringify(output) } })
  if (result.failure !== null || !result.output) return { ok: false, expected, observed: result.failure ?? 'no output' }
  const checked = result.output
  if ('stdout' in checked) {
    const detail = lastLine(checked.stdout) || lastLine(checked.stderr)
    return { ok: checked.status === 0, expected, observed: `exit status ${checked.status}${detail ? ` (${detail})` : ''}` }
  }
  const wanted = tolerance.provider.type === 'http' ? tolerance.provider.expected_status : undefined
  return { ok: wanted === undefined ? checked.status < 400 : checked.status === wanted, expected, observed: `HTTP status ${checked.status}` }
}

/** Waits `seconds`; false when the signal aborted the wait. */
function pause(seconds: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false)
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      resolve(false)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve(true)
    }, seconds * 1000)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

function misses(state: SteadyState): string {
  const missed = state.probes.filter((run) => run.status === 'failed' || run.tolerance_met === false)
  return missed
    .map((run) => {
      const detail = run['chaos-lab'].tolerance && run.status === 'succeeded' ? toleranceMessage(run['chaos-lab'].tolerance) : run['chaos-lab'].reason
      return `probe "${run.activity.name}" ${detail ?? 'did not hold'}`
    })
    .join('; ')
}

function brokenRun(activity: Activity, err: unknown, now: () => number): Run {
  const at = iso(now())
  const reason = `it could not be run: ${(err as Error).message}`
  return { activity, status: 'failed', output: null, start: at, end: at, duration: 0, exception: [`chaoslab.ActivityFailed: ${reason}`], 'chaos-lab': { phase: 'rollbacks', invocation: '', reason } }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n')
  const line = lines[lines.length - 1]?.trim() ?? ''
  return line.length > 200 ? `${line.slice(0, 200)}…` : line
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}
