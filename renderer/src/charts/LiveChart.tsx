// One uPlot chart of a few series, live: it follows the newest samples inside a time window,
// stops following when paused or zoomed (drag to zoom, double-click or "Live" to return), and
// marks the lab's moments (faults, steps, checks) as vertical lines with a tooltip.
import { useEffect, useRef, useState, type ReactNode } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import type { Annotation, ChartInfo } from '../../../electron/core/api'
import type { MetricsStore } from './store'

export interface ChartColors {
  series: string[]
  grid: string
  axis: string
  annotation: Record<Annotation['kind'], string>
}

export function readChartColors(): ChartColors {
  const style = getComputedStyle(document.documentElement)
  const v = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback
  return {
    series: [1, 2, 3, 4, 5, 6, 7, 8].map((i) => v(`--chart-${i}`, '#4c6ef5')),
    grid: v('--chart-grid', '#dde1e7'),
    axis: v('--muted', '#5f6b7c'),
    annotation: {
      'fault-injected': v('--danger', '#c92a2a'),
      'fault-reverted': v('--ok', '#2b8a3e'),
      halt: v('--ok', '#2b8a3e'),
      'step-started': v('--muted', '#5f6b7c'),
      'step-passed': v('--chart-1', '#1c7ed6'),
      'step-skipped': v('--muted', '#5f6b7c'),
      'check-failed': v('--accent', '#d9480f'),
    },
  }
}

export function formatValue(value: number | null | undefined, unit: string): string {
  if (value == null || Number.isNaN(value)) return '–'
  const abs = Math.abs(value)
  const text = abs >= 1000 ? value.toFixed(0) : abs >= 100 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : value.toFixed(2)
  return unit === '%' ? `${text}%` : unit ? `${text} ${unit}` : text
}

/**
 * The x range while following: the newest `window` seconds, but not before the chart's first
 * value (a chart that just started fills from the left instead of hugging the right edge: a
 * lab's series begin when the lab opens, long after the VM's), and never less than 30 s wide.
 */
function followRange(times: number[], window: number, dataFrom: number | null): { min: number; max: number } {
  const last = times[times.length - 1] ?? Date.now() / 1000
  const first = Math.max(times[0] ?? last, dataFrom ?? -Infinity)
  const min = Math.min(Math.max(first, last - window), last - 30)
  return { min, max: Math.max(last, min + 30) }
}

/** The time of the first row in which any of the chart's series has a value, or null. */
function firstValueAt(data: uPlot.AlignedData): number | null {
  const times = data[0]
  for (let i = 0; i < times.length; i++) {
    for (let s = 1; s < data.length; s++) if (data[s]![i] != null) return times[i]!
  }
  return null
}

function formatTick(value: number, unit: string): string {
  const text = Number.isInteger(value) ? String(value) : Math.abs(value) >= 10 ? value.toFixed(0) : String(Number(value.toPrecision(2)))
  return unit === '%' ? `${text}%` : unit ? `${text} ${unit}` : text
}

// Clock formats, made once: toLocaleTimeString with options builds a new Intl.DateTimeFormat on
// each call (~0.3 ms), and the time axis formats its ~10 ticks on every update (the x scale moves
// each second): that was half of an update's cost (bench/browser.ts, chart row).
const CLOCK = new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit', hour12: false })
const CLOCK_SECONDS = new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })
/** What toLocaleTimeString() prints (its defaults: numeric hour, minute and second). */
const TIME = new Intl.DateTimeFormat([], { hour: 'numeric', minute: 'numeric', second: 'numeric' })

/**
 * The series' lines, as uPlot's linear paths draw them (every point; from 4 points per pixel
 * column on, each column's first, lowest, highest and last value, bucketed as uPlot does), with
 * two changes that more than halve the drawing (bench/browser.ts, chart row):
 * - a gap (null, spanGaps false) breaks the line with a moveTo, where uPlot builds a clip region
 *   of the spans between gaps and strokes each series through that clip (dropping it took the
 *   bench's canvas raster from 1.4 to 0.9 ms and its JS down by ~0.9 ms);
 * - points that only extend a horizontal run (a quiet series along one pixel row) are merged
 *   into one segment: 8 series x 3600 points went from ~7,600 path points to ~3,500.
 * The picture stays uPlot's. At 1 px per device pixel a merged run differs only in the
 * anti-aliasing where its short segments met (bench data: 2.5% of the canvas's pixels differ,
 * 0.7% by more than a quarter of a channel, none visibly); at devicePixelRatio 2, 0.03% differ,
 * at gap edges.
 */
function gapLines(u: uPlot, seriesIdx: number, idx0: number, idx1: number): uPlot.Series.Paths {
  const xs = u.data[0]
  const ys = u.data[seriesIdx]!
  const sx = u.scales['x']!
  const sy = u.scales[u.series[seriesIdx]!.scale ?? 'y']!
  const { left, top, width, height } = u.bbox
  const xMin = sx.min!
  const xSpan = sx.max! - xMin
  const yMin = sy.min!
  const ySpan = sy.max! - yMin
  // uPlot's valToPos for linear scales, rounded to whole canvas pixels as its pxAlign: 1 does.
  const px = (v: number): number => Math.round(left + ((v - xMin) / xSpan) * width)
  const py = (v: number): number => Math.round(top + (1 - (v - yMin) / ySpan) * height)
  const path = new Path2D()
  // As uPlot: from the first to the last value that is not a gap.
  while (idx0 <= idx1 && ys[idx0] == null) idx0++
  while (idx1 >= idx0 && ys[idx1] == null) idx1--
  // Each run of values between gaps starts with a moveTo; a horizontal run is drawn when it ends.
  let open = false
  let lastY = 0
  let flatX = -1 // the end of a horizontal run not drawn yet, or -1
  const to = (x: number, y: number): void => {
    if (!open) {
      path.moveTo(x, y)
      open = true
    } else if (y === lastY) {
      flatX = x
      return
    } else {
      if (flatX >= 0) path.lineTo(flatX, lastY)
      path.lineTo(x, y)
    }
    lastY = y
    flatX = -1
  }
  const breakLine = (): void => {
    if (flatX >= 0) path.lineTo(flatX, lastY)
    flatX = -1
    open = false
  }
  if (idx1 - idx0 < width * 4) {
    for (let i = idx0; i <= idx1; i++) {
      const v = ys[i]
      if (v == null) breakLine()
      else to(px(xs[i]!), py(v))
    }
    breakLine()
    return { stroke: path, fill: null, clip: null, band: null, flags: 0 }
  }
  // Per pixel column (uPlot's decimation, the same bucketing): the first value is drawn as it
  // comes; when the column ends, its lowest and highest (when not already its first or last
  // value) and its last.
  let column = px(xs[idx0]!)
  let columnEnd = xMin + ((column + 1 - left) / width) * xSpan // the x value where the next column starts
  let lo: number | null = null
  let hi = 0
  let first = 0
  let last = 0
  const endColumn = (): void => {
    if (lo === null) return
    const yLo = py(lo)
    const yHi = py(hi)
    if (yLo === yHi) return
    const yFirst = py(first)
    const yLast = py(last)
    if (yFirst !== yLo && yLast !== yLo) to(column, yLo)
    if (yFirst !== yHi && yLast !== yHi) to(column, yHi)
    to(column, yLast)
  }
  for (let i = idx0; i <= idx1; i++) {
    const t = xs[i]!
    const x = t < columnEnd ? column : px(t)
    const v = ys[i]
    if (x !== column) {
      endColumn()
      lo = null
      column = x
      columnEnd = xMin + ((column + 1 - left) / width) * xSpan
    }
    if (v == null) {
      endColumn()
      lo = null
      breakLine()
    } else if (lo === null) {
      to(x, py(v))
      lo = hi = first = last = v
    } else {
      last = v
      if (v < lo) lo = v
      else if (v > hi) hi = v
    }
  }
  endColumn()
  breakLine()
  return { stroke: path, fill: null, clip: null, band: null, flags: 0 }
}

/**
 * The y axis's width for its longest label ("1000 KB/s" needs more than "50%"): uPlot asks again
 * once the labels are known. About 7 px per character of the 12 px axis font, plus the ticks.
 */
function yAxisSize(_u: uPlot, values: string[] | null): number {
  const longest = values ? Math.max(0, ...values.map((v) => String(v).length)) : 0
  return Math.max(44, Math.ceil(longest * 7) + 20)
}

/** Marks drawn as lines with a flag; faults get their label printed on the chart. */
const LABELLED = new Set<Annotation['kind']>(['fault-injected', 'fault-reverted', 'halt'])

/** A mark under the cursor: where it is on the chart and its tooltip. */
export interface ChartHover {
  left: number
  label: string
}

export interface LiveChartParams {
  chart: ChartInfo
  store: MetricsStore
  colors: ChartColors
  height: number
  /** Charts with the same key move their cursors together (compare mode). */
  syncKey?: string
  /** Read on each update: the component's current props. */
  following: () => boolean
  windowSeconds: () => number
  yRange: () => [number, number] | null | undefined
  /** The learner dragged across the chart (uPlot zoomed to it). */
  onUserZoom: () => void
  /** Double-click: uPlot resets its zoom. */
  onResetZoom: () => void
  onHover: (hover: ChartHover | null) => void
}

export interface LiveChartHandle {
  plot: uPlot
  /** New data in, and (while following) the x window moved to the newest samples. */
  update: () => void
  destroy: () => void
}

/**
 * The chart itself, outside React (the component below owns one; bench/browser.ts measures this
 * same code): a uPlot chart in `el`, redrawn from the store on each sample while following.
 */
export function createLiveChart(el: HTMLElement, params: LiveChartParams): LiveChartHandle {
  const { chart, store, colors, height, syncKey, onHover } = params
  const unit = chart.unit
  const ids = chart.series.map((s) => s.id)
  let hover: ChartHover | null = null
  const setHover = (next: ChartHover | null): void => {
    // The cursor hook runs on every update while the pointer rests on the chart: no re-render for the same mark.
    if (next?.left === hover?.left && next?.label === hover?.label) return
    hover = next
    onHover(next)
  }
  const annotationsPlugin: uPlot.Plugin = {
    hooks: {
      draw: [
        (u) => {
          const { ctx } = u
          const { left, top, width, height: h } = u.bbox
          const [min, max] = [u.scales['x']?.min ?? 0, u.scales['x']?.max ?? 0]
          ctx.save()
          ctx.font = `${Math.round(10 * devicePixelRatio)}px system-ui, sans-serif`
          const labels: { text: string; x: number; color: string }[] = []
          for (const a of store.annotations) {
            const t = a.at / 1000
            if (t < min || t > max) continue
            const labelled = LABELLED.has(a.kind)
            const x = Math.round(u.valToPos(t, 'x', true))
            ctx.strokeStyle = colors.annotation[a.kind]
            ctx.lineWidth = (labelled ? 2 : 1) * devicePixelRatio
            ctx.setLineDash(a.kind === 'step-started' || a.kind === 'step-skipped' ? [3 * devicePixelRatio, 3 * devicePixelRatio] : [])
            ctx.beginPath()
            ctx.moveTo(x, top)
            ctx.lineTo(x, top + h)
            ctx.stroke()
            if (labelled) labels.push({ text: a.label.length > 28 ? `${a.label.slice(0, 27)}…` : a.label, x, color: colors.annotation[a.kind] })
          }
          // Labels newest first, in the first of two rows where they overlap no other; one that
          // fits nowhere is left out (its line and tooltip stay, and the marks list has it).
          const rows: [number, number][][] = [[], []]
          const gap = 4 * devicePixelRatio
          for (const label of labels.reverse()) {
            const textWidth = ctx.measureText(label.text).width
            // Right of its line; near the right edge to the left of it, but never over the y axis.
            const tx = Math.max(left + 2, Math.min(label.x + 3 * devicePixelRatio, left + width - textWidth - 2))
            const row = rows.findIndex((placed) => placed.every(([from, to]) => tx + textWidth + gap <= from || tx >= to + gap))
            if (row < 0) continue
            rows[row]!.push([tx, tx + textWidth])
            ctx.fillStyle = label.color
            ctx.fillText(label.text, tx, top + (11 + row * 12) * devicePixelRatio)
          }
          ctx.restore()
        },
      ],
      setCursor: [
        (u) => {
          const left = u.cursor.left ?? -1
          if (left < 0) return setHover(null)
          const near = store.annotations.find((a) => Math.abs(u.valToPos(a.at / 1000, 'x') - left) <= 4)
          setHover(near ? { left: u.valToPos(near.at / 1000, 'x'), label: `${TIME.format(near.at)} · ${near.label}` } : null)
        },
      ],
      setSelect: [
        (u) => {
          // The learner dragged across the chart: uPlot zooms to it; stop following the newest
          // samples. (Selections are the only way a learner changes the x scale; our own
          // updates never select.)
          if (u.select.width > 0) params.onUserZoom()
        },
      ],
    },
  }
  const opts: uPlot.Options = {
    width: Math.max(200, el.clientWidth),
    height,
    cursor: { drag: { x: true, y: false }, sync: syncKey ? { key: syncKey } : undefined },
    legend: { live: true },
    scales: {
      x: { time: true },
      y: { range: (_u, min, max) => params.yRange() ?? (unit === '%' ? [0, Math.max(100, max)] : [Math.min(0, min), max > 0 ? max * 1.1 : 1]) },
    },
    axes: [
      {
        stroke: colors.axis,
        grid: { stroke: colors.grid, width: 1 },
        ticks: { stroke: colors.grid },
        space: 70,
        // Clock times only (no date line): seconds while the window is short.
        values: (u, splits) => {
          const span = (u.scales['x']?.max ?? 0) - (u.scales['x']?.min ?? 0)
          const clock = span <= 600 ? CLOCK_SECONDS : CLOCK
          return splits.map((v) => clock.format(v * 1000))
        },
      },
      { stroke: colors.axis, grid: { stroke: colors.grid, width: 1 }, ticks: { stroke: colors.grid }, size: yAxisSize, values: (_u, splits) => splits.map((v) => formatTick(v, unit)) },
    ],
    series: [
      { value: (_u, v) => (v == null ? '–' : TIME.format(v * 1000)) },
      ...chart.series.map((s, i) => ({
        label: s.label,
        stroke: colors.series[i % colors.series.length],
        // 1 px: without GPU raster, fractional-width anti-aliased lines cost ~10x the painting (bench)
        width: 1,
        spanGaps: false,
        paths: gapLines,
        points: { show: false },
        value: (_u: uPlot, v: number | null) => formatValue(v, s.unit),
      })),
    ],
    plugins: [annotationsPlugin],
  }
  const plot = new uPlot(opts, store.data(ids) as uPlot.AlignedData, el)
  // Double-click resets uPlot's zoom: back to following the newest samples.
  const onDoubleClick = (): void => params.onResetZoom()
  plot.over.addEventListener('dblclick', onDoubleClick)
  const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height }))
  resize.observe(el)
  // Found once: rows only ever leave from the front, and followRange never goes before t[0].
  let dataFrom: number | null = null
  const update = (): void => {
    const data = store.data(ids) as uPlot.AlignedData
    dataFrom ??= firstValueAt(data)
    plot.batch(() => {
      plot.setData(data, false)
      if (params.following()) {
        plot.setScale('x', followRange(store.t, params.windowSeconds(), dataFrom))
      } else {
        plot.redraw(false)
      }
    })
  }
  update()
  const unsubscribe = store.subscribe(() => {
    if (params.following()) update()
  })
  return {
    plot,
    update,
    destroy: () => {
      unsubscribe()
      plot.over.removeEventListener('dblclick', onDoubleClick)
      resize.disconnect()
      plot.destroy()
    },
  }
}

export function LiveChart(props: {
  chart: ChartInfo
  store: MetricsStore
  windowSeconds: number
  following: boolean
  onUserZoom: () => void
  /** Double-click: uPlot resets its zoom; the panel goes back to live. */
  onResetZoom: () => void
  colors: ChartColors
  /** Charts with the same key move their cursors together (compare mode). */
  syncKey?: string
  /** Fixed y range (compare mode: both sides on one scale). */
  yRange?: [number, number] | null
  height?: number
  onReady?: (plot: uPlot | null) => void
}): ReactNode {
  const { chart, store, windowSeconds, following, onUserZoom, onResetZoom, colors, syncKey, yRange, height = 170, onReady } = props
  const host = useRef<HTMLDivElement>(null)
  const chartRef = useRef<LiveChartHandle | null>(null)
  const followingRef = useRef(following)
  const windowRef = useRef(windowSeconds)
  const zoomRef = useRef(onUserZoom)
  const resetRef = useRef(onResetZoom)
  const yRangeRef = useRef(yRange)
  const [hover, setHover] = useState<ChartHover | null>(null)
  followingRef.current = following
  windowRef.current = windowSeconds
  zoomRef.current = onUserZoom
  resetRef.current = onResetZoom
  yRangeRef.current = yRange
  const idsKey = chart.series.map((s) => s.id).join(',')

  useEffect(() => {
    const el = host.current
    if (!el) return
    const live = createLiveChart(el, {
      chart,
      store,
      colors,
      height,
      syncKey,
      following: () => followingRef.current,
      windowSeconds: () => windowRef.current,
      yRange: () => yRangeRef.current,
      onUserZoom: () => zoomRef.current(),
      onResetZoom: () => resetRef.current(),
      onHover: setHover,
    })
    chartRef.current = live
    onReady?.(live.plot)
    return () => {
      onReady?.(null)
      live.destroy()
      chartRef.current = null
    }
    // The chart is rebuilt when what it shows or how it looks changes; data flows in via the store.
  }, [store, idsKey, colors, syncKey, height, chart.unit])

  // Back to live, or a new window length: jump to the newest samples.
  useEffect(() => {
    if (following) chartRef.current?.update()
  }, [following, windowSeconds])

  useEffect(() => {
    chartRef.current?.plot.redraw(true)
  }, [yRange?.[0], yRange?.[1]])

  return (
    <div className="live-chart" data-chart-id={chart.id}>
      <div ref={host} className="live-chart-plot" />
      {hover && (
        <div className="chart-annotation-tip" role="tooltip" style={{ left: hover.left }}>
          {hover.label}
        </div>
      )}
    </div>
  )
}

/** The chart as a PNG: title, plot (with its marks) and a legend, on the theme's background. */
export function chartPng(plot: uPlot, title: string, labels: { label: string; color: string }[], background: string, foreground: string): Promise<Blob> {
  const source = plot.ctx.canvas
  const ratio = devicePixelRatio
  const pad = 10 * ratio
  const titleHeight = 24 * ratio
  const legendHeight = 22 * ratio
  const canvas = document.createElement('canvas')
  canvas.width = source.width + 2 * pad
  canvas.height = source.height + titleHeight + legendHeight + 2 * pad
  const ctx = canvas.getContext('2d')!
  ctx.fillStyle = background
  ctx.fillRect(0, 0, canvas.width, canvas.height)
  ctx.fillStyle = foreground
  ctx.font = `600 ${14 * ratio}px system-ui, sans-serif`
  ctx.fillText(title, pad, pad + 14 * ratio)
  ctx.drawImage(source, pad, pad + titleHeight)
  ctx.font = `${12 * ratio}px system-ui, sans-serif`
  let x = pad
  const y = pad + titleHeight + source.height + 15 * ratio
  for (const { label, color } of labels) {
    ctx.fillStyle = color
    ctx.fillRect(x, y - 9 * ratio, 12 * ratio, 3 * ratio)
    ctx.fillStyle = foreground
    ctx.fillText(label, x + 16 * ratio, y)
    x += ctx.measureText(label).width + 32 * ratio
  }
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The chart could not be drawn as PNG.'))), 'image/png'))
}
