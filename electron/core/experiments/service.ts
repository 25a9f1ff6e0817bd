// Experiments as the app and the CLI use them: import a file (kept in the database, parsed again
// for every run), run one experiment at a time against the lab VM with live progress, stop it
// (the rollbacks still run), and keep every run with its journal so it survives a restart.
//
// Process providers run in the VM as root (experiments change the system: tc, systemctl, kill),
// over the Core's one SSH connection; http providers run from this computer.
import { EXPERIMENT_MAX_CHARS, type ExperimentProgress, type ExperimentRun, type ExperimentRunSummary, type ExperimentView } from '../api'
import { AppError } from '../errors'
import type { ExperimentRepository, ExperimentRow, ExperimentRunRow } from '../store/repositories'
import { Emitter, type Disposer } from '../util/emitter'
import { describeExperiment, needsVm } from './describe'
import type { Journal } from './journal'
import { journalToMarkdown } from './markdown'
import { parseExperiment } from './parse'
import type { ExperimentHost } from './providers'
import { runExperiment, type ExperimentEvent, type Phase } from './runner'
import type { Experiment } from './schema'
import { toleranceMessage } from './tolerance'

export interface ExperimentServiceOptions {
  /** Where process providers run: the VM. */
  host: ExperimentHost
  /** Whether commands can run in the VM now; `reason` says why not, in words. */
  vm: () => { ready: boolean; reason: string }
  /** Whether a process still runs (to tell a crashed run from one another process is running). */
  isAlive?: (pid: number) => boolean
  now?: () => number
}

type ServiceEvents = { progress: ExperimentProgress; changed: undefined }

const PHASE_LABEL: Record<Phase, string> = {
  'hypothesis-before': 'Checking the steady state before the method',
  method: 'Running the method',
  'hypothesis-after': 'Checking the steady state after the method',
  rollbacks: 'Running the rollbacks',
}

export const ORPHAN_OUTCOME = 'Chaos Lab stopped while this experiment was running, so it has no journal and its rollbacks may not have run. Check the VM, or reset it from the Lab VM panel.'

export class ExperimentService {
  private readonly events = new Emitter<ServiceEvents>()
  private active: { runId: number; title: string; controller: AbortController; done: Promise<unknown> } | null = null
  private readonly now: () => number

  constructor(
    private readonly repo: ExperimentRepository,
    private readonly options: ExperimentServiceOptions,
  ) {
    this.now = options.now ?? Date.now
    repo.interruptOrphans(options.isAlive ?? processIsAlive, ORPHAN_OUTCOME, this.now())
  }

  onProgress(listener: (progress: ExperimentProgress) => void): Disposer {
    return this.events.on('progress', listener)
  }

  onChanged(listener: () => void): Disposer {
    return this.events.on('changed', listener)
  }

  /** Parses and keeps an experiment; throws the parser's AppError (file:line and fix for each problem). */
  import(fileName: string, content: string): ExperimentView {
    const experiment = readExperiment(fileName, content)
    const row = this.repo.add(fileName, experiment.title, content, this.now())
    this.events.emit('changed', undefined)
    return this.view(row, experiment)
  }

  list(): { experiments: ExperimentView[]; runs: ExperimentRunSummary[] } {
    const experiments: ExperimentView[] = []
    for (const row of this.repo.list()) {
      try {
        experiments.push(this.view(row, parseExperiment(row.source, row.fileName)))
      } catch {
        // A file a newer parser refuses stays in the database but out of the list; importing
        // it again shows why.
      }
    }
    return { experiments, runs: this.repo.runs().map(summary) }
  }

  remove(id: number): void {
    if (this.repo.remove(id)) this.events.emit('changed', undefined)
    else throw notFound(id)
  }

  /** Runs an imported experiment; resolves with the finished run. */
  run(id: number): Promise<ExperimentRun> {
    const row = this.repo.get(id)
    if (!row) throw notFound(id)
    return this.start(parseExperiment(row.source, row.fileName), row.id)
  }

  /** Runs an experiment from a file without importing it (the CLI); the run is kept all the same. */
  runFile(fileName: string, content: string, onStarted?: (runId: number) => void): Promise<ExperimentRun> {
    return this.start(readExperiment(fileName, content), null, onStarted)
  }

  stop(runId: number): void {
    if (!this.active || this.active.runId !== runId) {
      const run = this.repo.run(runId)
      if (!run) throw new AppError({ code: 'not-found', message: `There is no experiment run #${runId}.`, fix: 'Pick a run from the list of past runs.' })
      if (run.status !== 'running') return // it ended on its own in the meantime: nothing to stop
      throw new AppError({ code: 'bad-request', message: `Run #${runId} is not running in this Chaos Lab window's process.`, fix: 'Stop it where it was started (the other Chaos Lab window, or Ctrl+C in the terminal running the CLI).' })
    }
    this.active.controller.abort()
  }

  result(runId: number): ExperimentRun {
    const run = this.repo.run(runId)
    if (!run) throw new AppError({ code: 'not-found', message: `There is no experiment run #${runId}.`, fix: 'Pick a run from the list of past runs.' })
    return { ...summary(run), journal: (run.journal as Journal | null) ?? null }
  }

  journal(runId: number, format: 'json' | 'markdown'): { fileName: string; content: string } {
    const run = this.result(runId)
    if (!run.journal) {
      throw new AppError({
        code: 'not-found',
        message: run.status === 'running' ? `Run #${runId} has not finished yet, so it has no journal.` : `Run #${runId} has no journal: ${run.outcome}`,
        fix: run.status === 'running' ? 'Wait for the experiment to finish (or stop it), then export again.' : 'Run the experiment again to get a journal.',
      })
    }
    const base = `${slug(run.title)}-run-${run.id}`
    return format === 'json' ? { fileName: `${base}-journal.json`, content: `${JSON.stringify(run.journal, null, 2)}\n` } : { fileName: `${base}-journal.md`, content: journalToMarkdown(run.journal) }
  }

  get running(): { runId: number; title: string } | null {
    return this.active && { runId: this.active.runId, title: this.active.title }
  }

  /** Quitting: stops the run in flight and waits (bounded) for its rollbacks. */
  async shutdown(limitMs: number): Promise<void> {
    const active = this.active
    if (!active) return
    active.controller.abort()
    await Promise.race([active.done.catch(() => undefined), new Promise((r) => setTimeout(r, limitMs).unref?.())])
  }

  dispose(): void {
    this.active?.controller.abort()
  }

  private start(experiment: Experiment, experimentId: number | null, onStarted?: (runId: number) => void): Promise<ExperimentRun> {
    if (this.active) {
      throw new AppError({
        code: 'bad-request',
        message: `Another experiment is running: "${this.active.title}".`,
        fix: 'Wait for it to finish, or stop it, then run this one. One experiment at a time keeps their faults from mixing.',
      })
    }
    if (needsVm(experiment)) {
      const vm = this.options.vm()
      if (!vm.ready) {
        throw new AppError({
          code: 'vm',
          message: `"${experiment.title}" runs commands in the lab VM, and the VM is not ready: ${vm.reason}`,
          fix: 'Start the lab VM (Lab VM panel, Ctrl+Shift+V, or `chaos-lab vm start`), then run the experiment again.',
        })
      }
    }
    const runId = this.repo.startRun(experimentId, experiment.title, experiment, this.now())
    const controller = new AbortController()
    const progress = (event: ExperimentEvent): void => this.events.emit('progress', toProgress(event, runId, experimentId, this.now()))
    const done = (async (): Promise<ExperimentRun> => {
      let journal: Journal
      try {
        journal = await runExperiment(experiment, this.options.host, { signal: controller.signal, onEvent: progress, now: this.now })
      } catch (err) {
        // runExperiment records failures in the journal itself; reaching here is a bug, and the
        // run must still end in the database rather than stay 'running' for ever.
        const outcome = `The experiment stopped on an unexpected error: ${(err as Error).message}`
        this.repo.finishRun(runId, { status: 'aborted', deviated: false, outcome, journal: null, endedAt: this.now() })
        throw err
      } finally {
        this.active = null
      }
      this.repo.finishRun(runId, { status: journal.status, deviated: journal.deviated, outcome: journal['chaos-lab'].outcome, journal, endedAt: Date.parse(journal.end) })
      return this.result(runId)
    })()
    this.active = { runId, title: experiment.title, controller, done }
    const finished = done.finally(() => this.events.emit('changed', undefined))
    this.events.emit('changed', undefined)
    onStarted?.(runId)
    return finished
  }

  private view(row: ExperimentRow, experiment: Experiment): ExperimentView {
    return describeExperiment(experiment, { id: row.id, fileName: row.fileName, importedAt: row.importedAt })
  }
}

/** Size check, then the parser. */
export function readExperiment(fileName: string, content: string): Experiment {
  if (content.length > EXPERIMENT_MAX_CHARS) {
    throw new AppError({
      code: 'lab-invalid',
      message: `${fileName} is ${Math.round(content.length / 1024)} KB; Chaos Lab imports experiments of up to ${EXPERIMENT_MAX_CHARS / 1024} KB.`,
      fix: 'An experiment file is usually a few KB: check that this is the experiment (JSON or YAML), not a journal or a log.',
    })
  }
  if (content.includes('\u0000')) {
    throw new AppError({ code: 'lab-invalid', message: `${fileName} is not a text file.`, fix: 'Pick the experiment file itself: JSON (.json) or YAML (.yaml, .yml).' })
  }
  return parseExperiment(content, fileName)
}

function summary(run: ExperimentRunRow): ExperimentRunSummary {
  return { id: run.id, experimentId: run.experimentId, title: run.title, status: run.status, deviated: run.deviated, outcome: run.outcome, startedAt: run.startedAt, endedAt: run.endedAt }
}

function notFound(id: number): AppError {
  return new AppError({ code: 'not-found', message: `There is no imported experiment #${id}.`, fix: 'Import the experiment file again.' })
}

function toProgress(event: ExperimentEvent, runId: number, experimentId: number | null, at: number): ExperimentProgress {
  const base = { runId, experimentId, phase: null, index: null, name: null, ok: null, detail: null, at }
  switch (event.type) {
    case 'experiment-started':
      return { ...base, kind: 'started', text: `Started "${event.title}"` }
    case 'phase-started':
      return { ...base, kind: 'phase-started', phase: event.phase, text: PHASE_LABEL[event.phase] }
    case 'phase-skipped':
      return { ...base, kind: 'phase-skipped', phase: event.phase, detail: event.reason, text: `${PHASE_LABEL[event.phase]}: skipped, ${event.reason}` }
    case 'pause':
      return { ...base, kind: 'pause', phase: event.phase, index: event.index, name: event.name, text: `Pausing ${event.seconds} s ${event.when} "${event.name}"` }
    case 'activity-started':
      return { ...base, kind: 'activity-started', phase: event.phase, index: event.index, name: event.name, text: `Running the ${event.activityType} "${event.name}"` }
    case 'activity-finished': {
      const run = event.run
      const ok = run.status === 'succeeded' && run.tolerance_met !== false
      const details = run['chaos-lab']
      const why = details.reason ?? (details.tolerance ? toleranceMessage(details.tolerance) : '')
      const verdict = run.status === 'failed' ? 'failed' : run.tolerance_met === false ? 'is out of tolerance' : run.tolerance_met === true ? 'is within tolerance' : 'succeeded'
      return { ...base, kind: 'activity-finished', phase: event.phase, index: event.index, name: event.name, ok, detail: why || null, text: `The ${run.activity.type} "${event.name}" ${verdict}${why ? `: ${why}` : ''}` }
    }
    case 'hypothesis':
      return { ...base, kind: 'hypothesis', phase: event.phase, ok: event.met, text: `Steady state ${event.phase === 'hypothesis-before' ? 'before' : 'after'} the method: ${event.met ? 'met' : 'not met'}` }
    case 'experiment-finished':
      return { ...base, kind: 'finished', ok: event.status === 'completed', text: event.outcome }
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'experiment'
  )
}
