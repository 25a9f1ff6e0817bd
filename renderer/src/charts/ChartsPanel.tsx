// The live charts of a lab (or the VM's default charts): uPlot charts fed by the core's metrics
// stream, with the lab's moments marked on them. Pause freezes the view (samples keep coming
// in), dragging zooms, "Live" returns; Compare puts two series of the same unit side by side on
// one scale; each chart exports as PNG and its data as CSV.
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import type uPlot from 'uplot'
import type { ChartInfo, SeriesInfo } from '../../../electron/core/api'
import { useClient, useConnection } from '../api/hooks'
import { downloadBlob, downloadText } from '../lab/download'
import { chartPng, formatValue, LiveChart, readChartColors, type ChartColors } from './LiveChart'
import { MetricsStore, toCsv } from './store'

const WINDOWS = [
  { seconds: 60, label: '1 min' },
  { seconds: 300, label: '5 min' },
  { seconds: 900, label: '15 min' },
  { seconds: 3600, label: '1 h' },
]

const MARK_KEY: { kind: keyof ChartColors['annotation']; label: string }[] = [
  { kind: 'fault-injected', label: 'fault injected' },
  { kind: 'fault-reverted', label: 'reverted' },
  { kind: 'step-passed', label: 'step passed' },
  { kind: 'check-failed', label: 'check failed' },
  { kind: 'step-started', label: 'step opened' },
]

function useChartColors(): ChartColors {
  const [colors, setColors] = useState<ChartColors>(readChartColors)
  useEffect(() => {
    const observer = new MutationObserver(() => setColors(readChartColors()))
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] })
    return () => observer.disconnect()
  }, [])
  return colors
}

/** The metrics of one lab, kept current from events; re-read after a reconnect. */
function useMetricsStore(labId: string | null): MetricsStore {
  const client = useClient()
  const connection = useConnection()
  const store = useMemo(() => new MetricsStore(labId), [labId])
  useEffect(() => {
    if (connection !== 'open') return
    let alive = true
    const offs = [
      client.on('metrics:sample', (sample) => store.push(sample)),
      client.on('metrics:annotation', (annotation) => store.annotate(annotation)),
      client.on('metrics:status', (status) => store.setStatus(status)),
    ]
    void client
      .call('metrics:configure', { labId })
      .then(() => client.call('metrics:snapshot', { labId }))
      .then((snapshot) => alive && store.load(snapshot))
      .catch(() => undefined)
    return () => {
      alive = false
      offs.forEach((off) => off())
    }
  }, [client, store, labId, connection])
  return store
}

function useStoreVersion(store: MetricsStore): number {
  const [version, setVersion] = useState(0)
  useEffect(() => store.subscribe(() => setVersion((v) => v + 1)), [store])
  return version
}

export function ChartsPanel({ labId }: { labId: string | null }): ReactNode {
  const store = useMetricsStore(labId)
  useStoreVersion(store)
  const colors = useChartColors()
  const [windowSeconds, setWindowSeconds] = useState(300)
  const [paused, setPaused] = useState(false)
  const [zoomed, setZoomed] = useState(false)
  const [compare, setCompare] = useState(false)
  const following = !paused && !zoomed
  const panel = useRef<HTMLElement>(null)

  const onKey = (event: React.KeyboardEvent): void => {
    if ((event.target as HTMLElement).tagName === 'SELECT') return
    if (event.key === ' ' || event.key === 'p') {
      event.preventDefault()
      togglePause()
    }
  }
  const togglePause = (): void => {
    if (zoomed) {
      setZoomed(false)
      setPaused(false)
    } else setPaused((p) => !p)
  }

  const status = store.status
  const client = useClient()
  // The guest samples faster or slower for everyone watching (the core has one stream).
  const changeInterval = (intervalMs: number): void => void client.call('metrics:configure', { labId, intervalMs }).catch(() => undefined)
  const waiting = store.t.length === 0
  return (
    <section className="charts-panel" aria-label="Live charts" ref={panel} tabIndex={-1} onKeyDown={onKey} data-testid="charts-panel">
      <div className="charts-toolbar">
        <strong>Live charts</strong>
        <span className={`metrics-state metrics-${status.state}`} data-testid="metrics-state" title={status.error ? `${status.error.message} ${status.error.fix}` : undefined}>
          {status.state === 'running' ? (following ? 'live' : zoomed ? 'zoomed' : 'paused') : status.state === 'error' ? 'no data' : 'waiting for the VM'}
        </span>
        <label className="small">
          Window{' '}
          <select value={windowSeconds} onChange={(e) => setWindowSeconds(Number(e.target.value))} aria-label="Time window">
            {WINDOWS.map((w) => (
              <option key={w.seconds} value={w.seconds}>{w.label}</option>
            ))}
          </select>
        </label>
        <label className="small">
          Every{' '}
          <select value={status.intervalMs} onChange={(e) => changeInterval(Number(e.target.value))} aria-label="Sampling interval">
            {[1000, 500, 250].map((ms) => (
              <option key={ms} value={ms}>{ms / 1000} s</option>
            ))}
          </select>
        </label>
        <button type="button" className="ghost small" onClick={togglePause} aria-pressed={!following} data-testid="charts-pause" title="Pause or resume (Space or P while the charts have focus)">
          {following ? 'Pause' : 'Live'}
        </button>
        <button type="button" className="ghost small" onClick={() => setCompare((c) => !c)} aria-pressed={compare} data-testid="charts-compare">
          Compare
        </button>
        <span className="mark-key" aria-label="Marks on the charts">
          {MARK_KEY.map((m) => (
            <span key={m.kind} className="mark-key-item"><i style={{ background: colors.annotation[m.kind] }} />{m.label}</span>
          ))}
        </span>
      </div>
      {status.state === 'error' && status.error && (
        <p className="charts-error small" role="status">{status.error.message} <span className="muted">{status.error.fix}</span></p>
      )}
      {waiting && status.state !== 'error' && <p className="muted small charts-empty">Charts start when the VM is running and connected.</p>}
      <ul className="visually-hidden" aria-label="Marks on the charts" data-testid="chart-marks">
        {store.annotations.map((a) => (
          <li key={`${a.at}-${a.kind}-${a.label}`}>{new Date(a.at).toLocaleTimeString()} {a.label}</li>
        ))}
      </ul>
      {waiting ? null : compare ? (
        <ComparePane store={store} colors={colors} windowSeconds={windowSeconds} following={following} onUserZoom={() => setZoomed(true)} onResetZoom={() => setZoomed(false)} />
      ) : (
        <div className="charts-grid">
          {store.charts.map((chart) => (
            <ChartCard key={chart.id} chart={chart} store={store} colors={colors} windowSeconds={windowSeconds} following={following} onUserZoom={() => setZoomed(true)} onResetZoom={() => setZoomed(false)} />
          ))}
        </div>
      )}
    </section>
  )
}

function ChartCard(props: { chart: ChartInfo; store: MetricsStore; colors: ChartColors; windowSeconds: number; following: boolean; onUserZoom: () => void; onResetZoom: () => void; syncKey?: string; yRange?: [number, number] | null }): ReactNode {
  const { chart, store, colors } = props
  const plot = useRef<uPlot | null>(null)
  const fileBase = `${store.status.labId ?? 'vm'}-${chart.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`
  const exportPng = (): void => {
    if (!plot.current) return
    const style = getComputedStyle(document.documentElement)
    const labels = chart.series.map((s, i) => ({ label: s.label, color: colors.series[i % colors.series.length]! }))
    void chartPng(plot.current, chart.title, labels, style.getPropertyValue('--surface').trim() || '#fff', style.getPropertyValue('--text').trim() || '#000').then((blob) => downloadBlob(`${fileBase}.png`, blob))
  }
  return (
    <figure className="chart-card" aria-label={chart.title}>
      <figcaption>
        <span>{chart.title}</span>
        <span className="chart-latest muted" data-testid="chart-latest" title="Newest values">
          {chart.series.map((s, i) => (
            <span key={s.id} style={{ color: colors.series[i % colors.series.length] }}>{formatValue(latest(store, s.id), s.unit)}</span>
          ))}
        </span>
        <span className="chart-actions">
          <button type="button" className="ghost small" onClick={exportPng} title="Save the chart as a PNG image">PNG</button>
          <button type="button" className="ghost small" onClick={() => downloadText(`${fileBase}.csv`, toCsv(store, chart), 'text/csv')} title="Save the chart's data as CSV">CSV</button>
        </span>
      </figcaption>
      <LiveChart {...props} onReady={(p) => (plot.current = p)} />
    </figure>
  )
}

/** Two series of the same unit side by side, on one y scale, cursors moving together. */
function ComparePane(props: { store: MetricsStore; colors: ChartColors; windowSeconds: number; following: boolean; onUserZoom: () => void; onResetZoom: () => void }): ReactNode {
  const { store } = props
  const all = useMemo(() => [...new Map(store.charts.flatMap((c) => c.series).map((s) => [s.id, s])).values()], [store.charts])
  const [a, setA] = useState<string>(all[0]?.id ?? '')
  const sameUnit = (s: SeriesInfo): boolean => s.unit === all.find((x) => x.id === a)?.unit
  const [b, setB] = useState<string>('')
  const left = all.find((s) => s.id === a)
  const right = all.find((s) => s.id === b && sameUnit(s)) ?? all.find((s) => s.id !== a && sameUnit(s))
  // One scale for both: the larger of the two maxima in the data held.
  const max = Math.max(1, ...[left, right].flatMap((s) => (s ? (store.columns.get(s.id) ?? []).filter((v): v is number => v !== null) : [])))
  const yRange: [number, number] = [0, left?.unit === '%' ? Math.max(100, max) : max * 1.1]
  const chartOf = (s: SeriesInfo): ChartInfo => ({ id: `compare-${s.id}`, title: s.label, unit: s.unit, series: [s] })
  return (
    <div className="compare-pane">
      <div className="compare-pickers">
        <label className="small">
          Left{' '}
          <select value={a} onChange={(e) => setA(e.target.value)} aria-label="Left series">
            {all.map((s) => <option key={s.id} value={s.id}>{s.label}{s.unit ? ` (${s.unit})` : ''}</option>)}
          </select>
        </label>
        <label className="small">
          Right{' '}
          <select value={right?.id ?? ''} onChange={(e) => setB(e.target.value)} aria-label="Right series">
            {all.filter((s) => s.id !== a && sameUnit(s)).map((s) => <option key={s.id} value={s.id}>{s.label}</option>)}
          </select>
        </label>
        {!right && <span className="muted small">No other series has the unit of the left one.</span>}
      </div>
      <div className="compare-grid">
        {left && <ChartCard {...props} chart={chartOf(left)} syncKey="compare" yRange={yRange} />}
        {right && <ChartCard {...props} chart={chartOf(right)} syncKey="compare" yRange={yRange} />}
      </div>
    </div>
  )
}

/** The newest value of a series that is not a gap (within the last few samples), or null. */
function latest(store: MetricsStore, id: string): number | null {
  const column = store.columns.get(id)
  if (!column) return null
  for (let i = column.length - 1; i >= Math.max(0, column.length - 3); i--) if (column[i] != null) return column[i]!
  return null
}
