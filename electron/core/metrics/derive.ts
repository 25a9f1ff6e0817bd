// Raw sampler lines -> chart values. The sampler sends counters (CPU jiffies, bytes, sectors,
// cgroup microseconds); a rate needs the previous line. Without one (the first line, the first
// after a reconnect, a counter that went backwards, or a pause long enough to smear a spike
// into an average) the rate is null: a gap, never an invented value.

export interface RawSample {
  t: number
  seq: number
  /** /proc/stat's first line: user nice system idle iowait irq softirq steal. */
  cpu?: number[]
  ncpu?: number
  load?: number[]
  /** MemTotal, MemAvailable, SwapTotal, SwapFree in bytes. */
  mem?: (number | null)[]
  psi?: Record<string, number>
  /** Per interface: rx bytes, rx packets, rx drops, tx bytes, tx packets, tx drops. */
  net?: Record<string, number[]>
  /** Per disk: reads, sectors read, writes, sectors written, ms doing I/O. */
  disk?: Record<string, number[]>
  procs?: number
  lab?: Record<string, Record<string, unknown> | null>
  problems?: string[]
}

export type Values = Record<string, number | null>

export interface LabSeriesKind {
  id: string
  kind: 'log' | 'http' | 'tcp' | 'systemd' | 'cgroup' | 'command' | 'syscalls' | 'page'
  /** Seconds between probe runs (http, command, systemd): a result older than ~3 of these is stale. */
  every: number
  /** syscalls: the names charted one by one. */
  names?: string[]
}

/** A rate needs two lines at most this many intervals apart. */
const MAX_GAP_INTERVALS = 2.5

export function derive(current: RawSample, previous: RawSample | null, intervalSeconds: number, labSeries: LabSeriesKind[]): Values {
  const values: Values = {}
  const dt = previous ? current.t - previous.t : 0
  const paired = previous !== null && dt > 0 && dt <= intervalSeconds * MAX_GAP_INTERVALS
  const prev = paired ? previous : null
  const rate = (now: number | undefined, before: number | undefined): number | null => {
    if (prev === null || now === undefined || before === undefined || now < before) return null
    return (now - before) / dt
  }

  // CPU: shares of the jiffies spent since the previous line.
  if (current.cpu && prev?.cpu) {
    const d = current.cpu.map((v, i) => v - (prev.cpu![i] ?? 0))
    const total = d.reduce((a, b) => a + b, 0)
    if (total > 0 && d.every((v) => v >= 0)) {
      const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = d
      const pct = (v: number): number => round((v / total) * 100)
      values['cpu.user'] = pct(user + nice)
      values['cpu.system'] = pct(system + irq + softirq)
      values['cpu.iowait'] = pct(iowait)
      values['cpu.steal'] = pct(steal)
      values['cpu.busy'] = pct(total - idle - iowait)
    }
  }
  for (const id of ['cpu.busy', 'cpu.user', 'cpu.system', 'cpu.iowait', 'cpu.steal']) values[id] ??= null

  const [load1, load5, load15] = current.load ?? []
  values['load.1'] = load1 ?? null
  values['load.5'] = load5 ?? null
  values['load.15'] = load15 ?? null

  const [memTotal, memAvailable, swapTotal, swapFree] = current.mem ?? []
  values['mem.used'] = memTotal && memAvailable != null ? round(((memTotal - memAvailable) / memTotal) * 100) : null
  values['swap.used'] = swapTotal != null && swapFree != null ? round((swapTotal - swapFree) / 1048576) : null

  for (const name of ['cpu', 'memory', 'io']) values[`psi.${name}`] = current.psi?.[name] ?? null

  // Network: everything but loopback (what crosses the VM's NICs), and loopback on its own
  // (where most lab traffic runs).
  const sumNet = (sample: RawSample | null, pick: (name: string) => boolean, index: number): number | undefined => {
    if (!sample?.net) return undefined
    let sum = 0
    for (const [name, fields] of Object.entries(sample.net)) if (pick(name)) sum += fields[index] ?? 0
    return sum
  }
  const notLo = (name: string): boolean => name !== 'lo'
  const kb = (v: number | null): number | null => (v === null ? null : round(v / 1024))
  values['net.rx'] = kb(rate(sumNet(current, notLo, 0), sumNet(prev, notLo, 0)))
  values['net.tx'] = kb(rate(sumNet(current, notLo, 3), sumNet(prev, notLo, 3)))
  values['net.lo'] = kb(rate(sumNet(current, (n) => n === 'lo', 0), sumNet(prev, (n) => n === 'lo', 0)))
  const drops = (s: RawSample | null): number | undefined => {
    const rx = sumNet(s, () => true, 2)
    const tx = sumNet(s, () => true, 5)
    return rx === undefined || tx === undefined ? undefined : rx + tx
  }
  values['net.drops'] = roundOrNull(rate(drops(current), drops(prev)))

  const sumDisk = (sample: RawSample | null, index: number): number | undefined =>
    sample?.disk ? Object.values(sample.disk).reduce((a, f) => a + (f[index] ?? 0), 0) : undefined
  values['disk.read'] = kb(mulOrNull(rate(sumDisk(current, 1), sumDisk(prev, 1)), 512))
  values['disk.write'] = kb(mulOrNull(rate(sumDisk(current, 3), sumDisk(prev, 3)), 512))
  let util: number | null = null
  if (prev?.disk && current.disk) {
    for (const [name, fields] of Object.entries(current.disk)) {
      const before = prev.disk[name]
      if (!before) continue
      const busyMs = (fields[4] ?? 0) - (before[4] ?? 0)
      if (busyMs >= 0) util = Math.max(util ?? 0, Math.min(100, round((busyMs / (dt * 1000)) * 100)))
    }
  }
  values['disk.util'] = util
  values['procs'] = current.procs ?? null

  for (const series of labSeries) deriveLab(series, current, prev, dt, intervalSeconds, values)
  return values
}

function deriveLab(series: LabSeriesKind, current: RawSample, prev: RawSample | null, dt: number, intervalSeconds: number, values: Values): void {
  const raw = current.lab?.[series.id] ?? null
  const id = series.id
  // A probe result older than this is not "now" any more (a hung probe, a dead service).
  const stale = (): boolean => {
    const at = typeof raw?.['at'] === 'number' ? raw['at'] : null
    return at === null || current.t - at > Math.max(3 * series.every, 3 * intervalSeconds) + 1
  }
  switch (series.kind) {
    // A page series arrives in the log's shape (requests since the previous tick, counted by the
    // app from the Browser pane's reports: see pageWindow).
    case 'page':
    case 'log': {
      const n = num(raw?.['n'])
      const errors = num(raw?.['errors'])
      // n counts lines since the previous tick: a rate only if that tick was the previous line.
      const span = prev ? dt : null
      values[`${id}.rate`] = n !== null && span ? round(n / span) : null
      values[`${id}.errors`] = errors !== null && span ? round(errors / span) : null
      values[`${id}.p50`] = num(raw?.['p50'])
      values[`${id}.p95`] = num(raw?.['p95'])
      values[`${id}.p99`] = num(raw?.['p99'])
      return
    }
    case 'tcp':
    case 'http': {
      const fresh = raw !== null && !stale()
      const ms = fresh ? num(raw['ms']) : null
      values[id] = ms
      values[`${id}.errors`] = fresh ? (raw['error'] !== undefined || (num(raw['status']) ?? 200) >= 500 ? 1 : 0) : null
      return
    }
    case 'systemd': {
      const fresh = raw !== null && !stale() && typeof raw['state'] === 'string'
      values[`${id}.restarts`] = fresh ? num(raw['restarts']) : null
      values[`${id}.active`] = fresh ? (raw['state'] === 'active' ? 1 : 0) : null
      return
    }
    case 'cgroup': {
      const before = prev?.lab?.[id] ?? null
      const usec = num(raw?.['cpuUsec'])
      const usecBefore = num(before?.['cpuUsec'])
      values[`${id}.cpu`] = usec !== null && usecBefore !== null && prev && usec >= usecBefore ? round(((usec - usecBefore) / (dt * 1e6)) * 100) : null
      const bytes = num(raw?.['memBytes'])
      values[`${id}.memory`] = bytes === null ? null : round(bytes / 1048576)
      return
    }
    case 'command':
      values[id] = raw !== null && !stale() ? num(raw['value']) : null
      return
    case 'syscalls': {
      // Counters since the sampler set up its kernel counter: a rate needs the previous line's.
      const before = prev?.lab?.[id] ?? null // prev is null unless the two lines pair up
      const rate = (now: number | null, then: number | null): number | null => (now !== null && then !== null && now >= then ? round((now - then) / dt) : null)
      const calls = (sample: Record<string, unknown> | null, name: string): number | null => {
        const table = sample?.['calls']
        if (!table || typeof table !== 'object') return null
        return num((table as Record<string, unknown>)[name]) ?? 0 // not called yet: 0
      }
      for (const name of series.names ?? []) values[`${id}.${name}`] = rate(calls(raw, name), calls(before, name))
      values[`${id}.failed`] = rate(num(raw?.['failed']), num(before?.['failed']))
    }
  }
}

/** Requests the page reported since the previous tick, in the shape a log series arrives in. */
export function pageWindow(requests: { ms: number; ok: boolean }[]): { n: number; errors: number; p50: number | null; p95: number | null; p99: number | null } {
  const ms = requests.map((r) => r.ms).sort((a, b) => a - b)
  const at = (p: number): number | null => {
    if (ms.length === 0) return null
    const k = (ms.length - 1) * p
    const lo = Math.floor(k)
    const hi = Math.min(lo + 1, ms.length - 1)
    return round(ms[lo]! + (ms[hi]! - ms[lo]!) * (k - lo))
  }
  return { n: requests.length, errors: requests.filter((r) => !r.ok).length, p50: at(0.5), p95: at(0.95), p99: at(0.99) }
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

function round(value: number): number {
  return Math.round(value * 100) / 100
}

function roundOrNull(value: number | null): number | null {
  return value === null ? null : round(value)
}

function mulOrNull(value: number | null, factor: number): number | null {
  return value === null ? null : value * factor
}
