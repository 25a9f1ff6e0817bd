// The live metrics of the VM: one long-lived `chaos-lab-agent sample` over the persistent SSH
// connection (started whenever the connection is up, restarted after it comes back), its lines
// turned into chart values (derive.ts), kept in a ring buffer (ring.ts) and pushed to the UIs.
// Annotations (a fault injected or reverted, a step passed, a check failed) live here too, so
// every chart of every window marks the same moments.
import { AppError, toErrorInfo, type ErrorInfo } from '../errors'
import type { LoadedLab } from '../labs/loader'
import { AGENT } from '../safety/ledger'
import type { CommandStream, SshConnection } from '../sandbox/sshConnection'
import { shellQuote } from '../sandbox/sshConnection'
import { Emitter, type Disposer } from '../util/emitter'
import { chartsFor, labSeriesKinds, samplerConfig, type ChartInfo, type SeriesInfo } from './catalog'
import { derive, pageWindow, type LabSeriesKind, type RawSample, type Values } from './derive'
import { SeriesRing, type SeriesData } from './ring'
import { chartSvg } from './svg'

export type AnnotationKind = 'fault-injected' | 'fault-reverted' | 'halt' | 'step-started' | 'step-passed' | 'step-skipped' | 'check-failed'

export interface Annotation {
  /** Milliseconds since the epoch (the app's clock). */
  at: number
  kind: AnnotationKind
  label: string
  labId: string | null
}

export interface MetricsStatus {
  state: 'idle' | 'starting' | 'running' | 'error'
  error: ErrorInfo | null
  intervalMs: number
  labId: string | null
}

export interface MetricsSnapshot extends MetricsStatus, SeriesData {
  charts: ChartInfo[]
  series: SeriesInfo[]
  annotations: Annotation[]
}

export interface MetricsOptions {
  /** The agent command, as words; tests run the repository copy. */
  agent?: string[]
  /** Rows kept per series (default 3600: an hour at 1 Hz). */
  capacity?: number
  /** Run the sampler as this user (default root: lab logs such as nginx's are root's). */
  user?: string
  /** Where a lab's charted samples are kept for its journal (the store); none: memory only. */
  samples?: SampleStore
}

export interface SampleStore {
  append(labId: string, rows: { at: number; values: Values }[]): void
  since(labId: string, sinceMs: number): { at: number; values: Values }[]
}

const MAX_ANNOTATIONS = 500
const MAX_LINE = 1 << 20
const RESTART_DELAYS_MS = [1000, 2000, 5000, 10_000]
/** Samples are written to the store in batches: one transaction every this often. */
const PERSIST_EVERY_MS = 10_000
/** Page requests kept between two ticks at most (a stalled stream must not grow it forever). */
const MAX_PAGE_PENDING = 10_000

type Events = { sample: { t: number; values: Values }; status: MetricsStatus; annotation: Annotation }

export class MetricsService {
  private readonly ring: SeriesRing
  private readonly events = new Emitter<Events>()
  private readonly annotations: Annotation[] = []
  private stream: CommandStream | null = null
  private wanted = false
  private lab: LoadedLab | null = null
  private intervalMs = 1000
  private statusValue: MetricsStatus = { state: 'idle', error: null, intervalMs: 1000, labId: null }
  private previous: RawSample | null = null
  /** App clock minus guest clock, the smallest seen (the least delayed line). */
  private clockOffsetMs: number | null = null
  private restartTimer: NodeJS.Timeout | null = null
  private failures = 0
  private readonly disposeSsh: Disposer
  /** Samples of the current lab's charted series not yet in the store. */
  private pending: { labId: string; at: number; values: Values }[] = []
  private charted: string[] = []
  /** The lab's series kinds (set by configure; derive() needs them on every line). */
  private kinds: LabSeriesKind[] = []
  /** The page's requests since the last tick (see pageRequests). */
  private pagePending: { ms: number; ok: boolean }[] = []
  private persistTimer: NodeJS.Timeout | null = null

  constructor(
    private readonly ssh: SshConnection,
    private readonly options: MetricsOptions = {},
  ) {
    this.ring = new SeriesRing(options.capacity ?? 3600)
    this.disposeSsh = ssh.onDidChangeState((state) => {
      if (state === 'connected') return this.ensureStream()
      // The connection is gone: its channel may never report closing. Drop it; the charts show
      // a gap until the reconnect starts a new stream.
      const stream = this.stream
      if (!stream) return
      this.stream = null
      stream.kill()
      this.markGap()
      this.setStatus({ state: 'idle', error: null })
    })
  }

  get status(): MetricsStatus {
    return { ...this.statusValue }
  }

  onSample(listener: (sample: { t: number; values: Values }) => void): Disposer {
    return this.events.on('sample', listener)
  }

  onStatus(listener: (status: MetricsStatus) => void): Disposer {
    return this.events.on('status', listener)
  }

  onAnnotation(listener: (annotation: Annotation) => void): Disposer {
    return this.events.on('annotation', listener)
  }

  /** Sample whenever the VM is connected, until stop(). */
  start(): void {
    this.wanted = true
    if (this.options.samples && !this.persistTimer) {
      this.persistTimer = setInterval(() => this.flush(), PERSIST_EVERY_MS)
      this.persistTimer.unref()
    }
    if (this.ssh.state === 'connected') this.ensureStream()
  }

  stop(): void {
    this.wanted = false
    this.flush()
    if (this.persistTimer) clearInterval(this.persistTimer)
    this.persistTimer = null
    if (this.restartTimer) clearTimeout(this.restartTimer)
    this.restartTimer = null
    this.stream?.end()
    this.stream?.kill()
    this.stream = null
    this.setStatus({ state: 'idle', error: null })
  }

  /** The lab whose series are sampled (null: only the built-in ones), and the tick. */
  configure(lab: LoadedLab | null, intervalMs = this.intervalMs): void {
    if (intervalMs < 250 || intervalMs > 60_000) {
      throw new AppError({ code: 'bad-request', message: `A sampling interval of ${intervalMs} ms is out of range.`, fix: 'Pick between 250 ms and 60 s.' })
    }
    const changedInterval = intervalMs !== this.intervalMs
    this.flush()
    if (lab?.manifest.id !== this.lab?.manifest.id) this.pagePending = []
    this.lab = lab
    this.charted = lab ? [...new Set(chartsFor(lab.manifest).flatMap((c) => c.series.map((s) => s.id)))] : []
    this.intervalMs = intervalMs
    this.kinds = labSeriesKinds(lab?.manifest ?? null, intervalMs / 1000)
    // Rates across an interval change would mix two tick lengths: start the pairing afresh.
    if (changedInterval) this.previous = null
    this.stream?.write(this.configLine())
    this.setStatus({ intervalMs, labId: lab?.manifest.id ?? null })
  }

  annotate(annotation: Annotation): void {
    this.annotations.push(annotation)
    if (this.annotations.length > MAX_ANNOTATIONS) this.annotations.splice(0, this.annotations.length - MAX_ANNOTATIONS)
    this.events.emit('annotation', annotation)
  }

  /** Charts of a lab (or the defaults) with their history and the annotations. */
  snapshot(lab: LoadedLab | null): MetricsSnapshot {
    const charts = chartsFor(lab?.manifest ?? null)
    const series = [...new Map(charts.flatMap((c) => c.series).map((s) => [s.id, s])).values()]
    const data = this.ring.read(series.map((s) => s.id))
    const labId = lab?.manifest.id ?? null
    return { ...this.status, ...data, charts, series, annotations: this.annotations.filter((a) => a.labId === null || a.labId === labId) }
  }

  /**
   * The lab's charts since `sinceMs` as SVG snapshots for the journal, with each series' min /
   * median / max in words for the Markdown report. Empty when nothing was sampled.
   */
  journalCharts(lab: LoadedLab, sinceMs: number): { title: string; svg: string; summary: string[] }[] {
    const labId = lab.manifest.id
    const marks = this.annotations.filter((a) => a.labId === labId || a.labId === null)
    this.flush()
    const stored = this.options.samples?.since(labId, sinceMs)
    return chartsFor(lab.manifest).flatMap((chart) => {
      const ids = chart.series.map((s) => s.id)
      // From the store when there is one (it outlives a restart), else from the live buffers.
      const data: SeriesData = stored
        ? { t: stored.map((r) => r.at), values: Object.fromEntries(ids.map((id) => [id, stored.map((r) => r.values[id] ?? null)])) }
        : this.ring.read(ids, sinceMs)
      const summary = chart.series.flatMap((s) => {
        const values = (data.values[s.id] ?? []).filter((v): v is number => v !== null).sort((a, b) => a - b)
        if (values.length === 0) return []
        const fmt = (v: number): string => `${Number(v.toFixed(v >= 100 ? 0 : 2))}${s.unit === '%' ? '%' : s.unit ? ` ${s.unit}` : ''}`
        return [`${s.label} ${fmt(values[0]!)} / ${fmt(values[Math.floor(values.length / 2)]!)} / ${fmt(values.at(-1)!)}`]
      })
      return summary.length === 0 ? [] : [{ title: chart.title, svg: chartSvg(chart, data, marks), summary }]
    })
  }

  dispose(): void {
    this.stop()
    this.disposeSsh()
  }

  private configLine(): string {
    return JSON.stringify(samplerConfig(this.lab?.manifest ?? null, this.intervalMs / 1000)) + '\n'
  }

  /**
   * Requests the lab's page made (from the Browser pane's reports), counted into the lab's page
   * series at the next tick. Reports for another lab than the sampled one are dropped.
   */
  pageRequests(labId: string, requests: { ms: number; outcome: string }[]): void {
    if (this.lab?.manifest.id !== labId || !this.lab.manifest.series.some((s) => s.page)) return
    // An aborted request (the page moved on) is no failure the user saw.
    for (const r of requests) this.pagePending.push({ ms: r.ms, ok: r.outcome === 'ok' || r.outcome === 'aborted' })
    if (this.pagePending.length > MAX_PAGE_PENDING) this.pagePending.splice(0, this.pagePending.length - MAX_PAGE_PENDING)
  }

  private ensureStream(): void {
    if (!this.wanted || this.stream || this.statusValue.state === 'starting') return
    this.setStatus({ state: 'starting', error: null })
    void this.openStream()
  }

  private async openStream(): Promise<void> {
    let buffered = ''
    let lastErrorLine: string | null = null
    let stderr = ''
    try {
      const agent = (this.options.agent ?? [AGENT]).map(shellQuote).join(' ')
      const stream = await this.ssh.stream(`exec ${agent} sample`, {
        user: this.options.user ?? 'root',
        onStdout: (chunk) => {
          buffered += chunk.toString('utf8')
          let newline: number
          while ((newline = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, newline)
            buffered = buffered.slice(newline + 1)
            lastErrorLine = this.onLine(line) ?? lastErrorLine
          }
          if (buffered.length > MAX_LINE) buffered = ''
        },
        onStderr: (chunk) => {
          stderr = (stderr + chunk.toString('utf8')).slice(-4000)
        },
      })
      if (!this.wanted) {
        stream.end()
        return
      }
      this.stream = stream
      this.previous = null
      this.markGap()
      stream.write(this.configLine())
      const code = await stream.closed
      if (this.stream !== stream) return // stopped on purpose
      this.stream = null
      this.markGap()
      if (code === 0 && lastErrorLine === null) throw new Error('the sampler ended')
      throw samplerFailure(code, lastErrorLine, stderr)
    } catch (err) {
      this.stream = null
      if (!this.wanted) return
      this.setStatus({ state: 'error', error: toErrorInfo(err) })
      // Back off and try again once the connection is up; a reconnect also restarts it.
      const delay = RESTART_DELAYS_MS[Math.min(this.failures, RESTART_DELAYS_MS.length - 1)]!
      this.failures++
      this.restartTimer = setTimeout(() => {
        this.restartTimer = null
        this.statusValue = { ...this.statusValue, state: 'idle' }
        if (this.ssh.state === 'connected') this.ensureStream()
      }, delay)
    }
  }

  /** Returns the agent's error line, if this is one. */
  private onLine(line: string): string | null {
    let raw: RawSample & { ok?: boolean; error?: string; fix?: string }
    try {
      raw = JSON.parse(line)
    } catch {
      return null
    }
    if (raw.ok === false) return line
    if (typeof raw.t !== 'number') return null
    const arrival = Date.now()
    const guestMs = raw.t * 1000
    this.clockOffsetMs = this.clockOffsetMs === null ? arrival - guestMs : Math.min(this.clockOffsetMs, arrival - guestMs)
    const t = Math.round(guestMs + this.clockOffsetMs)
    const kinds = this.kinds
    for (const series of kinds) {
      if (series.kind !== 'page') continue
      raw.lab = { ...raw.lab, [series.id]: pageWindow(this.pagePending) }
      this.pagePending = []
    }
    const values = derive(raw, this.previous, this.intervalMs / 1000, kinds)
    this.previous = raw
    this.failures = 0
    if (this.statusValue.state !== 'running') this.setStatus({ state: 'running', error: null })
    this.ring.push(t, values)
    if (this.lab && this.options.samples) this.pending.push({ labId: this.lab.manifest.id, at: t, values: Object.fromEntries(this.charted.map((id) => [id, values[id] ?? null])) })
    this.events.emit('sample', { t, values })
    return null
  }

  private markGap(): void {
    const last = this.ring.lastTime
    if (last === null) return
    this.ring.pushGap(last + 1)
    if (this.lab && this.options.samples) this.pending.push({ labId: this.lab.manifest.id, at: last + 1, values: {} })
  }

  /** Writes the pending samples, grouped by lab, in one transaction each. */
  private flush(): void {
    const store = this.options.samples
    if (!store || this.pending.length === 0) return
    const pending = this.pending
    this.pending = []
    const byLab = new Map<string, { at: number; values: Values }[]>()
    for (const row of pending) {
      const rows = byLab.get(row.labId) ?? []
      rows.push({ at: row.at, values: row.values })
      byLab.set(row.labId, rows)
    }
    for (const [labId, rows] of byLab) {
      try {
        store.append(labId, rows)
      } catch (err) {
        // The charts go on without the journal copy; a full disk must not stop them.
        console.error(`[metrics] could not store ${rows.length} samples of ${labId}:`, err)
      }
    }
  }

  private setStatus(patch: Partial<MetricsStatus>): void {
    this.statusValue = { ...this.statusValue, ...patch }
    this.events.emit('status', this.status)
  }
}

function samplerFailure(code: number | null, errorLine: string | null, stderr: string): AppError {
  if (errorLine) {
    let parsed: { error?: string; fix?: string } = {}
    try {
      parsed = JSON.parse(errorLine)
    } catch {
      // shown raw below
    }
    if (code === 2 && /invalid choice: 'sample'/.test(parsed.error ?? '')) {
      return new AppError({
        code: 'vm',
        message: "The VM's guest agent is older than this app and cannot stream metrics.",
        fix: 'Re-provision the VM: in a terminal in the app folder run `vagrant provision`, or Reset the VM from the VM panel.',
        details: [parsed.error ?? errorLine],
      })
    }
    return new AppError({ code: 'vm', message: `The metrics sampler failed: ${parsed.error ?? errorLine}`, fix: parsed.fix ?? 'Check the VM panel; the charts resume when the VM is connected.', details: [stderr].filter(Boolean) })
  }
  if (code === 127 || /not found|No such file/.test(stderr)) {
    return new AppError({ code: 'vm', message: 'The guest agent is missing in the VM, so there are no live charts.', fix: 'Re-provision the VM (`vagrant provision`) or Reset it from the VM panel.', details: [stderr.trim()] })
  }
  return new AppError({
    code: 'vm',
    message: code === null ? 'The metrics stream stopped (the connection to the VM dropped).' : `The metrics sampler stopped (exit ${code}).`,
    fix: 'The charts resume by themselves when the VM is connected again.',
    details: [stderr.trim()].filter(Boolean),
  })
}
