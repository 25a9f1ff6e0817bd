// The lab manifest (labs/<id>/lab.yaml). One zod schema is the source of truth: the loader
// validates with it, and `chaos-lab lab schema` publishes it as JSON Schema for editors.
// Unknown keys are errors (strict objects): a typo such as `minuts:` must not pass silently.
import { z } from 'zod'

export const LAB_ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/

const Id = z
  .string()
  .regex(LAB_ID_PATTERN, 'must be lower-case words joined by dashes, e.g. "slow-database-link"')

/**
 * A script run in the VM: either a file of the lab (`script: checks/ready.sh`, uploaded with the
 * lab) or an inline command (`run: systemctl is-active nginx`). Exactly one of the two.
 */
export const ScriptRef = z
  .object({
    script: z.string().min(1).optional().describe('A file of the lab folder, e.g. checks/ready.sh'),
    run: z.string().min(1).optional().describe('An inline shell command'),
  })
  .strict()
  .refine((ref) => (ref.script === undefined) !== (ref.run === undefined), 'give either "script" or "run", not both and not neither')

export const CheckManifest = z
  .object({
    script: z.string().min(1).optional().describe('A file of the lab folder; exit 0 passes, its last output line is shown'),
    run: z.string().min(1).optional().describe('An inline command; exit 0 passes, its last output line is shown'),
    mode: z.enum(['continuous', 'click']).default('continuous').describe('continuous: re-run about once a second while the step is open; click: when the learner asks'),
    holdSeconds: z.number().min(0).max(600).default(0).describe('The check must keep passing this long before the step counts as done'),
    timeoutSeconds: z.number().min(1).max(300).default(10),
  })
  .strict()
  .refine((ref) => (ref.script === undefined) !== (ref.run === undefined), 'give either "script" or "run", not both and not neither')

export const FaultManifest = z
  .object({
    id: Id,
    title: z.string().min(1).max(80),
    /** What is hurt, in words for the ledger: an interface, a unit, a container, a process. */
    target: z.string().min(1).max(80),
    inject: z.string().min(1).describe('Command run as root in the VM to inject the fault'),
    revert: z.string({ error: 'every fault needs a revert command: the ledger must be able to undo it' }).min(1).describe('Command run as root to undo it; must succeed when the fault is already gone'),
    timeoutSeconds: z.number().min(1).max(300).default(30),
  })
  .strict()

export const StepManifest = z
  .object({
    id: Id.describe('Step id; its text lives in steps/<id>.md'),
    title: z.string().min(1).describe('Shown in the step list'),
    check: CheckManifest.optional(),
    hints: z.array(z.string().min(1)).default([]).describe('Revealed one by one (Markdown)'),
    solution: z.string().min(1).optional().describe('Markdown shown when the learner asks for it'),
    solve: ScriptRef.optional().describe('Does the step for the learner (Skip) and drives content CI'),
    predict: z.string().min(1).max(400).optional().describe('A question the learner answers before the experiment; the journal shows prediction and outcome'),
    faults: z.array(Id).default([]).describe('Ids of the lab faults this step may inject'),
  })
  .strict()

/** The lab's web UI, shown in the app's Browser pane through the fault-injecting proxy. */
export const BrowserManifest = z
  .object({
    port: z.number().int().min(1).max(65535).describe('Port of the web UI on 127.0.0.1 in the VM (forwarded over SSH)'),
    path: z.string().regex(/^\//, 'must start with "/"').default('/').describe('The first page, e.g. /'),
    inject: z.string().regex(/^\//, 'must be an absolute path in the VM').optional().describe('A folder in the VM: its *.js files are injected into every page, in name order (a fault can link a script in, its revert removes it)'),
  })
  .strict()

export const LabFile = z
  .object({
    from: z.string().min(1).describe('Path inside the lab\'s files/ folder'),
    to: z.string().regex(/^\//, 'must be an absolute path in the VM').optional().describe('Default: /opt/chaos-lab/labs/<id>/<from>'),
    mode: z.string().regex(/^0?[0-7]{3}$/, 'must be an octal mode such as "0755"').default('0644'),
  })
  .strict()

/**
 * A lab-declared metric, sampled in the VM by the guest agent's sampler next to the built-in
 * CPU/memory/network series. Exactly one source key. Chart series ids are `<id>` or
 * `<id>.<part>`; which parts a source gives is listed on each key.
 */
export const SeriesManifest = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be lower-case letters, digits, "-" or "_", e.g. "web"').describe('Series id, used in charts'),
    title: z.string().min(1).max(60).describe('Shown in legends'),
    log: z
      .object({
        path: z.string().regex(/^\//, 'must be an absolute path in the VM'),
        statusField: z.union([z.number().int().min(0).max(50), z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)]).optional().describe('The HTTP status: a 0-based whitespace field, or a key such as "status" for a status=200 token'),
        latencyField: z.union([z.number().int().min(0).max(50), z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)]).optional().describe('The response time: a 0-based field, or a key such as "time" for a time=0.012 token'),
        latencyUnit: z.enum(['s', 'ms', 'us']).default('s'),
      })
      .strict()
      .optional()
      .describe('An access log, one request per line: gives <id>.rate, <id>.errors (non-2xx/3xx per second), <id>.p50/.p95/.p99 (ms)'),
    http: z
      .object({ url: z.string().regex(/^https?:\/\//, 'must be an http:// or https:// URL'), every: z.number().min(0.25).max(60).optional(), timeout: z.number().min(0.1).max(60).default(5) })
      .strict()
      .optional()
      .describe('An HTTP GET from inside the VM: gives <id> (latency, ms) and <id>.errors'),
    tcp: z
      .object({ host: z.string().min(1).max(100).default('127.0.0.1'), port: z.number().int().min(1).max(65535), every: z.number().min(0.25).max(60).optional(), timeout: z.number().min(0.1).max(60).default(5) })
      .strict()
      .optional()
      .describe('A TCP connect from inside the VM (one round trip, e.g. to a database port): gives <id> (ms) and <id>.errors'),
    systemd: z.object({ unit: z.string().min(1).max(120), every: z.number().min(0.25).max(60).optional() }).strict().optional().describe('A unit: gives <id>.restarts and <id>.active (1 active, 0 not)'),
    cgroup: z.object({ path: z.string().min(1).max(200).describe('Under /sys/fs/cgroup, e.g. system.slice/nginx.service') }).strict().optional().describe('A cgroup v2: gives <id>.cpu (% of one CPU) and <id>.memory (MB)'),
    command: z
      .object({ run: z.string().min(1), unit: z.string().max(12).default(''), every: z.number().min(0.25).max(60).default(2), timeout: z.number().min(0.5).max(60).default(10) })
      .strict()
      .optional()
      .describe('A command whose last line starts with a number: gives <id>'),
    syscalls: z
      .object({
        process: z.string().min(1).max(15).regex(/^[^"\s\\]+$/, 'a process name (comm, at most 15 characters), no spaces or quotes').describe('The process name (comm) as ps shows it, e.g. "systemx"; counted wherever it runs'),
        names: z.array(z.string().regex(/^[a-z][a-z0-9_]{1,30}$/, 'a syscall name such as "write"')).min(1).max(7).describe('Syscalls to chart one by one, e.g. [write, read, accept4]'),
      })
      .strict()
      .optional()
      .describe("A process's syscalls, counted in the kernel (tracefs hist trigger, no ptrace): gives <id>.<name> (calls/s) for each name and <id>.failed (calls/s that returned an error)"),
    page: z
      .object({})
      .strict()
      .optional()
      .describe("The XMLHttpRequest and fetch calls of the lab's page in the Browser pane, as the page sees them: gives <id>.rate, <id>.errors (failed or non-2xx per second), <id>.p50/.p95/.p99 (ms)"),
  })
  .strict()
  .refine((s) => [s.log, s.http, s.tcp, s.systemd, s.cgroup, s.command, s.syscalls, s.page].filter(Boolean).length === 1, 'give exactly one source: log, http, tcp, systemd, cgroup, command, syscalls or page')

/** A built-in chart by name, or the lab's own. */
export const ChartManifest = z.union([
  z.enum(['cpu', 'memory', 'load', 'network', 'pressure', 'disk', 'processes']),
  z
    .object({
      title: z.string().min(1).max(60),
      series: z.array(z.string().min(1)).min(1).max(8).describe('Series ids: built-in (e.g. cpu.busy) or the lab\'s (e.g. web.p95)'),
      unit: z.string().max(12).optional().describe('Axis unit; default: the first series\' unit'),
    })
    .strict(),
])

export const LabManifest = z
  .object({
    id: Id.describe('Unique id; must equal the folder name'),
    title: z.string().min(1).max(80),
    source: z.enum(['book', 'workshop', 'original']).describe('Where the lab comes from'),
    chapter: z.number().int().min(1).max(99).optional().describe('Book chapter, when source is book'),
    topic: z.string().min(1).max(40).describe('One or two words for the card, e.g. "systemd" or "network latency"'),
    summary: z.string().min(1).max(400),
    minutes: z.number().int().min(1).max(600).describe('Expected time to finish, in minutes'),
    requires: z
      .array(z.enum(['docker', 'bpf', 'java', 'browser']))
      .default([])
      .describe('Capabilities the lab needs from the VM or the app'),
    files: z.array(LabFile).default([]).describe('Uploaded to the VM before setup'),
    setup: ScriptRef.optional().describe('Run as root in the VM when the lab starts; must be idempotent'),
    cleanup: ScriptRef.optional().describe('Run as root when the lab ends; undoes setup'),
    browser: BrowserManifest.optional().describe('A web UI in the VM to show in the Browser pane'),
    faults: z.array(FaultManifest).default([]),
    series: z.array(SeriesManifest).max(16).default([]).describe('Metrics the lab samples in the VM, shown in its charts'),
    charts: z.array(ChartManifest).max(8).default([]).describe('Charts the lab shows; default cpu, memory, load, network'),
    steps: z.array(StepManifest).min(1, 'a lab needs at least one step'),
  })
  .strict()

export type LabManifest = z.infer<typeof LabManifest>

export function labManifestJsonSchema(): unknown {
  return z.toJSONSchema(LabManifest, { io: 'input' })
}
