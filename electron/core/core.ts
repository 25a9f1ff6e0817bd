// The core: composes the services and exposes them through the API contract. Both shells
// (Electron main and the browser host) create exactly one Core and forward calls and events;
// neither holds any logic of its own.
import { join } from 'node:path'
import { apiEvents, type ApiEvent, type CheckResult, type ApiHandlers, type AppInfo, type EventName, type EventPayload, type LabDetail, type LabSummary, type LabStatus } from './api'
import { dispatch } from './dispatch'
import { AppError, type Envelope } from './errors'
import { loadLabs, type LoadedLab, type LoadResult } from './labs/loader'
import type { Sandbox } from './sandbox/backend'
import { VagrantSandbox } from './sandbox/vagrantSandbox'
import { TerminalManager } from './terminal/manager'
import { LabRuntime } from './labs/runtime'
import { FaultLedger } from './safety/ledger'
import { DATABASE_FILE, openDatabase, type Db } from './store/database'
import { JournalRepository, MetricSamplesRepository, ProgressRepository, SettingsRepository } from './store/repositories'
import { journalHtml, journalMarkdown } from './labs/journal'
import { Emitter, type Disposer } from './util/emitter'
import { ExperimentService } from './experiments/service'
import { LabPacks } from './labs/packs'
import { ExperimentRepository, LabPackRepository } from './store/repositories'
import { MetricsService, type AnnotationKind } from './metrics/service'
import { BrowserService } from './browser/service'
import { localBrowserSources, vmBrowserSources, type BrowserTestTarget } from './browser/sources'

export interface CoreOptions {
  host: AppInfo['host']
  version: string
  /** The user data folder: database, VM state, logs. */
  dataDir: string
  /** Folders of labs: the app's own labs/ first, then any packs the user added. */
  labRoots: string[]
  /** The app's vagrant/ folder (Vagrantfile and provisioning). */
  vagrantDir: string
  /** Overrides for tests and CI (e.g. CHAOS_LAB_BOX=ci). */
  vagrantEnv?: Record<string, string>
  /** Where Vagrant keeps the machine's state; default <dataDir>/vm/.vagrant. */
  vagrantDotfilePath?: string
  /**
   * Tests only: the Browser pane shows this local web server instead of the lab's web UI in the
   * VM, injects the *.js of a local folder and writes the page state to a local folder.
   */
  browserTestTarget?: BrowserTestTarget
}

type CoreEvents = { [E in EventName]: EventPayload<E> }

export class Core {
  readonly db: Db
  private readonly settings: SettingsRepository
  private readonly progress: ProgressRepository
  readonly sandbox: Sandbox
  readonly terminals: TerminalManager
  readonly ledger: FaultLedger
  readonly runtime: LabRuntime
  /** Imported Chaos Toolkit experiments and their runs. */
  readonly experiments: ExperimentService
  private readonly packs: LabPacks
  readonly metrics: MetricsService
  readonly browser: BrowserService
  private readonly journal: JournalRepository
  private readonly lastCheck = new Map<string, boolean>()
  /** The step each lab last showed, for step-started marks on the charts. */
  private readonly stepShown = new Map<string, string>()
  private readonly events = new Emitter<CoreEvents>()
  private readonly disposers: Disposer[] = []
  private catalogue: LoadResult | null = null
  readonly handlers: ApiHandlers

  constructor(private readonly options: CoreOptions) {
    this.db = openDatabase(join(options.dataDir, DATABASE_FILE))
    this.settings = new SettingsRepository(this.db)
    this.progress = new ProgressRepository(this.db)
    this.journal = new JournalRepository(this.db)
    this.sandbox = new VagrantSandbox({
      environment: {
        vagrantDir: options.vagrantDir,
        dotfilePath: options.vagrantDotfilePath ?? join(options.dataDir, 'vm', '.vagrant'),
        env: options.vagrantEnv,
      },
      stateDir: join(options.dataDir, 'vm'),
      settings: () => this.settings.get(),
    })
    this.terminals = new TerminalManager(this.sandbox.ssh)
    this.ledger = new FaultLedger(this.sandbox.ssh)
    this.runtime = new LabRuntime(this.sandbox.ssh, this.ledger)
    this.packs = new LabPacks(new LabPackRepository(this.db), options.labRoots)
    this.experiments = new ExperimentService(new ExperimentRepository(this.db), {
      host: { exec: (command, opts) => this.sandbox.ssh.exec(command, { user: 'root', timeoutMs: opts?.timeoutMs }) },
      vm: () => this.vmReadiness(),
    })
    const samples = new MetricSamplesRepository(this.db)
    samples.pruneOlderThan(14 * 24 * 3_600_000)
    this.metrics = new MetricsService(this.sandbox.ssh, { samples })
    this.browser = new BrowserService(options.browserTestTarget ? localBrowserSources(options.browserTestTarget) : vmBrowserSources(this.sandbox.ssh), () => this.ledger.current.map((e) => e.id))
    this.disposers.push(
      this.runtime.on('check', (result) => {
        this.recordCheck(result)
        this.events.emit('lab:check', result)
      }),
      this.runtime.on('phase', (phase) => this.events.emit('lab:phase', phase)),
      this.ledger.onChanged((entries) => this.events.emit('faults:changed', { entries })),
      this.ledger.onRevertedInVm(({ at, reason, reverted }) => {
        const known = new Map(this.ledger.current.map((e) => [e.id, e.label]))
        this.events.emit('faults:reverted-in-vm', { at, reason, labels: reverted.map((id) => known.get(id) ?? id) })
        for (const id of reverted) this.timeline(id.split(':')[0] ?? null, 'fault-reverted', { id, byVm: true })
      }),
      // After (re)connecting, the VM's ledger is the truth: the agent may have reverted on its own.
      this.sandbox.ssh.onDidChangeState((state) => state === 'connected' && void this.ledger.refresh().catch(() => undefined)),
      this.sandbox.onDidChangeStatus((status) => this.events.emit('vm:state-changed', status)),
      this.sandbox.onLog((lines) => this.events.emit('vm:log', { lines })),
      this.terminals.onData((event) => this.events.emit('terminal:data', event)),
      this.terminals.onChanged((event) => this.events.emit('terminal:changed', event)),
      this.experiments.onProgress((progress) => this.events.emit('experiments:progress', progress)),
      this.experiments.onChanged(() => this.events.emit('experiments:changed', undefined)),
      this.metrics.onSample((sample) => this.events.emit('metrics:sample', sample)),
      this.metrics.onStatus((status) => this.events.emit('metrics:status', status)),
      this.metrics.onAnnotation((annotation) => this.events.emit('metrics:annotation', annotation)),
      this.browser.onPage((update) => {
        this.events.emit('browser:page', update)
        this.metrics.pageRequests(update.labId, update.events.flatMap((e) => (e.kind === 'request' ? [e] : [])))
      }),
      this.ledger.onChanged((entries) => this.browser.faultsChanged(entries.map((e) => e.id))),
    )
    this.handlers = this.createHandlers()
  }

  /** The single entry point for every transport. */
  call(method: unknown, input: unknown): Promise<Envelope<unknown>> {
    return dispatch(this.handlers, method, input)
  }

  /** Subscribe to every event, in the wire shape the transports forward. */
  onEvent(listener: (event: ApiEvent) => void): Disposer {
    const names = Object.keys(apiEvents) as EventName[]
    const disposers = names.map((name) => this.events.on(name, (payload) => listener({ name, payload } as ApiEvent)))
    return () => disposers.forEach((d) => d())
  }

  /** Kick off slow background work (the first VM status) without delaying start-up. */
  start(): void {
    void this.sandbox.refresh()
    this.metrics.start()
  }

  /**
   * Quitting: every fault still injected is reverted first (bounded, so a dead VM cannot hold
   * the quit hostage; the guest agent's dead-man's switch covers whatever this misses).
   */
  async shutdown(limitMs = 15_000): Promise<void> {
    // An experiment in flight is stopped first: its rollbacks run while the VM is still there.
    await this.experiments.shutdown(limitMs)
    if (this.sandbox.ssh.state === 'connected' && this.ledger.current.length > 0) {
      await Promise.race([this.ledger.haltAll('Chaos Lab is quitting').catch(() => undefined), new Promise((r) => setTimeout(r, limitMs))])
    }
    this.dispose()
  }

  dispose(): void {
    this.disposers.splice(0).forEach((d) => d())
    this.experiments.dispose()
    this.terminals.dispose()
    this.runtime.dispose()
    this.metrics.dispose()
    void this.browser.dispose()
    this.ledger.dispose()
    this.sandbox.dispose()
    this.db.close()
  }

  /**
   * Step progress from check results: the first pass marks the step done; a check that starts
   * failing counts as one failed attempt (not every continuous re-run of it).
   */
  private recordCheck(result: CheckResult): void {
    const key = `${result.labId}:${result.stepId}`
    const before = this.lastCheck.get(key)
    this.lastCheck.set(key, result.passingNow)
    if (result.passed) {
      if (this.journal.markDone(result.labId, result.stepId, 'passed', result.at)) {
        this.timeline(result.labId, 'step-passed', { stepId: result.stepId, message: result.message }, result.at)
        this.events.emit('progress:changed', { labId: result.labId })
      }
    } else if (!result.passingNow && before !== false) {
      this.journal.failedCheck(result.labId, result.stepId)
      this.timeline(result.labId, 'check-failed', { stepId: result.stepId, message: result.message }, result.at)
    }
  }

  /**
   * One moment of a lab's story: recorded for the journal and marked on every chart. The label
   * is what a chart's marker says, in the learner's words for the lab (titles, not ids).
   */
  private timeline(labId: string | null, kind: AnnotationKind, data: Record<string, unknown>, at = Date.now()): void {
    this.progress.recordEvent(labId, kind === 'halt' ? 'halt-all' : kind, data, at)
    const lab = labId ? this.labs().labs.find((l) => l.manifest.id === labId) : undefined
    const step = typeof data['stepId'] === 'string' ? lab?.manifest.steps.find((s) => s.id === data['stepId']) : undefined
    const faultId = typeof data['faultId'] === 'string' ? data['faultId'] : typeof data['id'] === 'string' ? data['id'].split(':').slice(1).join(':') : undefined
    const fault = faultId ? lab?.manifest.faults.find((f) => f.id === faultId) : undefined
    const what = fault?.title ?? faultId ?? step?.title ?? String(data['stepId'] ?? '')
    const label: Record<AnnotationKind, string> = {
      'fault-injected': `Injected: ${what}`,
      'fault-reverted': data['byVm'] ? `Reverted by the VM: ${what}` : `Reverted: ${what}`,
      halt: 'Halt: every fault reverted',
      'step-started': `Step: ${what}`,
      'step-passed': `Passed: ${what}`,
      'step-skipped': `Skipped: ${what}`,
      'check-failed': `Check failed: ${what}`,
    }
    this.metrics.annotate({ at, kind, label: label[kind], labId })
  }

  /** The labs that loaded (for the CLI's content tests). */
  loadedLabs(): LoadedLab[] {
    return this.labs().labs
  }

  private labs(): LoadResult {
    this.catalogue ??= loadLabs(this.packs.roots())
    return this.catalogue
  }

  private findLab(id: string): LoadedLab {
    const lab = this.labs().labs.find((l) => l.manifest.id === id)
    if (!lab) {
      throw new AppError({ code: 'not-found', message: `There is no lab called "${id}".`, fix: 'Go back to the catalogue and pick a lab from the list.' })
    }
    return lab
  }

  private summarize(lab: LoadedLab, status: LabStatus): LabSummary {
    const m = lab.manifest
    return {
      id: m.id,
      title: m.title,
      source: m.source === 'book' ? (m.chapter ? `Book ch. ${m.chapter}` : 'Book') : m.source === 'workshop' ? 'Workshop' : 'Chaos Lab',
      chapter: m.chapter ?? null,
      topic: m.topic,
      summary: m.summary,
      minutes: m.minutes,
      requires: m.requires,
      stepCount: lab.steps.length,
      status,
      root: lab.root,
    }
  }

  private createHandlers(): ApiHandlers {
    return {
      'app:info': async () => ({
        name: 'Chaos Lab',
        version: this.options.version,
        host: this.options.host,
        dataDir: this.options.dataDir,
        labRoots: this.packs.roots(),
      }),
      'labs:list': async () => {
        const { labs, problems } = this.labs()
        const statuses = this.progress.statuses()
        return { labs: labs.map((lab) => this.summarize(lab, statuses.get(lab.manifest.id) ?? 'new')), problems }
      },
      'labs:open': async ({ id }): Promise<LabDetail> => {
        const lab = this.findLab(id)
        let status = this.progress.statuses().get(id) ?? 'new'
        this.progress.recordEvent(id, 'lab-opened')
        if (status === 'new') {
          status = 'in-progress'
          this.progress.setStatus(id, status)
          this.events.emit('progress:changed', { labId: id })
        }
        const browser = lab.manifest.browser ? { port: lab.manifest.browser.port, path: lab.manifest.browser.path } : null
        return { ...this.summarize(lab, status), steps: lab.steps, faults: lab.manifest.faults.map(({ id, title, target }) => ({ id, title, target })), browser }
      },
      'labs:set-status': async ({ id, status }) => {
        const lab = this.findLab(id)
        this.progress.setStatus(id, status)
        this.events.emit('progress:changed', { labId: id })
        return this.summarize(lab, status)
      },
      'settings:get': async () => this.settings.get(),
      'settings:update': async (patch) => {
        const settings = this.settings.update(patch)
        this.events.emit('settings:changed', settings)
        return settings
      },
      'vm:status': async () => this.sandbox.current,
      'vm:preflight': () => this.sandbox.preflight(),
      'vm:start': () => this.sandbox.start(),
      'vm:stop': () => this.sandbox.stop(),
      'vm:reset': () => this.sandbox.reset(),
      'vm:destroy': () => this.sandbox.destroy(),
      'vm:log': async () => ({ lines: this.sandbox.recentLog() }),
      'terminal:open': (options) => this.terminals.open(options),
      'terminal:list': async () => this.terminals.list(),
      'terminal:attach': ({ id }) => this.terminals.attach(id),
      'terminal:input': async ({ id, data }) => (this.terminals.input(id, data), null),
      'terminal:resize': async ({ id, cols, rows }) => (this.terminals.resize(id, cols, rows), null),
      'terminal:ack': async ({ id, chars }) => (this.terminals.acknowledge(id, chars), null),
      'terminal:rename': async ({ id, title }) => this.terminals.rename(id, title),
      'terminal:close': async ({ id }) => (this.terminals.close(id), null),
      'lab:setup': async ({ id }) => (await this.runtime.setup(this.findLab(id)), null),
      'lab:cleanup': async ({ id }) => (await this.runtime.cleanup(this.findLab(id)), null),
      'lab:leave': async ({ id }) => {
        await this.runtime.leave(this.findLab(id))
        await this.browser.close(id)
        return null
      },
      'lab:check': ({ labId, stepId }) => this.runtime.check(this.findLab(labId), stepId),
      'lab:watch': async ({ labId, stepId }) => {
        if (stepId === null) this.runtime.unwatch()
        else this.runtime.watch(this.findLab(labId), stepId)
        // Re-watching after a reconnect is not a new step: mark only a change of step.
        if (stepId !== null && this.stepShown.get(labId) !== stepId) {
          this.stepShown.set(labId, stepId)
          this.timeline(labId, 'step-started', { stepId })
        }
        return null
      },
      'lab:solve': async ({ labId, stepId }) => {
        await this.runtime.solve(this.findLab(labId), stepId)
        // A solve may change what the page gets injected: show the result at once.
        this.browser.reload(labId)
        if (this.journal.markDone(labId, stepId, 'skipped')) this.timeline(labId, 'step-skipped', { stepId })
        this.events.emit('progress:changed', { labId })
        return null
      },
      'lab:progress': async ({ id }) => (this.findLab(id), { steps: this.journal.steps(id) }),
      'lab:predict': async ({ labId, stepId, text }) => {
        this.findLab(labId)
        this.journal.predict(labId, stepId, text)
        this.progress.recordEvent(labId, 'prediction', { stepId, text })
        this.events.emit('progress:changed', { labId })
        return null
      },
      'lab:journal': async ({ id, format }) => {
        const lab = this.findLab(id)
        const timeline = this.journal.timeline(id)
        // The charts over this sitting: from the first thing recorded for the lab, at most the hour the buffers hold.
        const charts = this.metrics.journalCharts(lab, timeline[0]?.at ?? Date.now() - 3_600_000)
        const input = { lab, steps: this.journal.steps(id), timeline, generatedAt: Date.now(), charts }
        return format === 'markdown' ? { fileName: `${id}-journal.md`, content: journalMarkdown(input) } : { fileName: `${id}-journal.html`, content: journalHtml(input) }
      },
      'metrics:snapshot': async ({ labId }) => this.metrics.snapshot(labId === null ? null : this.findLab(labId)),
      'metrics:configure': async ({ labId, intervalMs }) => {
        this.metrics.configure(labId === null ? null : this.findLab(labId), intervalMs)
        return this.metrics.status
      },
      'browser:open': async ({ labId }) => {
        const lab = this.findLab(labId)
        const declared = lab.manifest.browser
        if (!declared) throw new AppError({ code: 'bad-request', message: `The lab "${labId}" has no web UI to show.`, fix: 'Only labs with a `browser:` entry in lab.yaml have a Browser pane.' })
        return this.browser.open(labId, { port: declared.port, path: declared.path, inject: declared.inject ?? null })
      },
      'browser:events': async ({ labId }) => (this.findLab(labId), this.browser.events(labId)),
      'browser:reload': async ({ labId }) => ({ pages: this.browser.reload(labId) }),
      'faults:list': () => this.ledger.refresh(),
      'faults:inject': async ({ labId, faultId }) => {
        await this.runtime.injectFault(this.findLab(labId), faultId)
        this.timeline(labId, 'fault-injected', { faultId })
        return this.ledger.current
      },
      'faults:revert': async ({ id }) => {
        await this.ledger.revert(id)
        this.timeline(id.split(':')[0] ?? null, 'fault-reverted', { id })
        return this.ledger.current
      },
      'faults:halt-all': async () => {
        const report = await this.ledger.haltAll('Halt pressed in Chaos Lab')
        this.timeline(null, 'halt', { ...report })
        return report
      },
      ...this.experimentHandlers(),
    }
  }

  // -------------------------------------------------------------------------------------------
  // Experiments and lab packs

  private vmReadiness(): { ready: boolean; reason: string } {
    const status = this.sandbox.current
    if (status.state === 'running' && this.sandbox.ssh.state === 'connected') return { ready: true, reason: '' }
    return { ready: false, reason: status.state === 'running' ? 'it is running, but Chaos Lab is not connected to it yet.' : `it is ${status.state === 'unknown' ? 'not checked yet' : status.state.replace('-', ' ')}.` }
  }

  private experimentHandlers(): Pick<ApiHandlers, Extract<keyof ApiHandlers, `experiments:${string}` | `packs:${string}`>> {
    const packs = () => this.packs.list(this.labs())
    const reloadCatalogue = (): void => {
      this.catalogue = null
      this.events.emit('labs:changed', undefined)
    }
    return {
      'experiments:import': async ({ fileName, content }) => this.experiments.import(fileName, content),
      'experiments:list': async () => this.experiments.list(),
      'experiments:remove': async ({ id }) => (this.experiments.remove(id), null),
      'experiments:run': ({ id }) => this.experiments.run(id),
      'experiments:stop': async ({ runId }) => (this.experiments.stop(runId), null),
      'experiments:result': async ({ runId }) => this.experiments.result(runId),
      'experiments:journal': async ({ runId, format }) => this.experiments.journal(runId, format),
      'packs:list': async () => packs(),
      'packs:add': async ({ path }) => {
        this.packs.add(path)
        reloadCatalogue()
        return packs()
      },
      'packs:remove': async ({ path }) => {
        this.packs.remove(path)
        reloadCatalogue()
        return packs()
      },
    }
  }
}
