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
import { JournalRepository, ProgressRepository, SettingsRepository } from './store/repositories'
import { journalHtml, journalMarkdown } from './labs/journal'
import { Emitter, type Disposer } from './util/emitter'

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
  private readonly journal: JournalRepository
  private readonly lastCheck = new Map<string, boolean>()
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
    this.disposers.push(
      this.runtime.on('check', (result) => {
        this.recordCheck(result)
        this.events.emit('lab:check', result)
      }),
      this.runtime.on('phase', (phase) => this.events.emit('lab:phase', phase)),
      this.ledger.onChanged((entries) => this.events.emit('faults:changed', { entries })),
      // After (re)connecting, the VM's ledger is the truth: the agent may have reverted on its own.
      this.sandbox.ssh.onDidChangeState((state) => state === 'connected' && void this.ledger.refresh().catch(() => undefined)),
      this.sandbox.onDidChangeStatus((status) => this.events.emit('vm:state-changed', status)),
      this.sandbox.onLog((lines) => this.events.emit('vm:log', { lines })),
      this.terminals.onData((event) => this.events.emit('terminal:data', event)),
      this.terminals.onChanged((event) => this.events.emit('terminal:changed', event)),
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
  }

  /**
   * Quitting: every fault still injected is reverted first (bounded, so a dead VM cannot hold
   * the quit hostage; the guest agent's dead-man's switch covers whatever this misses).
   */
  async shutdown(limitMs = 15_000): Promise<void> {
    if (this.sandbox.ssh.state === 'connected' && this.ledger.current.length > 0) {
      await Promise.race([this.ledger.haltAll('Chaos Lab is quitting').catch(() => undefined), new Promise((r) => setTimeout(r, limitMs))])
    }
    this.dispose()
  }

  dispose(): void {
    this.disposers.splice(0).forEach((d) => d())
    this.terminals.dispose()
    this.runtime.dispose()
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
        this.progress.recordEvent(result.labId, 'step-passed', { stepId: result.stepId, message: result.message }, result.at)
        this.events.emit('progress:changed', { labId: result.labId })
      }
    } else if (!result.passingNow && before !== false) {
      this.journal.failedCheck(result.labId, result.stepId)
      this.progress.recordEvent(result.labId, 'check-failed', { stepId: result.stepId, message: result.message }, result.at)
    }
  }

  /** The labs that loaded (for the CLI's content tests). */
  loadedLabs(): LoadedLab[] {
    return this.labs().labs
  }

  private labs(): LoadResult {
    this.catalogue ??= loadLabs(this.options.labRoots)
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
        labRoots: this.options.labRoots,
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
        return { ...this.summarize(lab, status), steps: lab.steps, faults: lab.manifest.faults.map(({ id, title, target }) => ({ id, title, target })) }
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
      'lab:leave': async ({ id }) => (await this.runtime.leave(this.findLab(id)), null),
      'lab:check': ({ labId, stepId }) => this.runtime.check(this.findLab(labId), stepId),
      'lab:watch': async ({ labId, stepId }) => {
        if (stepId === null) this.runtime.unwatch()
        else this.runtime.watch(this.findLab(labId), stepId)
        return null
      },
      'lab:solve': async ({ labId, stepId }) => {
        await this.runtime.solve(this.findLab(labId), stepId)
        if (this.journal.markDone(labId, stepId, 'skipped')) this.progress.recordEvent(labId, 'step-skipped', { stepId })
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
        const input = { lab: this.findLab(id), steps: this.journal.steps(id), timeline: this.journal.timeline(id), generatedAt: Date.now() }
        return format === 'markdown' ? { fileName: `${id}-journal.md`, content: journalMarkdown(input) } : { fileName: `${id}-journal.html`, content: journalHtml(input) }
      },
      'faults:list': () => this.ledger.refresh(),
      'faults:inject': async ({ labId, faultId }) => {
        await this.runtime.injectFault(this.findLab(labId), faultId)
        this.progress.recordEvent(labId, 'fault-injected', { faultId })
        return this.ledger.current
      },
      'faults:revert': async ({ id }) => {
        await this.ledger.revert(id)
        this.progress.recordEvent(id.split(':')[0] ?? null, 'fault-reverted', { id })
        return this.ledger.current
      },
      'faults:halt-all': async () => {
        const report = await this.ledger.haltAll('Halt pressed in Chaos Lab')
        this.progress.recordEvent(null, 'halt-all', { ...report })
        return report
      },
    }
  }
}
