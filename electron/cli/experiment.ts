import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import type { ExperimentProgress, ExperimentRun } from '../core/api'
import { AppError } from '../core/errors'
import { describeExperiment } from '../core/experiments/describe'
import { journalToMarkdown } from '../core/experiments/markdown'
import { ExperimentInvalidError } from '../core/experiments/parse'
import type { Run } from '../core/experiments/journal'
import { readExperiment } from '../core/experiments/service'
import type { CliContext } from './main'

/**
 * `chaos-lab experiment validate <file>`: reads a Chaos Toolkit experiment the way the app's
 * import does, without a VM or a database. Every problem with file:line and a fix; exit 1 if any.
 */
export function experimentValidate(context: CliContext, files: string[]): number {
  if (files.length === 0) throw usage('Name the experiment file to check: chaos-lab experiment validate <file.json|file.yaml>.')
  let failed = 0
  for (const file of files) {
    const path = resolve(file)
    try {
      const view = describeExperiment(readExperiment(path, readText(path)), { id: 0, fileName: basename(path), importedAt: Date.now() })
      const count = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`
      context.out(`ok  ${path}: "${view.title}"`)
      context.out(
        `    ${count(view.hypothesis?.probes.length ?? 0, 'steady-state probe')}, ${count(view.method.length, 'method activity', 'method activities')}, ${count(view.rollbacks.length, 'rollback')}; ` +
          (view.needsVm ? 'runs commands in the lab VM (process providers)' : 'http providers only: runs without the VM'),
      )
    } catch (err) {
      failed++
      if (!(err instanceof ExperimentInvalidError)) throw err
      for (const problem of err.problems) {
        context.err(`${path}${problem.line ? `:${problem.line}` : ''}: error: ${problem.path ? `${problem.path}: ` : ''}${problem.message}`)
        context.err(`  fix: ${problem.fix}`)
      }
      context.out(`FAIL ${path}: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}`)
    }
  }
  return failed > 0 ? 1 : 0
}

/**
 * `chaos-lab experiment run <file> [--journal out.json] [--markdown out.md]`: runs it like the
 * app does (process providers in the running VM, as root; http from here), prints progress to
 * stderr and the result to stdout, and keeps the run in the app's list of past runs. Ctrl+C
 * stops it: the rollbacks still run. Exit 0 only when the steady state held.
 */
export async function experimentRun(context: CliContext, files: string[], options: { journal?: string; markdown?: string }): Promise<number> {
  if (files.length !== 1) throw usage('Name one experiment file: chaos-lab experiment run <file.json|file.yaml> [--journal out.json].')
  const path = resolve(files[0]!)
  const content = readText(path)
  const view = describeExperiment(readExperiment(path, content), { id: 0, fileName: basename(path), importedAt: Date.now() })
  const core = context.createCore('browser')
  let interrupts = 0
  let runId: number | null = null
  const onSigint = (): void => {
    interrupts++
    if (interrupts > 1 || runId === null) process.exit(130)
    context.err('Stopping: the rest of the experiment is skipped, the rollbacks run. (Ctrl+C again quits at once, without them.)')
    core.experiments.stop(runId)
  }
  process.on('SIGINT', onSigint)
  try {
    if (view.needsVm) {
      const status = await core.sandbox.refresh()
      if (status.state !== 'running' || !status.connected) {
        throw new AppError({
          code: 'vm',
          message: `"${view.title}" runs commands in the lab VM, which is not running (it is ${status.state}).`,
          fix: 'Start it from the app\'s VM panel (or run `chaos-lab vm start`), then run the experiment again.',
        })
      }
    }
    const off = core.experiments.onProgress((progress) => context.err(progressLine(progress)))
    let run: ExperimentRun
    try {
      run = await core.experiments.runFile(basename(path), content, (id) => (runId = id))
    } finally {
      off()
    }
    printResult(context, run)
    if (run.journal && options.journal) {
      writeFileSync(resolve(options.journal), `${JSON.stringify(run.journal, null, 2)}\n`)
      context.out(`journal: ${resolve(options.journal)}`)
    }
    if (run.journal && options.markdown) {
      writeFileSync(resolve(options.markdown), journalToMarkdown(run.journal))
      context.out(`report: ${resolve(options.markdown)}`)
    }
    return run.status === 'completed' ? 0 : 1
  } finally {
    process.off('SIGINT', onSigint)
    core.dispose()
  }
}

function readText(path: string): string {
  if (!existsSync(path)) throw new AppError({ code: 'not-found', message: `There is no file at ${path}.`, fix: 'Check the path of the experiment file (JSON or YAML).' })
  if (statSync(path).isDirectory()) throw new AppError({ code: 'bad-request', message: `${path} is a folder.`, fix: 'Name the experiment file itself (JSON or YAML).' })
  return readFileSync(path, 'utf8')
}

function usage(message: string): AppError {
  return new AppError({ code: 'bad-request', message, fix: 'See chaos-lab --help.' })
}

function progressLine(progress: ExperimentProgress): string {
  const time = new Date(progress.at).toTimeString().slice(0, 8)
  switch (progress.kind) {
    case 'phase-started':
    case 'phase-skipped':
    case 'started':
      return `${time} ${progress.text}`
    case 'finished':
      return `${time} ${progress.ok ? 'Done' : 'Ended'}: ${progress.text}`
    case 'activity-finished':
      return `${time}   ${progress.ok ? 'ok  ' : 'FAIL'} ${progress.text}`
    default:
      return `${time}   ${progress.kind === 'hypothesis' ? '' : '...  '}${progress.text}`
  }
}

function printResult(context: CliContext, run: ExperimentRun): void {
  const journal = run.journal
  const headline = run.deviated ? 'DEVIATED' : run.status.toUpperCase()
  const seconds = journal ? ` ${journal.duration.toFixed(1)} s` : ''
  context.out(`${headline}  ${run.title}${seconds}`)
  context.out(`  ${run.outcome}`)
  if (!journal) return
  const line = (phase: string, r: Run): void => {
    const ok = r.status === 'succeeded' && r.tolerance_met !== false
    const why = r['chaos-lab'].reason ?? (r['chaos-lab'].tolerance && !r['chaos-lab'].tolerance.ok ? `expected ${r['chaos-lab'].tolerance.expected}, observed ${r['chaos-lab'].tolerance.observed}` : '')
    context.out(`  ${phase.padEnd(10)} ${ok ? 'ok  ' : 'FAIL'} ${r.activity.type} ${r.activity.name}${why ? `: ${why}` : ''}`)
  }
  for (const r of journal.steady_states.before?.probes ?? []) line('before', r)
  for (const r of journal.run) line('method', r)
  for (const r of journal.steady_states.after?.probes ?? []) line('after', r)
  for (const r of journal.rollbacks) line('rollback', r)
  context.out(`  run #${run.id}, kept with the app's past runs`)
}
