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
 * The x range while following: the newest `window` seconds, but not before the first sample
 * (a chart that just started fills from the left instead of hugging the right edge), and never
 * less than 30 s wide.
 */
function followRange(times: number[], window: number): { min: number; max: number } {
  const last = times[times.length - 1] ?? Date.now() / 1000
  const first = times[0] ?? last
  const min = Math.min(Math.max(first, last - window), last - 30)
  return { min, max: Math.max(last, min + 30) }
}

function formatTick(value: number, unit: string): string {
  const text = Number.isInteger(value) ? String(value) : Math.abs(value) >= 10 ? value.toFixed(0) : String(Number(value.toPrecision(2)))
  return unit === '%' ? `${text}%` : unit ? `${text} ${unit}` : text
}

/** Marks drawn as lines with a flag; faults get their label printed on the chart. */
const LABELLED: Annotation['kind'][] = ['fault-injected', 'fault-reverted', 'halt']

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
  const plotRef = useRef<uPlot | null>(null)
  const followingRef = useRef(following)
  const windowRef = useRef(windowSeconds)
  const zoomRef = useRef(onUserZoom)
  const resetRef = useRef(onResetZoom)
  const yRangeRef = useRef(yRange)
  const [hover, setHover] = useState<{ left: number; label: string } | null>(null)
  followingRef.current = following
  windowRef.current = windowSeconds
  zoomRef.current = onUserZoom
  resetRef.current = onResetZoom
  yRangeRef.current = yRange
  const ids = chart.series.map((s) => s.id)
  const idsKey = ids.join(',')

  useEffect(() => {
    const el = host.current
    if (!el) return
    const unit = chart.unit
    const annotationsPlugin: uPlot.Plugin = {
      hooks: {
        draw: [
          (u) => {
            const { ctx } = u
            const { left, top, width, height: h } = u.bbox
            const [min, max] = [u.scales['x']?.min ?? 0, u.scales['x']?.max ?? 0]
            ctx.save()
            ctx.font = `${Math.round(10 * devicePixelRatio)}px system-ui, sans-serif`
            for (const a of store.annotations) {
              const t = a.at / 1000
              if (t < min || t > max) continue
              const x = Math.round(u.valToPos(t, 'x', true))
              ctx.strokeStyle = colors.annotation[a.kind]
              ctx.lineWidth = (LABELLED.includes(a.kind) ? 2 : 1) * devicePixelRatio
              ctx.setLineDash(a.kind === 'step-started' || a.kind === 'step-skipped' ? [3 * devicePixelRatio, 3 * devicePixelRatio] : [])
              ctx.beginPath()
              ctx.moveTo(x, top)
              ctx.lineTo(x, top + h)
              ctx.stroke()
              if (LABELLED.includes(a.kind)) {
                ctx.fillStyle = colors.annotation[a.kind]
                const text = a.label.length > 28 ? `${a.label.slice(0, 27)}…` : a.label
                const textWidth = ctx.measureText(text).width
                const tx = Math.min(x + 3 * devicePixelRatio, left + width - textWidth - 2)
                ctx.fillText(text, tx, top + 11 * devicePixelRatio)
              }
            }
            ctx.restore()
          },
        ],
        setCursor: [
          (u) => {
            const left = u.cursor.left ?? -1
            if (left < 0) return setHover(null)
            const near = store.annotations.find((a) => Math.abs(u.valToPos(a.at / 1000, 'x') - left) <= 4)
            setHover(near ? { left: u.valToPos(near.at / 1000, 'x'), label: `${new Date(near.at).toLocaleTimeString()} · ${near.label}` } : null)
          },
        ],
        setSelect: [
          (u) => {
            // The learner dragged across the chart: uPlot zooms to it; stop following the newest
            // samples. (Selections are the only way a learner changes the x scale; our own
            // updates never select.)
            if (u.select.width > 0) zoomRef.current()
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
        y: { range: (_u, min, max) => yRangeRef.current ?? (unit === '%' ? [0, Math.max(100, max)] : [Math.min(0, min), max > 0 ? max * 1.1 : 1]) },
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
            return splits.map((v) => new Date(v * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: span <= 600 ? '2-digit' : undefined, hour12: false }))
          },
        },
        { stroke: colors.axis, grid: { stroke: colors.grid, width: 1 }, ticks: { stroke: colors.grid }, size: 60, values: (_u, splits) => splits.map((v) => formatTick(v, unit)) },
      ],
      series: [
        { value: (_u, v) => (v == null ? '–' : new Date(v * 1000).toLocaleTimeString()) },
        ...chart.series.map((s, i) => ({
          label: s.label,
          stroke: colors.series[i % colors.series.length],
          // 1 px: without GPU raster, fractional-width anti-aliased lines cost ~10x the painting (bench)
          width: 1,
          spanGaps: false,
          points: { show: false },
          value: (_u: uPlot, v: number | null) => formatValue(v, s.unit),
        })),
      ],
      plugins: [annotationsPlugin],
    }
    const plot = new uPlot(opts, store.data(ids) as uPlot.AlignedData, el)
    // Double-click resets uPlot's zoom: back to following the newest samples.
    const onDoubleClick = (): void => resetRef.current()
    plot.over.addEventListener('dblclick', onDoubleClick)
    plotRef.current = plot
    onReady?.(plot)
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height }))
    resize.observe(el)
    const render = (): void => {
      plot.batch(() => {
        plot.setData(store.data(ids) as uPlot.AlignedData, false)
        if (followingRef.current) {
          plot.setScale('x', followRange(store.t, windowRef.current))
        } else {
          plot.redraw(false)
        }
      })
    }
    render()
    const unsubscribe = store.subscribe(() => {
      if (followingRef.current) render()
    })
    return () => {
      unsubscribe()
      plot.over.removeEventListener('dblclick', onDoubleClick)
      resize.disconnect()
      onReady?.(null)
      plot.destroy()
      plotRef.current = null
    }
    // The chart is rebuilt when what it shows or how it looks changes; data flows in via the store.
  }, [store, idsKey, colors, syncKey, height, chart.unit])

  // Back to live, or a new window length: jump to the newest samples.
  useEffect(() => {
    const plot = plotRef.current
    if (!plot || !following) return
    plot.batch(() => {
      plot.setData(store.data(ids) as uPlot.AlignedData, false)
      plot.setScale('x', followRange(store.t, windowSeconds))
    })
  }, [following, windowSeconds])

  useEffect(() => {
    const plot = plotRef.current
    if (!plot) return
    plot.redraw(true)
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
