// The renderer's copy of the metrics: loaded once from a snapshot, then grown by each
// metrics:sample event. Columns are plain arrays shared with uPlot (mutated in place, never
// copied per tick), times in seconds as uPlot wants them.
import type { Annotation, ChartInfo, MetricsSample, MetricsSnapshot, MetricsStatus } from '../../../electron/core/api'

/** Rows kept: an hour at 1 Hz, the core's own ring size. */
const CAPACITY = 3600
/** Trimming in batches keeps the per-tick cost O(1) amortized. */
const TRIM_SLACK = 300

export class MetricsStore {
  readonly t: number[] = []
  readonly columns = new Map<string, (number | null)[]>()
  annotations: Annotation[] = []
  charts: ChartInfo[] = []
  status: MetricsStatus = { state: 'idle', error: null, intervalMs: 1000, labId: null }
  private listeners = new Set<() => void>()

  constructor(private readonly labId: string | null) {}

  load(snapshot: MetricsSnapshot): void {
    this.t.splice(0, this.t.length, ...snapshot.t.map((ms) => ms / 1000))
    this.columns.clear()
    for (const [id, values] of Object.entries(snapshot.values)) this.columns.set(id, [...values])
    this.annotations = snapshot.annotations
    this.charts = snapshot.charts
    this.status = { state: snapshot.state, error: snapshot.error, intervalMs: snapshot.intervalMs, labId: snapshot.labId }
    this.changed()
  }

  push(sample: MetricsSample): void {
    if (this.t.length > 0 && sample.t / 1000 <= this.t[this.t.length - 1]!) return // already in the snapshot
    this.t.push(sample.t / 1000)
    for (const [id, column] of this.columns) column.push(sample.values[id] ?? null)
    if (this.t.length > CAPACITY + TRIM_SLACK) {
      const drop = this.t.length - CAPACITY
      this.t.splice(0, drop)
      for (const column of this.columns.values()) column.splice(0, drop)
    }
    this.changed()
  }

  annotate(annotation: Annotation): void {
    if (annotation.labId !== null && annotation.labId !== this.labId) return
    this.annotations = [...this.annotations, annotation]
    this.changed()
  }

  setStatus(status: MetricsStatus): void {
    this.status = status
    this.changed()
  }

  /** uPlot's data for these series: [times, ...columns]. */
  data(ids: string[]): (number | null)[][] {
    return [this.t, ...ids.map((id) => this.columns.get(id) ?? this.t.map(() => null))]
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private changed(): void {
    for (const listener of this.listeners) listener()
  }
}

/** CSV of the given series: one row per sample, ISO time first; empty cells are gaps. */
export function toCsv(store: MetricsStore, chart: ChartInfo): string {
  const header = ['time', ...chart.series.map((s) => `${s.label}${s.unit ? ` (${s.unit})` : ''}`)]
  const columns = chart.series.map((s) => store.columns.get(s.id) ?? [])
  const quote = (v: string): string => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v)
  const rows = store.t.map((t, i) => [new Date(t * 1000).toISOString(), ...columns.map((c) => (c[i] == null ? '' : String(c[i])))].join(','))
  return [header.map(quote).join(','), ...rows].join('\n') + '\n'
}
