// An experiment as the learner reads it before running it: for each activity, what runs (the
// command line or the request) and, for probes, what "normal" means in words.
import type { ExperimentActivityView, ExperimentView } from '../api'
import { DEFAULT_HTTP_TIMEOUT_S, DEFAULT_PROCESS_TIMEOUT_S, processCommand } from './providers'
import type { Activity, Experiment, Provider, Tolerance } from './schema'
import { quote } from './tolerance'

export function describeExperiment(experiment: Experiment, meta: { id: number; fileName: string; importedAt: number }): ExperimentView {
  const hypothesis = experiment['steady-state-hypothesis']
  return {
    ...meta,
    title: experiment.title,
    description: experiment.description?.trim() || null,
    hypothesis: hypothesis && hypothesis.probes.length > 0 ? { title: hypothesis.title, probes: hypothesis.probes.map(describeActivity) } : null,
    method: experiment.method.map(describeActivity),
    rollbacks: experiment.rollbacks.map(describeActivity),
    needsVm: needsVm(experiment),
  }
}

/** Whether any activity (or a probe used as a tolerance) runs a process in the VM. */
export function needsVm(experiment: Experiment): boolean {
  const activities = [...(experiment['steady-state-hypothesis']?.probes ?? []), ...experiment.method, ...experiment.rollbacks]
  return activities.some((a) => a.provider.type === 'process' || (a.type === 'probe' && isProbeTolerance(a.tolerance) && a.tolerance.provider.type === 'process'))
}

export function describeActivity(activity: Activity): ExperimentActivityView {
  const provider = activity.provider
  return {
    name: activity.name,
    type: activity.type,
    provider: provider.type,
    invocation: invocation(provider),
    tolerance: activity.type === 'probe' && activity.tolerance !== undefined ? describeTolerance(activity.tolerance, provider.type) : null,
    pauseBefore: activity.pauses?.before ?? 0,
    pauseAfter: activity.pauses?.after ?? 0,
    timeoutSeconds: timeoutSeconds(provider),
  }
}

function invocation(provider: Provider): string {
  return provider.type === 'process' ? processCommand(provider) : `${(provider.method ?? 'GET').toUpperCase()} ${provider.url}`
}

function timeoutSeconds(provider: Provider): number {
  if (provider.type === 'process') return provider.timeout ?? DEFAULT_PROCESS_TIMEOUT_S
  const t = provider.timeout
  return Array.isArray(t) ? t[0] + t[1] : (t ?? DEFAULT_HTTP_TIMEOUT_S)
}

function isProbeTolerance(tolerance: Tolerance | undefined): tolerance is Extract<Tolerance, { type: 'probe' }> {
  return typeof tolerance === 'object' && tolerance !== null && !Array.isArray(tolerance) && tolerance.type === 'probe'
}

/** What a tolerance accepts, in the words the runner uses for "expected" once it ran. */
export function describeTolerance(tolerance: Tolerance, providerType: Provider['type']): string {
  const process = providerType === 'process'
  const text = process ? 'stdout' : 'the body'
  if (typeof tolerance === 'number') return process ? `exit status ${tolerance}` : `HTTP status ${tolerance}`
  if (typeof tolerance === 'boolean') {
    if (process) return tolerance ? 'the command succeeds (exit status 0)' : 'the command fails (a non-zero exit status)'
    return tolerance ? 'a successful HTTP status (below 400)' : 'an HTTP error status (400 or above)'
  }
  if (typeof tolerance === 'string') return `${text} is ${quote(tolerance)}`
  if (Array.isArray(tolerance)) return process ? `stdout is a number from ${tolerance[0]} to ${tolerance[1]}` : `HTTP status from ${tolerance[0]} to ${tolerance[1]}`
  const target = (name: string | undefined, fallback: string): string => (name === undefined ? fallback : name === 'body' ? 'the body' : name === 'status' ? (process ? 'the exit status' : 'the HTTP status') : name)
  switch (tolerance.type) {
    case 'regex':
      return `${target(tolerance.target, text)} matches /${tolerance.pattern}/`
    case 'range':
      return `${target(tolerance.target, process ? 'stdout' : 'the HTTP status')} is from ${tolerance.range[0]} to ${tolerance.range[1]}`
    case 'jsonpath': {
      const where = `${tolerance.path} in ${target(tolerance.target, text)}`
      if (tolerance.expect !== undefined) return `${where} is ${JSON.stringify(tolerance.expect)}`
      if (tolerance.count !== undefined) return `${where} matches ${tolerance.count} ${tolerance.count === 1 ? 'value' : 'values'}`
      return `${where} matches something`
    }
    case 'probe':
      return `the probe "${tolerance.name}" succeeds (${invocation(tolerance.provider)})`
  }
}
