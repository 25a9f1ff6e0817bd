// What can be charted: the built-in series every VM has, the series a lab declares, and the
// charts a lab shows. One place that turns a lab's `series:`/`charts:` into (a) the sampler's
// configuration and (b) chart descriptions for the UI; the loader uses it to reject a chart that
// names a series nobody produces.
import type { LabManifest } from '../labs/schema'
import type { LabSeriesKind } from './derive'

export interface SeriesInfo {
  id: string
  /** Legend label. */
  label: string
  unit: string
}

export interface ChartInfo {
  id: string
  title: string
  unit: string
  series: SeriesInfo[]
}

/** Series every VM has (derived by derive.ts from the sampler's raw counters). */
export const BUILTIN_SERIES: SeriesInfo[] = [
  { id: 'cpu.busy', label: 'busy', unit: '%' },
  { id: 'cpu.user', label: 'user', unit: '%' },
  { id: 'cpu.system', label: 'system', unit: '%' },
  { id: 'cpu.iowait', label: 'iowait', unit: '%' },
  { id: 'cpu.steal', label: 'steal', unit: '%' },
  { id: 'load.1', label: 'load 1m', unit: '' },
  { id: 'load.5', label: 'load 5m', unit: '' },
  { id: 'load.15', label: 'load 15m', unit: '' },
  { id: 'mem.used', label: 'memory used', unit: '%' },
  { id: 'swap.used', label: 'swap used', unit: 'MB' },
  { id: 'psi.cpu', label: 'CPU pressure', unit: '%' },
  { id: 'psi.memory', label: 'memory pressure', unit: '%' },
  { id: 'psi.io', label: 'I/O pressure', unit: '%' },
  { id: 'net.rx', label: 'received', unit: 'KB/s' },
  { id: 'net.tx', label: 'sent', unit: 'KB/s' },
  { id: 'net.lo', label: 'loopback', unit: 'KB/s' },
  { id: 'net.drops', label: 'drops', unit: '/s' },
  { id: 'disk.read', label: 'read', unit: 'KB/s' },
  { id: 'disk.write', label: 'write', unit: 'KB/s' },
  { id: 'disk.util', label: 'busy', unit: '%' },
  { id: 'procs', label: 'processes', unit: '' },
]

const BUILTIN_CHARTS: Record<string, { title: string; series: string[] }> = {
  cpu: { title: 'CPU', series: ['cpu.busy', 'cpu.user', 'cpu.system', 'cpu.iowait'] },
  memory: { title: 'Memory', series: ['mem.used'] },
  load: { title: 'Load average', series: ['load.1', 'load.5', 'load.15'] },
  network: { title: 'Network', series: ['net.rx', 'net.tx', 'net.lo'] },
  pressure: { title: 'Pressure (PSI, some avg10)', series: ['psi.cpu', 'psi.memory', 'psi.io'] },
  disk: { title: 'Disk', series: ['disk.read', 'disk.write'] },
  processes: { title: 'Processes', series: ['procs'] },
}

export const DEFAULT_CHARTS = ['cpu', 'memory', 'load', 'network'] as const

/** Ids a lab may not use for its own series: they would shadow built-in ones. */
export const RESERVED_SERIES_IDS = ['cpu', 'load', 'mem', 'swap', 'psi', 'net', 'disk', 'procs']

type LabSeries = LabManifest['series'][number]

/** The series ids one lab series produces, with labels and units. */
export function labSeriesInfo(series: LabSeries): SeriesInfo[] {
  const t = series.title
  if (series.log || series.page) {
    return [
      { id: `${series.id}.rate`, label: `${t}: requests`, unit: 'req/s' },
      { id: `${series.id}.errors`, label: `${t}: errors`, unit: 'req/s' },
      { id: `${series.id}.p50`, label: `${t}: p50`, unit: 'ms' },
      { id: `${series.id}.p95`, label: `${t}: p95`, unit: 'ms' },
      { id: `${series.id}.p99`, label: `${t}: p99`, unit: 'ms' },
    ]
  }
  if (series.http || series.tcp) return [{ id: series.id, label: t, unit: 'ms' }, { id: `${series.id}.errors`, label: `${t}: errors`, unit: '' }]
  if (series.systemd) return [{ id: `${series.id}.restarts`, label: `${t}: restarts`, unit: '' }, { id: `${series.id}.active`, label: `${t}: active`, unit: '' }]
  if (series.cgroup) return [{ id: `${series.id}.cpu`, label: `${t}: CPU`, unit: '%' }, { id: `${series.id}.memory`, label: `${t}: memory`, unit: 'MB' }]
  if (series.syscalls) {
    return [
      ...series.syscalls.names.map((name) => ({ id: `${series.id}.${name}`, label: `${t}: ${name}`, unit: 'calls/s' })),
      { id: `${series.id}.failed`, label: `${t}: failed`, unit: 'calls/s' },
    ]
  }
  return [{ id: series.id, label: t, unit: series.command?.unit ?? '' }]
}

/** Every series a lab can chart: built-in plus its own. */
export function seriesCatalog(manifest: Pick<LabManifest, 'series'> | null): Map<string, SeriesInfo> {
  const all = new Map(BUILTIN_SERIES.map((s) => [s.id, s]))
  for (const series of manifest?.series ?? []) for (const info of labSeriesInfo(series)) all.set(info.id, info)
  return all
}

/**
 * The charts a lab shows. Throws nothing: an unknown series id is the loader's problem to
 * report (chartProblems); here it is skipped so a UI never breaks on it.
 */
export function chartsFor(manifest: Pick<LabManifest, 'series' | 'charts'> | null): ChartInfo[] {
  const catalog = seriesCatalog(manifest)
  const wanted = manifest && manifest.charts.length > 0 ? manifest.charts : [...DEFAULT_CHARTS]
  return wanted.map((chart, index) => {
    const def = typeof chart === 'string' ? { ...BUILTIN_CHARTS[chart]!, unit: undefined } : chart
    const series = def.series.map((id) => catalog.get(id)).filter((s): s is SeriesInfo => s !== undefined)
    return {
      id: typeof chart === 'string' ? chart : `chart-${index + 1}`,
      title: def.title,
      unit: def.unit ?? series[0]?.unit ?? '',
      series,
    }
  })
}

/** Problems with a lab's series and charts, as [path in lab.yaml, message, fix]. */
export function chartProblems(manifest: Pick<LabManifest, 'series' | 'charts' | 'browser'>): { path: (string | number)[]; message: string; fix: string }[] {
  const problems: { path: (string | number)[]; message: string; fix: string }[] = []
  const seen = new Set<string>()
  manifest.series.forEach((series, i) => {
    if (series.page && !manifest.browser) {
      problems.push({ path: ['series', i, 'page'], message: `series "${series.id}" reads the Browser pane's page, but the lab shows no page`, fix: 'Declare the web UI under browser: (port, path), or use an http or log source.' })
    }
    if (series.syscalls && new Set(series.syscalls.names).size !== series.syscalls.names.length) {
      problems.push({ path: ['series', i, 'syscalls', 'names'], message: `series "${series.id}" names a syscall twice`, fix: 'List each syscall once.' })
    }
    if (series.syscalls?.names.includes('failed')) {
      problems.push({ path: ['series', i, 'syscalls', 'names'], message: `"failed" is not a syscall: series "${series.id}" gives ${series.id}.failed by itself`, fix: 'Remove "failed" from names.' })
    }
    if (RESERVED_SERIES_IDS.includes(series.id)) {
      problems.push({ path: ['series', i, 'id'], message: `series id "${series.id}" is taken by a built-in series`, fix: `Pick another id, e.g. "${series.id}-lab".` })
    }
    if (seen.has(series.id)) problems.push({ path: ['series', i, 'id'], message: `series id "${series.id}" is declared twice`, fix: 'Give each series its own id.' })
    seen.add(series.id)
  })
  const catalog = seriesCatalog(manifest)
  manifest.charts.forEach((chart, i) => {
    if (typeof chart === 'string') return
    chart.series.forEach((id, j) => {
      if (catalog.has(id)) return
      const own = manifest.series.find((s) => id === s.id || id.startsWith(`${s.id}.`))
      const offered = own ? labSeriesInfo(own).map((s) => s.id) : []
      problems.push({
        path: ['charts', i, 'series', j],
        message: `no series "${id}"`,
        fix: own ? `Series "${own.id}" gives: ${offered.join(', ')}.` : `Use a built-in series (${BUILTIN_SERIES.slice(0, 4).map((s) => s.id).join(', ')}, ...) or declare "${id.split('.')[0]}" under series:.`,
      })
    })
  })
  return problems
}

/** Each lab series' source kind and probe period, as derive() reads the sampler's lines. */
export function labSeriesKinds(manifest: Pick<LabManifest, 'series'> | null, intervalSeconds: number): LabSeriesKind[] {
  return (manifest?.series ?? []).map((s) => ({
    id: s.id,
    kind: s.log ? 'log' : s.http ? 'http' : s.tcp ? 'tcp' : s.systemd ? 'systemd' : s.cgroup ? 'cgroup' : s.syscalls ? 'syscalls' : s.page ? 'page' : 'command',
    every: s.http?.every ?? s.tcp?.every ?? s.systemd?.every ?? s.command?.every ?? intervalSeconds,
    names: s.syscalls?.names,
  }))
}

/** The sampler's configuration line for a lab (see `chaos-lab-agent sample`). */
export function samplerConfig(manifest: Pick<LabManifest, 'series'> | null, intervalSeconds: number): { interval: number; series: Record<string, unknown>[] } {
  // A page series is counted by the app itself (the Browser pane's reporter), not in the VM.
  const series = (manifest?.series ?? []).filter((s) => !s.page).map((s) => {
    if (s.log) return { id: s.id, kind: 'log', path: s.log.path, statusField: s.log.statusField ?? -1, latencyField: s.log.latencyField ?? -1, latencyUnit: s.log.latencyUnit }
    if (s.http) return { id: s.id, kind: 'http', url: s.http.url, every: s.http.every ?? intervalSeconds, timeout: s.http.timeout }
    if (s.tcp) return { id: s.id, kind: 'tcp', host: s.tcp.host, port: s.tcp.port, every: s.tcp.every ?? intervalSeconds, timeout: s.tcp.timeout }
    if (s.systemd) return { id: s.id, kind: 'systemd', unit: s.systemd.unit, every: s.systemd.every ?? Math.max(intervalSeconds, 1) }
    if (s.cgroup) return { id: s.id, kind: 'cgroup', path: s.cgroup.path }
    if (s.syscalls) return { id: s.id, kind: 'syscalls', process: s.syscalls.process, names: s.syscalls.names }
    return { id: s.id, kind: 'command', run: s.command!.run, every: s.command!.every, timeout: s.command!.timeout }
  })
  return { interval: intervalSeconds, series }
}
