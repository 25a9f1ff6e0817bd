// THE contract between the UI and the core. The Electron preload, the browser host's WebSocket
// and the renderer's client are all typed from the two maps below, and every inbound message is
// validated against them with zod before the core sees it. Adding a method means adding one
// entry here and one handler in core/handlers.ts; the transports need no change.
//
// Names are '<area>:<verb>' for methods and '<area>:<happened>' for events.
// No Node or DOM imports: this file is shared by the core, the host and the renderer.
import { z } from 'zod'
import { ERROR_CODES, type Envelope } from './errors'
import { PageEvent, PageSummary } from './browser/events'
import type { Journal } from './experiments/journal'

// ---------------------------------------------------------------------------------------------
// Shared shapes

export const LabStatus = z.enum(['new', 'in-progress', 'completed'])
export type LabStatus = z.infer<typeof LabStatus>

export const LabSummary = z.object({
  id: z.string(),
  title: z.string(),
  /** Where the lab comes from, e.g. "Book ch. 2" or "Workshop". */
  source: z.string(),
  chapter: z.number().int().nullable(),
  topic: z.string(),
  summary: z.string(),
  minutes: z.number().int(),
  requires: z.array(z.string()),
  stepCount: z.number().int(),
  status: LabStatus,
  /** Folder the lab was loaded from; shown for labs from a user-picked pack. */
  root: z.string(),
})
export type LabSummary = z.infer<typeof LabSummary>

export const LabStep = z.object({
  id: z.string(),
  title: z.string(),
  /** Markdown. Rendered by the renderer without ever executing raw HTML. */
  body: z.string(),
  /** How the step is checked; null when it has no check. */
  check: z.object({ mode: z.enum(['continuous', 'click']), holdSeconds: z.number() }).nullable(),
  /** Markdown, revealed one by one. */
  hints: z.array(z.string()),
  solution: z.string().nullable(),
  /** The step has a solve script: the learner may Skip it. */
  canSkip: z.boolean(),
  /** The question to answer before the experiment, if any. */
  predict: z.string().nullable(),
  /** Ids of the lab faults this step injects. */
  faults: z.array(z.string()),
})
export type LabStep = z.infer<typeof LabStep>

export const LabFault = z.object({ id: z.string(), title: z.string(), target: z.string() })
export type LabFault = z.infer<typeof LabFault>

/** The lab's web UI for the Browser pane (lab.yaml `browser:`); null when the lab has none. */
export const LabBrowser = z.object({ port: z.number().int(), path: z.string() })
export const LabDetail = LabSummary.extend({ steps: z.array(LabStep), faults: z.array(LabFault), browser: LabBrowser.nullable().default(null) })
export type LabDetail = z.infer<typeof LabDetail>

/** One thing wrong with a lab folder, pointing at the file and line to fix. */
export const LabProblem = z.object({
  labDir: z.string(),
  file: z.string(),
  line: z.number().int().nullable(),
  message: z.string(),
  fix: z.string(),
})
export type LabProblem = z.infer<typeof LabProblem>

export const Catalogue = z.object({
  labs: z.array(LabSummary),
  /** Labs that failed to load. The others still load: one broken lab never hides the rest. */
  problems: z.array(LabProblem),
})
export type Catalogue = z.infer<typeof Catalogue>

export const Theme = z.enum(['system', 'light', 'dark'])
/** 'auto' lets Vagrant pick (its VAGRANT_DEFAULT_PROVIDER, else the first usable one). */
export const VmProvider = z.enum(['auto', 'virtualbox', 'libvirt', 'vmware_desktop', 'parallels'])
export type VmProvider = z.infer<typeof VmProvider>
export const Settings = z.object({
  theme: Theme,
  /** The VM's resources; the labs' numbers assume the defaults (2 vCPUs, 4096 MB). */
  vmCpus: z.number().int().min(1).max(64),
  vmMemoryMb: z.number().int().min(1024).max(262_144),
  vmProvider: VmProvider,
})
export type Settings = z.infer<typeof Settings>
export const DEFAULT_SETTINGS: Settings = { theme: 'system', vmCpus: 2, vmMemoryMb: 4096, vmProvider: 'auto' }

export const VmState = z.enum([
  'unknown', // not asked yet (the first status query is still running)
  'not-created',
  'creating',
  'starting', // booting a VM that exists (after a stop, or restoring the clean snapshot)
  'provisioning',
  'running',
  'stopping',
  'stopped',
  'suspended',
  'error',
])
export type VmState = z.infer<typeof VmState>

export const ErrorInfoSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  fix: z.string(),
  details: z.array(z.string()),
})

/** A long VM operation (start, stop, reset, destroy) in flight, for the progress bar. */
export const VmAction = z.object({
  kind: z.enum(['start', 'stop', 'reset', 'destroy']),
  /** What is happening now, in words: "Downloading the box", "Waiting for SSH", ... */
  phase: z.string(),
  /** 0..1 overall, or null when the length of the work is unknown. */
  progress: z.number().min(0).max(1).nullable(),
  startedAt: z.number(),
})
export type VmAction = z.infer<typeof VmAction>

export const VmStatus = z.object({
  state: VmState,
  /** One line for the status bar, e.g. "Vagrant 2.3.4 · libvirt". */
  detail: z.string(),
  error: ErrorInfoSchema.nullable(),
  /** The operation in flight, if any. */
  action: VmAction.nullable().default(null),
  /** True when the VM is running and the core's SSH connection to it is up. */
  connected: z.boolean().default(false),
  /** A clean snapshot exists, so "Reset VM" can restore it. */
  hasCleanSnapshot: z.boolean().default(false),
})
export type VmStatus = z.infer<typeof VmStatus>

export const PreflightCheck = z.object({
  id: z.string(),
  title: z.string(),
  status: z.enum(['ok', 'warn', 'fail']),
  /** What was found, e.g. "Vagrant 2.3.4" or "3.1 GB free". */
  detail: z.string(),
  /** How to fix a warn or fail; empty when ok. */
  fix: z.string(),
})
export type PreflightCheck = z.infer<typeof PreflightCheck>
export const PreflightReport = z.object({
  checks: z.array(PreflightCheck),
  /** False when any check failed: starting the VM would fail. */
  ready: z.boolean(),
  at: z.number(),
})
export type PreflightReport = z.infer<typeof PreflightReport>

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  /** Which shell hosts the renderer. */
  host: z.enum(['electron', 'browser']),
  dataDir: z.string(),
  labRoots: z.array(z.string()),
})
export type AppInfo = z.infer<typeof AppInfo>

const LabRef = z.object({ id: z.string().min(1).max(100) }).strict()

// ---------------------------------------------------------------------------------------------
// Running a lab: setup/cleanup, checks, Skip, faults.

export const CheckResult = z.object({
  labId: z.string(),
  stepId: z.string(),
  /** Passed now (and, with a hold time, for long enough). */
  passed: z.boolean(),
  passingNow: z.boolean(),
  /** The check's last output line. */
  message: z.string(),
  heldSeconds: z.number(),
  holdSeconds: z.number(),
  exitCode: z.number().nullable(),
  timedOut: z.boolean(),
  ms: z.number(),
  at: z.number(),
})
export type CheckResult = z.infer<typeof CheckResult>
export const LabPhase = z.object({ labId: z.string(), phase: z.string(), done: z.boolean(), error: z.string().nullable() })
export const LedgerEntry = z.object({ id: z.string(), label: z.string(), revert: z.string(), seq: z.number(), added_at: z.string() })
export type LedgerEntry = z.infer<typeof LedgerEntry>
const StepRef = z.object({ labId: z.string().min(1).max(100), stepId: z.string().min(1).max(100) }).strict()
export const StepProgress = z.object({
  stepId: z.string(),
  status: z.enum(['open', 'passed', 'skipped']),
  attempts: z.number().int(),
  passedAt: z.number().nullable(),
  prediction: z.string().nullable(),
})
export type StepProgress = z.infer<typeof StepProgress>

// ---------------------------------------------------------------------------------------------
// Terminals: sessions live in the core (they survive a window reload); windows attach to them.

export const TerminalKind = z.enum(['vm', 'host'])
export type TerminalKind = z.infer<typeof TerminalKind>
export const TerminalInfo = z.object({
  id: z.string(),
  /** 'vm': a shell in the lab VM over SSH; 'host': a process on this computer (a shell, the vagrant log). */
  kind: TerminalKind,
  title: z.string(),
  cols: z.number().int(),
  rows: z.number().int(),
  /** The lab whose workspace shows this terminal; null for terminals of no lab. */
  labId: z.string().nullable(),
  /** Exit status once the process ended (the tab stays, greyed, until closed); null while it runs. */
  exitCode: z.number().int().nullable(),
  /** For VM shells: false while the connection to the VM is down. */
  connected: z.boolean(),
  createdAt: z.number(),
})
export type TerminalInfo = z.infer<typeof TerminalInfo>
const TerminalRef = z.object({ id: z.string().min(1).max(64) }).strict()
const TerminalSize = { cols: z.number().int().min(2).max(1000), rows: z.number().int().min(1).max(500) }

// Metrics: the live charts (electron/core/metrics).

export const SeriesInfo = z.object({ id: z.string(), label: z.string(), unit: z.string() })
export type SeriesInfo = z.infer<typeof SeriesInfo>
export const ChartInfo = z.object({ id: z.string(), title: z.string(), unit: z.string(), series: z.array(SeriesInfo) })
export type ChartInfo = z.infer<typeof ChartInfo>
export const AnnotationKind = z.enum(['fault-injected', 'fault-reverted', 'halt', 'step-started', 'step-passed', 'step-skipped', 'check-failed'])
export const Annotation = z.object({ at: z.number(), kind: AnnotationKind, label: z.string(), labId: z.string().nullable() })
export type Annotation = z.infer<typeof Annotation>
export const MetricsStatus = z.object({
  state: z.enum(['idle', 'starting', 'running', 'error']),
  error: ErrorInfoSchema.nullable(),
  intervalMs: z.number(),
  labId: z.string().nullable(),
})
export type MetricsStatus = z.infer<typeof MetricsStatus>
/** One tick: time (ms since the epoch, app clock) and every series' value (null: no value). */
export const MetricsSample = z.object({ t: z.number(), values: z.record(z.string(), z.number().nullable()) })
export type MetricsSample = z.infer<typeof MetricsSample>
export const MetricsSnapshot = MetricsStatus.extend({
  charts: z.array(ChartInfo),
  series: z.array(SeriesInfo),
  t: z.array(z.number()),
  values: z.record(z.string(), z.array(z.number().nullable())),
  annotations: z.array(Annotation),
})
export type MetricsSnapshot = z.infer<typeof MetricsSnapshot>

// ---------------------------------------------------------------------------------------------
// Experiments (Chaos Toolkit JSON/YAML, process and http providers) and classroom lab packs.
// Shapes, methods and events in one block; spread into apiMethods and apiEvents below.

/** The biggest experiment file an import accepts (it travels inside one WebSocket frame). */
export const EXPERIMENT_MAX_CHARS = 512 * 1024

export const ExperimentPhase = z.enum(['hypothesis-before', 'method', 'hypothesis-after', 'rollbacks'])
export type ExperimentPhase = z.infer<typeof ExperimentPhase>

/** One activity as the learner reads it before running: what runs, and what "normal" means. */
export const ExperimentActivityView = z.object({
  name: z.string(),
  type: z.enum(['probe', 'action']),
  provider: z.enum(['process', 'http']),
  /** The command line run in the VM, or "GET http://...". */
  invocation: z.string(),
  /** Probes with a tolerance: what is normal, in words ("exit status 0"); otherwise null. */
  tolerance: z.string().nullable(),
  pauseBefore: z.number(),
  pauseAfter: z.number(),
  timeoutSeconds: z.number(),
})
export type ExperimentActivityView = z.infer<typeof ExperimentActivityView>

export const ExperimentView = z.object({
  id: z.number().int(),
  fileName: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  importedAt: z.number(),
  hypothesis: z.object({ title: z.string(), probes: z.array(ExperimentActivityView) }).nullable(),
  method: z.array(ExperimentActivityView),
  rollbacks: z.array(ExperimentActivityView),
  /** Some activity runs a process in the VM, so running needs the VM up and connected. */
  needsVm: z.boolean(),
})
export type ExperimentView = z.infer<typeof ExperimentView>

export const ExperimentRunStatus = z.enum(['running', 'completed', 'failed', 'aborted', 'interrupted'])
export type ExperimentRunStatus = z.infer<typeof ExperimentRunStatus>

export const ExperimentRunSummary = z.object({
  id: z.number().int(),
  /** The imported experiment it ran; null when run from a file by the CLI, or since removed. */
  experimentId: z.number().int().nullable(),
  title: z.string(),
  status: ExperimentRunStatus,
  deviated: z.boolean(),
  /** One sentence: how it ended and why. */
  outcome: z.string(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
})
export type ExperimentRunSummary = z.infer<typeof ExperimentRunSummary>

/** A run with its Chaos Toolkit-style journal (null while it runs, or if the app died during it). */
export const ExperimentRun = ExperimentRunSummary.extend({ journal: z.custom<Journal>().nullable() })
export type ExperimentRun = z.infer<typeof ExperimentRun>

/** What a running experiment is doing, one event per step of the run. */
export const ExperimentProgress = z.object({
  runId: z.number().int(),
  experimentId: z.number().int().nullable(),
  kind: z.enum(['started', 'phase-started', 'phase-skipped', 'pause', 'activity-started', 'activity-finished', 'hypothesis', 'finished']),
  phase: ExperimentPhase.nullable(),
  /** The activity's place in its phase (0-based), for activity and pause events. */
  index: z.number().int().nullable(),
  name: z.string().nullable(),
  /** activity-finished: it succeeded (within tolerance); hypothesis: met; finished: completed. */
  ok: z.boolean().nullable(),
  /** The same, in words. */
  text: z.string(),
  /** activity-finished: why it failed, or the tolerance check ("expected ..., observed ..."). */
  detail: z.string().nullable(),
  at: z.number(),
})
export type ExperimentProgress = z.infer<typeof ExperimentProgress>

/** A folder of labs in the catalogue. */
export const LabPack = z.object({
  path: z.string(),
  /** Comes with the app, or from --labs: not removable from the app. */
  builtIn: z.boolean(),
  exists: z.boolean(),
  labs: z.number().int(),
  /** Lab folders in it that failed to load (their problems are under the catalogue). */
  broken: z.number().int(),
  addedAt: z.number().nullable(),
})
export type LabPack = z.infer<typeof LabPack>

const RunRef = z.object({ runId: z.number().int().positive() }).strict()
const PackPath = z.object({ path: z.string().trim().min(1).max(4096) }).strict()

const experimentMethods = {
  /** Reads a Chaos Toolkit experiment; refuses it with file:line and a fix for every problem. */
  'experiments:import': {
    input: z.object({ fileName: z.string().min(1).max(255), content: z.string().max(4 * EXPERIMENT_MAX_CHARS) }).strict(),
    output: ExperimentView,
  },
  /** Imported experiments and past runs, newest first. */
  'experiments:list': { input: z.undefined(), output: z.object({ experiments: z.array(ExperimentView), runs: z.array(ExperimentRunSummary) }) },
  /** Forgets an imported experiment (its past runs stay). */
  'experiments:remove': { input: z.object({ id: z.number().int().positive() }).strict(), output: z.null() },
  /** Runs it (process providers in the VM, as root; http from this computer); resolves when it ended. */
  'experiments:run': { input: z.object({ id: z.number().int().positive() }).strict(), output: ExperimentRun },
  /** Stops a run: pauses end, the rest is skipped, the rollbacks still run. */
  'experiments:stop': { input: RunRef, output: z.null() },
  'experiments:result': { input: RunRef, output: ExperimentRun },
  /** A run as a Chaos Toolkit-style journal (JSON) or a report (Markdown). */
  'experiments:journal': { input: z.object({ runId: z.number().int().positive(), format: z.enum(['json', 'markdown']) }).strict(), output: z.object({ fileName: z.string(), content: z.string() }) },
  /** Lab folders in the catalogue: the app's own, --labs, and the packs the user added. */
  'packs:list': { input: z.undefined(), output: z.array(LabPack) },
  /** Adds a folder of labs (a classroom pack); the catalogue reloads (labs:changed). */
  'packs:add': { input: PackPath, output: z.array(LabPack) },
  'packs:remove': { input: PackPath, output: z.array(LabPack) },
} as const

const experimentEvents = {
  'experiments:progress': ExperimentProgress,
  /** An experiment was imported or removed, or a run started or ended. */
  'experiments:changed': z.undefined(),
} as const

// ---------------------------------------------------------------------------------------------
// Methods: request/response. `input` is validated on the way in; `output` documents the reply.

export const apiMethods = {
  'app:info': { input: z.undefined(), output: AppInfo },
  'labs:list': { input: z.undefined(), output: Catalogue },
  /** Opens a lab: returns its steps and marks it in progress if it was new. */
  'labs:open': { input: LabRef, output: LabDetail },
  'labs:set-status': { input: z.object({ id: z.string().min(1).max(100), status: LabStatus }).strict(), output: LabSummary },
  'settings:get': { input: z.undefined(), output: Settings },
  'settings:update': { input: Settings.partial().strict(), output: Settings },
  'vm:status': { input: z.undefined(), output: VmStatus },
  /** Checks the host before a start: Vagrant, providers, virtualization, RAM, disk, ports. */
  'vm:preflight': { input: z.undefined(), output: PreflightReport },
  /** Long operations resolve when done; progress arrives as vm:state-changed events. */
  'vm:start': { input: z.undefined(), output: VmStatus },
  'vm:stop': { input: z.undefined(), output: VmStatus },
  /** Restores the clean snapshot taken after the first provisioning. */
  'vm:reset': { input: z.undefined(), output: VmStatus },
  'vm:destroy': { input: z.object({ confirm: z.literal(true) }).strict(), output: VmStatus },
  /** The latest lines of Vagrant's output (the live log), oldest first. */
  'vm:log': { input: z.undefined(), output: z.object({ lines: z.array(z.string()) }) },
  'terminal:open': {
    input: z.object({ kind: TerminalKind, labId: z.string().max(100).nullable().default(null), title: z.string().min(1).max(60).optional(), ...TerminalSize }).strict(),
    output: TerminalInfo,
  },
  'terminal:list': { input: z.undefined(), output: z.array(TerminalInfo) },
  /**
   * The screen as it is now (serialized, to write into a fresh xterm) and `seq`: the count of
   * output characters it covers. terminal:data events carry their own `seq`; a window drops
   * the part of any event below the seq it attached at, so nothing shows twice or goes missing.
   */
  'terminal:attach': { input: TerminalRef, output: z.object({ info: TerminalInfo, screen: z.string(), seq: z.number().int() }) },
  'terminal:input': { input: z.object({ id: z.string().min(1).max(64), data: z.string().max(65_536) }).strict(), output: z.null() },
  'terminal:resize': { input: z.object({ id: z.string().min(1).max(64), ...TerminalSize }).strict(), output: z.null() },
  /**
   * Flow control: the window has drawn `chars` more characters of this terminal's output. Count
   * only what arrived after attaching: attach resets the unacknowledged count, so the part of an
   * event dropped as already on screen must not be acknowledged.
   */
  'terminal:ack': { input: z.object({ id: z.string().min(1).max(64), chars: z.number().int().min(0).max(100_000_000) }).strict(), output: z.null() },
  'terminal:rename': { input: z.object({ id: z.string().min(1).max(64), title: z.string().min(1).max(60) }).strict(), output: TerminalInfo },
  /** Ends the process (for a VM shell: the remote shell) and forgets the terminal. */
  'terminal:close': { input: TerminalRef, output: z.null() },
  /** Uploads the lab's files and runs its setup in the VM (progress: lab:phase events). */
  'lab:setup': { input: LabRef, output: z.null() },
  /** Reverts the lab's faults and runs its cleanup. */
  'lab:cleanup': { input: LabRef, output: z.null() },
  /** Leaving the lab's view: stops its checks and reverts its faults. */
  'lab:leave': { input: LabRef, output: z.null() },
  'lab:check': { input: StepRef, output: CheckResult },
  /** Checks this step continuously (results as lab:check events); stepId null stops. */
  'lab:watch': { input: z.object({ labId: z.string().min(1).max(100), stepId: z.string().min(1).max(100).nullable() }).strict(), output: z.null() },
  /** Skip: runs the step's solve script. */
  'lab:solve': { input: StepRef, output: z.null() },
  /** Per-step status, failed attempts and predictions, from the database. */
  'lab:progress': { input: LabRef, output: z.object({ steps: z.array(StepProgress) }) },
  /** Records the learner's prediction before the experiment (shown next to the outcome). */
  'lab:predict': { input: z.object({ labId: z.string().min(1).max(100), stepId: z.string().min(1).max(100), text: z.string().min(1).max(2000) }).strict(), output: z.null() },
  /** The lab journal as a report to hand in. */
  'lab:journal': { input: z.object({ id: z.string().min(1).max(100), format: z.enum(['markdown', 'html']) }).strict(), output: z.object({ fileName: z.string(), content: z.string() }) },
  /** The charts of a lab (null: the VM's default charts) with their history and annotations. */
  'metrics:snapshot': { input: z.object({ labId: z.string().min(1).max(100).nullable() }).strict(), output: MetricsSnapshot },
  /** Samples this lab's own series too (null: only the built-in ones); intervalMs 250..60000. */
  'metrics:configure': { input: z.object({ labId: z.string().min(1).max(100).nullable(), intervalMs: z.number().int().min(250).max(60_000).optional() }).strict(), output: MetricsStatus },
  'faults:list': { input: z.undefined(), output: z.array(LedgerEntry) },
  'faults:inject': { input: z.object({ labId: z.string().min(1).max(100), faultId: z.string().min(1).max(100) }).strict(), output: z.array(LedgerEntry) },
  'faults:revert': { input: z.object({ id: z.string().min(1).max(201) }).strict(), output: z.array(LedgerEntry) },
  /** Reverts every fault, newest first. Always available (the Halt button, Ctrl+Shift+H). */
  'faults:halt-all': { input: z.undefined(), output: z.object({ reverted: z.array(z.string()), failed: z.array(z.object({ id: z.string(), code: z.number().nullable(), stderr: z.string() })) }) },
  /** The Browser pane: starts the lab's fault-injecting proxy; `url` is what the pane loads. */
  'browser:open': { input: z.object({ labId: z.string().min(1).max(100) }).strict(), output: z.object({ url: z.string(), target: z.string(), path: z.string() }) },
  /** What the lab's page reported (oldest first, the newest 2000) and its summary. */
  'browser:events': { input: z.object({ labId: z.string().min(1).max(100) }).strict(), output: z.object({ events: z.array(PageEvent), summary: PageSummary }) },
  /** Reloads every page of the lab open through its proxy; `pages` says how many. */
  'browser:reload': { input: z.object({ labId: z.string().min(1).max(100) }).strict(), output: z.object({ pages: z.number().int() }) },
  ...experimentMethods,
} as const

export type MethodName = keyof typeof apiMethods
export type MethodInput<M extends MethodName> = z.input<(typeof apiMethods)[M]['input']>
export type MethodOutput<M extends MethodName> = z.output<(typeof apiMethods)[M]['output']>
export type ApiHandlers = { [M in MethodName]: (input: z.output<(typeof apiMethods)[M]['input']>) => Promise<MethodOutput<M>> }

// ---------------------------------------------------------------------------------------------
// Events: pushed from the core to every connected UI. `z.undefined()` marks a bare signal.

export const apiEvents = {
  ...experimentEvents,
  'labs:changed': z.undefined(),
  'progress:changed': z.object({ labId: z.string() }),
  'settings:changed': Settings,
  'vm:state-changed': VmStatus,
  /** New lines of Vagrant's output, as they arrive. */
  'vm:log': z.object({ lines: z.array(z.string()) }),
  /** Output, batched (about one event per 16 ms per terminal). `seq` is the count of characters before `data`. */
  'terminal:data': z.object({ id: z.string(), seq: z.number().int(), data: z.string() }),
  /** A terminal was opened, closed, renamed, exited, lost or regained its connection. */
  'terminal:changed': z.object({ terminals: z.array(TerminalInfo) }),
  'lab:check': CheckResult,
  'lab:phase': LabPhase,
  /** The fault ledger changed (inject, revert, halt, the dead-man's switch seen after reconnect). */
  'faults:changed': z.object({ entries: z.array(LedgerEntry) }),
  /** The VM reverted faults by itself: its dead-man's switch (heartbeats came too late), or revert-all in a shell. */
  'faults:reverted-in-vm': z.object({ at: z.string(), reason: z.string(), labels: z.array(z.string()) }),
  /** One sampler tick (about once a second while the VM is connected). */
  'metrics:sample': MetricsSample,
  'metrics:status': MetricsStatus,
  /** A moment to mark on every chart: a fault injected or reverted, a step passed, a check failed. */
  'metrics:annotation': Annotation,
  /** New events from the lab's page in the Browser pane, with the summary after them. */
  'browser:page': z.object({ labId: z.string(), events: z.array(PageEvent), summary: PageSummary }),
} as const

export type EventName = keyof typeof apiEvents
export type EventPayload<E extends EventName> = z.output<(typeof apiEvents)[E]>
export type ApiEvent = { [E in EventName]: { name: E; payload: EventPayload<E> } }[EventName]

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(apiMethods, name)
}

// ---------------------------------------------------------------------------------------------
// The client every UI uses, whatever the transport.

export interface ApiClient {
  call<M extends MethodName>(method: M, ...input: MethodInput<M> extends undefined ? [] : [MethodInput<M>]): Promise<MethodOutput<M>>
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void
}

// ---------------------------------------------------------------------------------------------
// Wire formats. Electron IPC carries (method, input) and returns an envelope; the browser host
// carries the same inside WebSocket frames.

export { IPC } from './ipcChannels'

export const WsClientFrame = z.discriminatedUnion('t', [
  z.object({ t: z.literal('call'), id: z.number().int().nonnegative(), method: z.string().max(100), input: z.unknown().optional() }),
])
export type WsClientFrame = z.infer<typeof WsClientFrame>

export type WsServerFrame =
  | { t: 'result'; id: number; envelope: Envelope<unknown> }
  | { t: 'event'; event: ApiEvent }
  /** Reply to a frame that could not be parsed at all (so there is no call id to answer). */
  | { t: 'protocol-error'; error: z.infer<typeof ErrorInfoSchema> }

/** Path of the browser host's WebSocket endpoint. Versioned so old tabs fail clearly. */
export const WS_PATH = '/api/v1'

/**
 * What the Electron preload exposes on `window.chaosLab` (contextBridge). Deliberately the raw
 * transport, not the typed client: the renderer wraps it in the same ApiClient as the WebSocket.
 */
export interface PreloadBridge {
  call(method: MethodName, input: unknown): Promise<Envelope<unknown>>
  onEvent(listener: (event: ApiEvent) => void): () => void
}
