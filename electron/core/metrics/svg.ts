// A chart as a self-contained SVG, for the lab journal (an HTML file a student hands in: no
// scripts, no canvas, prints well). Same series, gaps and marks as the live chart.
import type { Annotation, ChartInfo } from '../api'
import type { SeriesData } from './ring'

const PALETTE = ['#1c7ed6', '#e8590c', '#2f9e44', '#9c36b5', '#0b7285', '#c2255c', '#5c940d', '#495057']
const MARK_COLOR: Record<Annotation['kind'], string> = {
  'fault-injected': '#c92a2a',
  'fault-reverted': '#2b8a3e',
  halt: '#2b8a3e',
  'step-started': '#868e96',
  'step-passed': '#1c7ed6',
  'step-skipped': '#868e96',
  'check-failed': '#d9480f',
}

const escape = (text: string): string => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!)

export function chartSvg(chart: ChartInfo, data: SeriesData, annotations: Annotation[], size = { width: 640, height: 200 }): string {
  const { width, height } = size
  const pad = { left: 56, right: 12, top: 24, bottom: 36 }
  const plotW = width - pad.left - pad.right
  const plotH = height - pad.top - pad.bottom
  const t0 = data.t[0] ?? 0
  const t1 = data.t.at(-1) ?? t0 + 1
  const span = Math.max(1, t1 - t0)
  let max = chart.unit === '%' ? 100 : 0
  for (const s of chart.series) for (const v of data.values[s.id] ?? []) if (v !== null && v > max) max = v
  if (max <= 0) max = 1
  if (chart.unit !== '%') max *= 1.1
  const x = (t: number): number => pad.left + ((t - t0) / span) * plotW
  const y = (v: number): number => pad.top + plotH - (v / max) * plotH
  const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2))

  const parts: string[] = []
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escape(chart.title)}" font-family="system-ui, sans-serif" font-size="11">`)
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`)
  parts.push(`<text x="${pad.left}" y="15" font-size="13" font-weight="600" fill="#1c2330">${escape(chart.title)}</text>`)
  for (let i = 0; i <= 4; i++) {
    const v = (max / 4) * i
    const yy = y(v).toFixed(1)
    parts.push(`<line x1="${pad.left}" x2="${width - pad.right}" y1="${yy}" y2="${yy}" stroke="#e9ecef"/>`)
    parts.push(`<text x="${pad.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle" fill="#5f6b7c">${fmt(v)}${chart.unit === '%' ? '%' : ''}</text>`)
  }
  for (let i = 0; i <= 4; i++) {
    const t = t0 + (span / 4) * i
    parts.push(`<text x="${x(t).toFixed(1)}" y="${height - pad.bottom + 14}" text-anchor="middle" fill="#5f6b7c">${new Date(t).toISOString().slice(11, 19)}</text>`)
  }
  for (const a of annotations) {
    if (a.at < t0 || a.at > t1) continue
    const xx = x(a.at).toFixed(1)
    parts.push(`<line x1="${xx}" x2="${xx}" y1="${pad.top}" y2="${pad.top + plotH}" stroke="${MARK_COLOR[a.kind]}" stroke-width="1.5"${a.kind.startsWith('step-') ? ' stroke-dasharray="3 3"' : ''}><title>${escape(a.label)}</title></line>`)
  }
  chart.series.forEach((s, i) => {
    const column = data.values[s.id] ?? []
    // Gaps break the line: one path segment per run of values.
    let d = ''
    let open = false
    column.forEach((v, k) => {
      if (v === null) return void (open = false)
      d += `${open ? 'L' : 'M'}${x(data.t[k]!).toFixed(1)} ${y(v).toFixed(1)}`
      open = true
    })
    if (d) parts.push(`<path d="${d}" fill="none" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="1.5"/>`)
  })
  let lx = pad.left
  chart.series.forEach((s, i) => {
    const label = `${s.label}${s.unit && s.unit !== chart.unit ? ` (${s.unit})` : ''}`
    parts.push(`<rect x="${lx}" y="${height - 12}" width="10" height="3" fill="${PALETTE[i % PALETTE.length]}"/><text x="${lx + 14}" y="${height - 8}" fill="#1c2330">${escape(label)}</text>`)
    lx += 24 + label.length * 6
  })
  if (chart.unit && chart.unit !== '%') parts.push(`<text x="${width - pad.right}" y="15" text-anchor="end" fill="#5f6b7c">${escape(chart.unit)}</text>`)
  parts.push('</svg>')
  return parts.join('')
}
