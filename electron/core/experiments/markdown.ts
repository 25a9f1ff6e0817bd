// A journal as a report a person reads: the outcome first, then the steady state before, the
// method as a timeline, the steady state after, and the rollbacks, each activity with what it
// ran, how long it took and, for probes, what was expected and what was observed.
import type { Journal, Run, SteadyState } from './journal'
import { toleranceMessage } from './tolerance'

export function journalToMarkdown(journal: Journal): string {
  const experiment = journal.experiment
  const hypothesis = experiment['steady-state-hypothesis']
  const lines: string[] = []
  lines.push(`# Experiment: ${inline(experiment.title)}`, '')
  if (experiment.description) lines.push(inline(experiment.description), '')
  lines.push(`**Result: ${statusHeadline(journal)}**`, '')
  if (journal['chaos-lab'].outcome) lines.push(journal['chaos-lab'].outcome, '')
  lines.push(
    `- Status: ${journal.status}`,
    `- Deviated: ${journal.deviated ? 'yes' : 'no'}`,
    `- Started: ${journal.start}`,
    `- Ended: ${journal.end}`,
    `- Duration: ${seconds(journal.duration)}`,
    '',
  )

  lines.push('## Steady-state hypothesis before the method', '')
  if (!hypothesis || hypothesis.probes.length === 0) lines.push('The experiment has no steady-state hypothesis.', '')
  else lines.push(...steadyState(hypothesis.title, hypothesis.probes.length, journal.steady_states.before, 'Not checked: the experiment was stopped first.'))

  lines.push('## Method', '')
  if (journal.run.length === 0) {
    const before = journal.steady_states.before
    lines.push(
      before && !before.steady_state_met && journal.status === 'failed'
        ? 'Skipped: the steady state was not met before the method.'
        : journal.status === 'interrupted'
          ? 'Not run: the experiment was stopped first.'
          : 'Nothing ran.',
      '',
    )
  } else {
    journal.run.forEach((run, i) => lines.push(...activity(run, `${i + 1}.`)))
    const notRun = experiment.method.length - journal.run.length
    if (notRun > 0) lines.push('', `${notRun} more ${notRun === 1 ? 'activity' : 'activities'} of the method did not run.`)
    lines.push('')
  }

  lines.push('## Steady-state hypothesis after the method', '')
  if (!hypothesis || hypothesis.probes.length === 0) lines.push('The experiment has no steady-state hypothesis.', '')
  else if (journal.steady_states.after) lines.push(...steadyState(hypothesis.title, hypothesis.probes.length, journal.steady_states.after, ''))
  else lines.push(afterSkipped(journal), '')

  lines.push('## Rollbacks', '')
  if (journal.rollbacks.length === 0) lines.push(experiment.rollbacks.length === 0 ? 'The experiment declares no rollbacks.' : 'No rollback ran.', '')
  else {
    journal.rollbacks.forEach((run, i) => lines.push(...activity(run, `${i + 1}.`)))
    lines.push('')
  }
  return `${lines.join('\n').trimEnd()}\n`
}

function statusHeadline(journal: Journal): string {
  if (journal.deviated) return 'deviated: the steady state did not hold after the method, a weakness was found'
  switch (journal.status) {
    case 'completed':
      return 'completed: the steady state held'
    case 'failed':
      return 'failed'
    case 'interrupted':
      return 'interrupted: the experiment was stopped'
    case 'aborted':
      return 'aborted: the experiment stopped on an error'
  }
}

function afterSkipped(journal: Journal): string {
  if (journal.status === 'interrupted') return 'Not checked: the experiment was stopped first.'
  const before = journal.steady_states.before
  if (before && !before.steady_state_met) return 'Skipped: the steady state was not met before the method.'
  if (journal.status === 'failed') return 'Skipped: the method did not complete (an action failed).'
  return 'Not checked.'
}

function steadyState(title: string, probes: number, state: SteadyState | null, missing: string): string[] {
  if (!state) return [missing, '']
  const verdict = state.steady_state_met ? '**met**' : state.probes.length < probes ? '**not finished**: the experiment was stopped during the check' : '**not met**'
  const lines = [`*${inline(title)}*: ${verdict}`, '']
  state.probes.forEach((run) => lines.push(...activity(run, '-')))
  lines.push('')
  return lines
}

function activity(run: Run, bullet: string): string[] {
  const details = run['chaos-lab']
  const ok = run.status === 'succeeded' && run.tolerance_met !== false
  const verdict = run.status === 'failed' ? 'failed' : run.tolerance_met === false ? 'out of tolerance' : run.tolerance_met === true ? 'within tolerance' : 'succeeded'
  const provider = run.activity.provider.type
  const lines = [`${bullet} ${ok ? '✅' : '❌'} ${run.activity.type} **${inline(run.activity.name)}** — ${verdict} in ${seconds(run.duration)}`]
  const indent = ' '.repeat(bullet.length + 1)
  if (details.invocation) lines.push(`${indent}- ${provider === 'process' ? 'ran' : 'requested'}: ${code(details.invocation)}`)
  if (details.tolerance) lines.push(`${indent}- ${toleranceMessage(details.tolerance)}`)
  if (details.reason) lines.push(`${indent}- why: ${inline(details.reason)}`)
  const output = run.output
  if (output && 'stdout' in output && (run.status === 'failed' || details.tolerance?.ok === false)) {
    if (output.status !== null && run.status === 'failed') lines.push(`${indent}- exit status: ${output.status}`)
    if (output.stdout.trim()) lines.push(`${indent}- stdout: ${code(tail(output.stdout))}`)
    if (output.stderr.trim()) lines.push(`${indent}- stderr: ${code(tail(output.stderr))}`)
  } else if (output && 'body' in output && (run.status === 'failed' || details.tolerance?.ok === false)) {
    if (run.status === 'failed') lines.push(`${indent}- HTTP status: ${output.status}`)
    const body = typeof output.body === 'string' ? output.body : JSON.stringify(output.body)
    if (body && body.trim()) lines.push(`${indent}- body: ${code(tail(body))}`)
  }
  return lines
}

function tail(text: string): string {
  const flat = text.trim().split('\n').slice(-3).join(' ⏎ ')
  return flat.length > 300 ? `…${flat.slice(-300)}` : flat
}

function code(text: string): string {
  const ticks = text.includes('`') ? '``' : '`'
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : ''
  return `${ticks}${pad}${text}${pad}${ticks}`
}

function inline(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/([*_[\]<>])/g, '\\$1')
}

function seconds(value: number): string {
  return value < 10 ? `${value.toFixed(2)} s` : `${value.toFixed(1)} s`
}
