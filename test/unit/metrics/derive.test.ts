// Counters to chart values, the ring buffer, and the lab chart catalogue. The sampler's lines
// here are shaped like the real ones (the service test runs the real sampler).
import { describe, expect, it } from 'vitest'
import { chartProblems, chartsFor, samplerConfig } from '../../../electron/core/metrics/catalog'
import { derive, pageWindow, type RawSample } from '../../../electron/core/metrics/derive'
import { SeriesRing } from '../../../electron/core/metrics/ring'
import { LabManifest } from '../../../electron/core/labs/schema'

const line = (t: number, cpu: number[], extra: Partial<RawSample> = {}): RawSample => ({ t, seq: 0, cpu, load: [0.5, 0.4, 0.3], mem: [4096 * 1048576, 1024 * 1048576, 0, 0], ...extra })

describe('derive', () => {
  it('turns CPU jiffies into shares of the interval, busy excluding idle and iowait', () => {
    const a = line(100, [1000, 0, 500, 8000, 100, 0, 0, 0])
    const b = line(101, [1060, 0, 520, 8010, 110, 0, 0, 0]) // +60 user +20 sys +10 idle +10 iowait = 100
    const v = derive(b, a, 1, [])
    expect(v['cpu.user']).toBe(60)
    expect(v['cpu.system']).toBe(20)
    expect(v['cpu.iowait']).toBe(10)
    expect(v['cpu.busy']).toBe(80)
    expect(v['mem.used']).toBe(75)
    expect(v['load.1']).toBe(0.5)
  })

  it('gives no rate without a previous line, after a long pause, or when a counter went backwards', () => {
    const a = line(100, [1000, 0, 500, 8000, 0, 0, 0, 0], { net: { eth0: [1000, 1, 0, 2000, 1, 0], lo: [0, 0, 0, 0, 0, 0] } })
    expect(derive(a, null, 1, [])['cpu.busy']).toBeNull()
    expect(derive(a, null, 1, [])['net.rx']).toBeNull()
    const late = line(104, [1100, 0, 500, 8000, 0, 0, 0, 0], { net: { eth0: [5096, 2, 0, 2000, 1, 0], lo: [0, 0, 0, 0, 0, 0] } })
    expect(derive(late, a, 1, [])['cpu.busy']).toBeNull() // 4 s apart at a 1 s tick: a gap, not an average
    const next = line(101, [1100, 0, 500, 8000, 0, 0, 0, 0], { net: { eth0: [5096, 2, 0, 2000, 1, 0], lo: [0, 0, 0, 0, 0, 0] } })
    expect(derive(next, a, 1, [])['net.rx']).toBe(4) // 4096 B in 1 s = 4 KB/s
    const reset = line(102, [10, 0, 5, 80, 0, 0, 0, 0], { net: { eth0: [10, 1, 0, 20, 1, 0], lo: [0, 0, 0, 0, 0, 0] } })
    expect(derive(reset, next, 1, [])['net.rx']).toBeNull()
    expect(derive(reset, next, 1, [])['cpu.busy']).toBeNull()
  })

  it('derives lab series: request rate and percentiles from a log, stale probes as gaps', () => {
    const kinds = [
      { id: 'web', kind: 'log' as const, every: 1 },
      { id: 'page', kind: 'http' as const, every: 1 },
      { id: 'api', kind: 'systemd' as const, every: 2 },
    ]
    const a = line(100, [0, 0, 0, 0, 0, 0, 0, 0], { lab: { web: { n: 0, errors: 0 }, page: { ms: 3, status: 200, at: 99.9 }, api: { restarts: 0, state: 'active', at: 99 } } })
    const b = line(102, [0, 0, 0, 0, 0, 0, 0, 0], { lab: { web: { n: 50, errors: 5, p50: 12, p95: 40, p99: 90 }, page: { ms: 3, status: 200, at: 90 }, api: { restarts: 3, state: 'failed', at: 101.5 } } })
    const v = derive(b, a, 2, kinds)
    expect(v['web.rate']).toBe(25)
    expect(v['web.errors']).toBe(2.5)
    expect(v['web.p95']).toBe(40)
    expect(v['page']).toBeNull() // 12 s old at a 2 s tick
    expect(v['api.restarts']).toBe(3)
    expect(v['api.active']).toBe(0)
    const failing = line(104, [0, 0, 0, 0, 0, 0, 0, 0], { lab: { page: { error: 'Connection refused', ms: null, at: 103.9 } } })
    expect(derive(failing, b, 2, kinds)['page.errors']).toBe(1)
  })

  it("turns a process's syscall counters into calls per second by name, a reset counter into a gap", () => {
    const kinds = [{ id: 'sx', kind: 'syscalls' as const, every: 1, names: ['write', 'close', 'accept4'] }]
    const a = line(100, [0, 0, 0, 0, 0, 0, 0, 0], { lab: { sx: { calls: { write: 100, close: 10 }, failed: 4 } } })
    const b = line(102, [0, 0, 0, 0, 0, 0, 0, 0], { lab: { sx: { calls: { write: 160, close: 14, accept4: 4 }, failed: 24 } } })
    const v = derive(b, a, 2, kinds)
    expect(v['sx.write']).toBe(30)
    expect(v['sx.close']).toBe(2)
    expect(v['sx.accept4']).toBe(2) // not called before: counted from 0
    expect(v['sx.failed']).toBe(10)
    expect(derive(b, null, 2, kinds)['sx.write']).toBeNull()
    // The sampler set its counter up again (a new configuration): the counts start over.
    const restarted = line(104, [0, 0, 0, 0, 0, 0, 0, 0], { lab: { sx: { calls: { write: 3 }, failed: 0 } } })
    expect(derive(restarted, b, 2, kinds)['sx.write']).toBeNull()
    expect(derive(restarted, b, 2, kinds)['sx.failed']).toBeNull()
    const broken = line(106, [0, 0, 0, 0, 0, 0, 0, 0], { lab: { sx: { error: 'no tracefs' } } })
    expect(derive(broken, restarted, 2, kinds)['sx.write']).toBeNull()
  })

  it("counts the page's requests per tick like a log: failures and non-2xx are errors, an abort is none", () => {
    expect(pageWindow([])).toEqual({ n: 0, errors: 0, p50: null, p95: null, p99: null })
    const w = pageWindow([10, 20, 30, 40, 1000].map((ms, i) => ({ ms, ok: i !== 4 })))
    expect(w).toMatchObject({ n: 5, errors: 1, p50: 30 })
    expect(w.p99).toBeCloseTo(961.6, 1)
    const kinds = [{ id: 'page', kind: 'page' as const, every: 1 }]
    const v = derive(line(101, [0, 0, 0, 0, 0, 0, 0, 0], { lab: { page: w } }), line(100, [0, 0, 0, 0, 0, 0, 0, 0]), 1, kinds)
    expect(v).toMatchObject({ 'page.rate': 5, 'page.errors': 1, 'page.p50': 30 })
  })
})

describe('SeriesRing', () => {
  it('keeps the newest rows, fills series that appear later with gaps, and reads gaps as null', () => {
    const ring = new SeriesRing(3)
    ring.push(1, { a: 1 })
    ring.push(2, { a: 2, b: 20 })
    ring.pushGap(3)
    ring.push(4, { a: 4, b: 40 })
    const data = ring.read(['a', 'b', 'missing'])
    expect(data.t).toEqual([2, 3, 4])
    expect(data.values['a']).toEqual([2, null, 4])
    expect(data.values['b']).toEqual([20, null, 40])
    expect(data.values['missing']).toEqual([null, null, null])
    expect(ring.read(['a'], 3).t).toEqual([3, 4])
  })
})

describe('lab charts', () => {
  const manifest = (extra: Record<string, unknown>) =>
    LabManifest.parse({ id: 'x', title: 'X', source: 'original', topic: 't', summary: 's', minutes: 5, steps: [{ id: 'a', title: 'A' }], ...extra })

  it('defaults to CPU, memory, load and network, and resolves a lab chart of its own series', () => {
    expect(chartsFor(manifest({})).map((c) => c.id)).toEqual(['cpu', 'memory', 'load', 'network'])
    const m = manifest({ series: [{ id: 'web', title: 'nginx', log: { path: '/var/log/nginx/lab.log', statusField: 0, latencyField: 1 } }], charts: ['cpu', { title: 'Latency', series: ['web.p50', 'web.p99'] }] })
    const charts = chartsFor(m)
    expect(charts[1]).toMatchObject({ title: 'Latency', unit: 'ms', series: [{ id: 'web.p50', label: 'nginx: p50' }, { id: 'web.p99' }] })
    expect(samplerConfig(m, 1).series[0]).toMatchObject({ id: 'web', kind: 'log', statusField: 0, latencyField: 1, latencyUnit: 's' })
  })

  it('names the series a chart refers to that nobody produces, with what is on offer', () => {
    const m = manifest({ series: [{ id: 'web', title: 'nginx', log: { path: '/l' } }, { id: 'cpu', title: 'mine', command: { run: 'echo 1' } }], charts: [{ title: 'L', series: ['web.p90', 'nope'] }] })
    const problems = chartProblems(m)
    expect(problems.map((p) => p.message)).toEqual(['series id "cpu" is taken by a built-in series', 'no series "web.p90"', 'no series "nope"'])
    expect(problems[1]!.fix).toContain('web.p95')
    expect(problems[1]!.path).toEqual(['charts', 0, 'series', 0])
  })

  it('offers syscall series by name, keeps page series out of the sampler, and wants a page for them', () => {
    const m = manifest({
      series: [
        { id: 'sx', title: 'System X', syscalls: { process: 'systemx', names: ['write', 'close'] } },
        { id: 'page', title: 'Page', page: {} },
      ],
      charts: [{ title: 'Syscalls', series: ['sx.write', 'sx.failed', 'page.p95'] }],
    })
    expect(chartsFor(m)[0]!.series.map((s) => `${s.id} ${s.unit}`)).toEqual(['sx.write calls/s', 'sx.failed calls/s', 'page.p95 ms'])
    expect(samplerConfig(m, 1).series).toEqual([{ id: 'sx', kind: 'syscalls', process: 'systemx', names: ['write', 'close'] }])
    expect(chartProblems(m).map((p) => p.message)).toEqual(['series "page" reads the Browser pane\'s page, but the lab shows no page'])
    expect(() => manifest({ series: [{ id: 'sx', title: 'X', syscalls: { process: 'a b', names: ['write'] } }] })).toThrow(/process name/)
  })

  it('refuses a series with no source or two sources', () => {
    expect(() => manifest({ series: [{ id: 'a', title: 'A' }] })).toThrow(/exactly one source/)
    expect(() => manifest({ series: [{ id: 'a', title: 'A', http: { url: 'http://x/' }, command: { run: 'true' } }] })).toThrow(/exactly one source/)
  })
})
