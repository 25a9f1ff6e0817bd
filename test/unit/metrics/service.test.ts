// The metrics stream end to end without a VM: the repository's guest agent samples THIS
// machine over a real SSH connection (OpenSSH on 127.0.0.1), with a lab's own series reading a
// real log file and probing a real HTTP server whose latency the test changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appendFileSync, chmodSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { LabManifest } from '../../../electron/core/labs/schema'
import type { LoadedLab } from '../../../electron/core/labs/loader'
import { MetricsService } from '../../../electron/core/metrics/service'
import { openDatabase } from '../../../electron/core/store/database'
import { MetricSamplesRepository } from '../../../electron/core/store/repositories'
import { SshConnection } from '../../../electron/core/sandbox/sshConnection'
import { startTestSshd, type TestSshd } from '../../helpers/sshd'
import { REPO_ROOT, tempDir } from '../../helpers/tmp'

const AGENT = join(REPO_ROOT, 'vagrant', 'guest', 'chaos-lab-agent')
const work = tempDir('chaos-lab-metrics-')
const logPath = join(work.path, 'access.log')
let sshd: TestSshd
let ssh: SshConnection
let http: Server
let delayMs = 0

function lab(port: number): LoadedLab {
  const manifest = LabManifest.parse({
    id: 'metrics-test', title: 'Metrics', source: 'original', topic: 't', summary: 's', minutes: 1,
    steps: [{ id: 'a', title: 'A' }],
    series: [
      { id: 'web', title: 'web', log: { path: logPath, statusField: 0, latencyField: 1, latencyUnit: 's' } },
      { id: 'page', title: 'page', http: { url: `http://127.0.0.1:${port}/`, every: 0.25 } },
      { id: 'answer', title: 'answer', command: { run: 'echo 42 units', every: 0.5 } },
    ],
    charts: [{ title: 'Latency', series: ['page', 'web.p99'] }],
  })
  return { manifest, dir: work.path, root: work.path, steps: [], warnings: [] }
}

/** Resolves with the first sample that satisfies `test`, or fails after `ms`. */
function waitForSample(metrics: MetricsService, test: (values: Record<string, number | null>) => boolean, ms: number): Promise<Record<string, number | null>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error(`no matching sample within ${ms} ms; status ${JSON.stringify(metrics.status)}`))), ms)
    const off = metrics.onSample(({ values }) => {
      if (!test(values)) return
      clearTimeout(timer)
      off()
      resolve(values)
    })
  })
}

beforeAll(async () => {
  chmodSync(work.path, 0o755)
  writeFileSync(logPath, '200 0.001\n') // history before sampling starts is not counted
  http = createServer((_req, res) => setTimeout(() => res.end('ok'), delayMs))
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
  sshd = await startTestSshd()
  let pin: string | null = null
  ssh = new SshConnection({
    resolveTarget: async () => ({ host: '127.0.0.1', port: sshd.port, username: sshd.username, privateKeyPath: sshd.privateKeyPath }),
    hostKeyPin: { load: () => pin, save: (f) => (pin = f) },
    maxBackoffMs: 500,
  })
  await ssh.open()
}, 30_000)

afterAll(async () => {
  ssh.close()
  await sshd.cleanup()
  await new Promise((r) => http.close(r))
  work.cleanup()
})

describe('MetricsService with the real sampler', () => {
  it('streams built-in and lab series, follows a latency change, reads a log, and marks a reconnect as a gap', async () => {
    const metrics = new MetricsService(ssh, { agent: ['/usr/bin/python3', AGENT], capacity: 600 })
    const theLab = lab((http.address() as AddressInfo).port)
    try {
      metrics.configure(theLab, 250)
      metrics.start()
      const first = await waitForSample(metrics, (v) => v['cpu.busy'] !== null && v['page'] !== null && v['answer'] !== null, 15_000)
      expect(metrics.status.state).toBe('running')
      expect(first['cpu.busy']).toBeGreaterThanOrEqual(0)
      expect(first['cpu.busy']).toBeLessThanOrEqual(100)
      expect(first['mem.used']).toBeGreaterThan(0)
      expect(first['procs']).toBeGreaterThan(5)
      expect(first['answer']).toBe(42)
      expect(first['page']).toBeLessThan(200)
      expect(first['page.errors']).toBe(0)

      delayMs = 400
      const slow = await waitForSample(metrics, (v) => (v['page'] ?? 0) >= 400, 5_000)
      expect(slow['page']).toBeLessThan(2000)
      delayMs = 0

      appendFileSync(logPath, '200 0.010\n'.repeat(20) + '502 0.250\n'.repeat(5))
      const logged = await waitForSample(metrics, (v) => (v['web.rate'] ?? 0) > 0, 5_000)
      expect(logged['web.errors']).toBeGreaterThan(0)
      expect(logged['web.p50']).toBeCloseTo(10, 0)
      expect(logged['web.p99']).toBeGreaterThan(200)
      // The next tick saw no new lines: nothing is counted twice.
      const quiet = await waitForSample(metrics, () => true, 2_000)
      expect(quiet['web.rate']).toBe(0)

      // The connection drops (sshd and its sessions killed) and comes back.
      await sshd.stop()
      const beforeGap = Date.now()
      await new Promise((r) => setTimeout(r, 1500))
      await sshd.start()
      await waitForSample(metrics, (v) => v['cpu.busy'] !== null, 20_000)
      const snapshot = metrics.snapshot(theLab)
      expect(snapshot.charts.map((c) => c.title)).toEqual(['Latency'])
      const rows = snapshot.t.map((t, i) => ({ t, page: snapshot.values['page']![i] }))
      // The last value before the drop and the first after it are separated by a null row, so
      // the chart breaks the line instead of drawing a slope across the outage.
      const lastBefore = rows.findLastIndex((r) => r.t < beforeGap && r.page !== null)
      const firstAfter = rows.findIndex((r, i) => i > lastBefore && r.page !== null)
      expect(lastBefore).toBeGreaterThan(-1)
      expect(firstAfter).toBeGreaterThan(lastBefore + 1)
      expect(rows.slice(lastBefore + 1, firstAfter).every((r) => r.page === null)).toBe(true)
      expect(rows[firstAfter]!.t - rows[lastBefore]!.t).toBeGreaterThan(1000)

      // The journal's snapshot of the same chart: an SVG with the series drawn (two runs: the gap
      // breaks the line), the mark, and each series summarised for the Markdown report.
      metrics.annotate({ at: rows[lastBefore]!.t, kind: 'fault-injected', label: 'Injected: slow page', labId: 'metrics-test' })
      const [journalChart] = metrics.journalCharts(theLab, 0)
      expect(journalChart!.title).toBe('Latency')
      expect((journalChart!.svg.match(/<path d="M[^"]*M/g) ?? []).length).toBeGreaterThanOrEqual(1)
      expect(journalChart!.svg).toContain('<title>Injected: slow page</title>')
      expect(journalChart!.summary[0]).toMatch(/^page [\d.]+ ms \/ [\d.]+ ms \/ [\d.]+ ms$/)
    } finally {
      metrics.dispose()
    }
  }, 60_000)

  it("keeps the lab's charted samples in SQLite, so the journal has its charts after a restart", async () => {
    const db = openDatabase(join(work.path, 'samples.sqlite'))
    const theLab = lab((http.address() as AddressInfo).port)
    try {
      const first = new MetricsService(ssh, { agent: ['/usr/bin/python3', AGENT], samples: new MetricSamplesRepository(db) })
      first.configure(theLab, 250)
      first.start()
      await waitForSample(first, (v) => v['page'] !== null, 15_000)
      await waitForSample(first, (v) => v['page'] !== null, 5_000)
      first.dispose() // flushes what is pending
      const rows = db.prepare("SELECT count(*) AS n FROM metric_samples WHERE lab_id = 'metrics-test'").get() as { n: number }
      expect(rows.n).toBeGreaterThanOrEqual(2)
      // Only the series the lab charts are stored, not all 25 built-in ones.
      const one = JSON.parse((db.prepare('SELECT data FROM metric_samples WHERE lab_id = ? ORDER BY at DESC LIMIT 1').get('metrics-test') as { data: string }).data)
      expect(Object.keys(one).sort()).toEqual(['page', 'web.p99'])

      const restarted = new MetricsService(ssh, { agent: ['/usr/bin/python3', AGENT], samples: new MetricSamplesRepository(db) })
      const [chart] = restarted.journalCharts(theLab, 0)
      expect(chart!.title).toBe('Latency')
      expect(chart!.svg).toContain('<path d="M')
      restarted.dispose()
    } finally {
      db.close()
    }
  }, 40_000)

  it("counts the Browser pane's page requests into the lab's page series at the sampler's tick", async () => {
    const manifest = LabManifest.parse({
      id: 'page-lab', title: 'Page', source: 'original', topic: 't', summary: 's', minutes: 1,
      steps: [{ id: 'a', title: 'A' }],
      browser: { port: 8081, path: '/' },
      series: [{ id: 'page', title: 'page', page: {} }],
      charts: [{ title: 'Page', series: ['page.rate', 'page.errors', 'page.p95'] }],
    })
    const pageLab: LoadedLab = { manifest, dir: work.path, root: work.path, steps: [], warnings: [] }
    const metrics = new MetricsService(ssh, { agent: ['/usr/bin/python3', AGENT] })
    try {
      metrics.configure(pageLab, 250)
      metrics.start()
      await waitForSample(metrics, () => true, 15_000) // the stream runs: the next tick pairs up
      // Another lab's reports are not this lab's page.
      metrics.pageRequests('other-lab', [{ ms: 5000, outcome: 'failed' }])
      const sample = waitForSample(metrics, (v) => (v['page.rate'] ?? 0) > 0, 5_000)
      metrics.pageRequests('page-lab', [
        { ms: 100, outcome: 'ok' },
        { ms: 1200, outcome: 'ok' },
        { ms: 300, outcome: 'failed' },
        { ms: 20, outcome: 'aborted' },
      ])
      const values = await sample
      expect(values['page.errors']! / values['page.rate']!).toBeCloseTo(0.25, 2) // 1 of 4 in one tick (rates are rounded)
      expect(values['page.p50']).toBe(200)
      expect(values['page.p95']).toBeGreaterThan(1000) // the 5 s of the other lab are not in it
      expect(values['page.p95']).toBeLessThan(1200)
      // The next tick has no requests: rate 0, no percentiles.
      const quiet = await waitForSample(metrics, (v) => v['page.rate'] === 0, 5_000)
      expect(quiet['page.p50']).toBeNull()
    } finally {
      metrics.dispose()
    }
  }, 30_000)

  it('keeps annotations for every chart and filters them by lab', async () => {
    const metrics = new MetricsService(ssh, { agent: ['/usr/bin/python3', AGENT] })
    const seen: string[] = []
    metrics.onAnnotation((a) => seen.push(a.label))
    metrics.annotate({ at: 1, kind: 'fault-injected', label: 'Injected: slow', labId: 'metrics-test' })
    metrics.annotate({ at: 2, kind: 'halt', label: 'Halt', labId: null })
    metrics.annotate({ at: 3, kind: 'step-passed', label: 'Passed: other', labId: 'other-lab' })
    expect(seen).toEqual(['Injected: slow', 'Halt', 'Passed: other'])
    expect(metrics.snapshot(lab(1)).annotations.map((a) => a.label)).toEqual(['Injected: slow', 'Halt'])
    metrics.dispose()
  })

  it('explains a VM without the guest agent, with a fix', async () => {
    const metrics = new MetricsService(ssh, { agent: ['/nonexistent/chaos-lab-agent'] })
    try {
      const failed = new Promise<void>((resolve) => metrics.onStatus((s) => s.state === 'error' && resolve()))
      metrics.start()
      await failed
      expect(metrics.status.error?.message).toMatch(/guest agent is missing/)
      expect(metrics.status.error?.fix).toMatch(/vagrant provision/)
    } finally {
      metrics.dispose()
    }
  }, 20_000)
})
