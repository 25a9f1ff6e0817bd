// THE contract between the UI and the core. The Electron preload, the browser host's WebSocket
// and the renderer's client are all typed from the two maps below, and every inbound message is
// validated against them with zod before the core sees it. Adding a method means adding one
// entry here and one handler in core/handlers.ts; the transports need no change.
//
// Names are '<area>:<verb>' for methods and '<area>:<happened>' for events.
// No Node or DOM imports: this file is shared by the core, the host and the renderer.
import { z } from 'zod'
import { ERROR_CODES, type Envelope } from './errors'

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

export const LabDetail = LabSummary.extend({ steps: z.array(LabStep), faults: z.array(LabFault) })
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
  'faults:list': { input: z.undefined(), output: z.array(LedgerEntry) },
  'faults:inject': { input: z.object({ labId: z.string().min(1).max(100), faultId: z.string().min(1).max(100) }).strict(), output: z.array(LedgerEntry) },
  'faults:revert': { input: z.object({ id: z.string().min(1).max(201) }).strict(), output: z.array(LedgerEntry) },
  /** Reverts every fault, newest first. Always available (the Halt button, Ctrl+Shift+H). */
  'faults:halt-all': { input: z.undefined(), output: z.object({ reverted: z.array(z.string()), failed: z.array(z.object({ id: z.string(), code: z.number().nullable(), stderr: z.string() })) }) },
} as const

export type MethodName = keyof typeof apiMethods
export type MethodInput<M extends MethodName> = z.input<(typeof apiMethods)[M]['input']>
export type MethodOutput<M extends MethodName> = z.output<(typeof apiMethods)[M]['output']>
export type ApiHandlers = { [M in MethodName]: (input: z.output<(typeof apiMethods)[M]['input']>) => Promise<MethodOutput<M>> }

// ---------------------------------------------------------------------------------------------
// Events: pushed from the core to every connected UI. `z.undefined()` marks a bare signal.

export const apiEvents = {
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
