// The lab engine against the real VM, through the Core the app uses: content CI of a sample lab,
// a fault injected then Halted, the guest agent's dead-man's switch, and a Chaos Toolkit
// experiment imported from disk. Run by `npm run test:vm` (inside the VM job's namespace).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Core } from '../../electron/core/core'
import { unwrap } from '../../electron/core/errors'
import { journalToMarkdown, parseExperiment, runExperiment } from '../../electron/core/experiments'
import { testLab } from '../../electron/core/labs/contentTest'
import { loadLabs } from '../../electron/core/labs/loader'
import { FaultLedger } from '../../electron/core/safety/ledger'
import { chromiumPageDriver } from '../../electron/cli/pageDriver'
import { REPO_ROOT, tempDir } from '../helpers/tmp'

const dotfilePath = process.env.VAGRANT_DOTFILE_PATH
if (!dotfilePath || process.env.CHAOS_LAB_BOX !== 'ci') {
  throw new Error('The VM suite runs inside test/vm/infra/run.sh (npm run test:vm), which sets CHAOS_LAB_BOX=ci and VAGRANT_DOTFILE_PATH.')
}

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'labs-engine')
const data = tempDir('chaos-lab-engine-')
const core = new Core({ host: 'browser', version: '0.0.0-vm', dataDir: data.path, labRoots: [FIXTURES], vagrantDir: join(REPO_ROOT, 'vagrant'), vagrantDotfilePath: dotfilePath })
const ssh = core.sandbox.ssh
const lab = () => core.loadedLabs().find((l) => l.manifest.id === 'loopback-latency')!
const loopbackQdisc = async (): Promise<string> => (await ssh.exec('tc qdisc show dev lo', { user: 'root' })).stdout

beforeAll(async () => {
  await core.sandbox.refresh()
  const started = Date.now()
  const status = await core.sandbox.start()
  console.log(`[engine] VM ready in ${((Date.now() - started) / 1000).toFixed(0)} s`)
  expect(status).toMatchObject({ state: 'running', connected: true })
})

afterAll(async () => {
  await core.sandbox.destroy().catch(() => undefined)
  core.dispose()
  data.cleanup()
})

describe('the lab engine in the VM', () => {
  it('has the guest agent installed and running as a service', async () => {
    expect((await ssh.exec('systemctl is-active chaos-lab-agent')).stdout.trim()).toBe('active')
    expect(JSON.parse((await ssh.exec('chaos-lab-agent list', { user: 'root' })).stdout)).toEqual(expect.anything())
  })

  it('passes content CI: setup, fault through the ledger, checks, solve, cleanup, empty ledger', async () => {
    const lines: string[] = []
    const report = await testLab(lab(), core.runtime, core.ledger, (line) => lines.push(line))
    console.log(`[engine] lab test: ${lines.join(' | ')}`)
    expect(report.problems).toEqual([])
    expect(report.steps.map((s) => [s.stepId, s.status])).toEqual([
      ['observe', 'passed'],
      ['note-it', 'passed'],
    ])
    expect(report.steps[0]!.message).toMatch(/Round trip \d+ ms: the delay is in place\./)
    expect(report.passed).toBe(true)
    expect(await loopbackQdisc()).not.toContain('netem')
  })

  it.each(loadLabs([join(REPO_ROOT, 'labs')]).labs.map((l) => [l.manifest.id, l] as const))('content CI: the app lab %s passes and leaves no fault behind', async (_id, appLab) => {
    const lines: string[] = []
    // Labs with a web UI (monkey-in-the-browser) get their page loaded in headless Chromium on
    // this machine, through the core's Browser proxy over the SSH port forward, as the pane does.
    const openPage = chromiumPageDriver(core.browser, { log: (line) => lines.push(line) })
    const report = await testLab(appLab, core.runtime, core.ledger, (line) => lines.push(line), { openPage, metrics: core.metrics })
    console.log(`[engine] lab test ${appLab.manifest.id} (${report.seconds.toFixed(0)} s): ${lines.join(' | ')}`)
    expect(report.problems).toEqual([])
    expect(report.steps.filter((s) => s.status === 'failed')).toEqual([])
    expect(await loopbackQdisc()).not.toContain('netem')
    // The charts saw what the steps did, not only zeros.
    const peaks = report.chartPeaks
    if (appLab.manifest.id === 'syscall-chaos') {
      expect(peaks['sx.write'], "System X's writes, counted in the kernel").toBeGreaterThan(10)
      expect(peaks['sx.accept']).toBeGreaterThan(0)
      expect(peaks['sx.failed'], 'the fsync that always fails, and the injected write errors').toBeGreaterThan(0)
    }
    if (appLab.manifest.id === 'monkey-in-the-browser') {
      expect(peaks['page.rate']).toBeGreaterThan(0)
      expect(peaks['page.p95'], 'the slow-requests step delays every request by a second').toBeGreaterThan(900)
    }
    if (appLab.manifest.id === 'killer-whiles') expect(peaks['fizz-a.restarts']).toBeGreaterThan(5)
    if (appLab.manifest.id === 'slow-database-link') expect(peaks['db'], 'the database round trip with the 100 ms delay').toBeGreaterThan(90)
  }, 15 * 60_000)

  it('Halt reverts an injected fault in the VM', async () => {
    const entries = unwrap(await core.call('faults:inject', { labId: 'loopback-latency', faultId: 'slow-loopback' }))
    expect(entries).toMatchObject([{ id: 'loopback-latency:slow-loopback', label: '100 ms netem delay (lo)' }])
    expect(await loopbackQdisc()).toContain('netem')
    const report = unwrap(await core.call('faults:halt-all', undefined))
    expect(report).toMatchObject({ reverted: ['loopback-latency:slow-loopback'], failed: [] })
    expect(await loopbackQdisc()).not.toContain('netem')
    expect(unwrap(await core.call('faults:list', undefined))).toEqual([])
  })

  it("the guest agent's dead-man's switch reverts a fault once the app's heartbeats stop", async () => {
    // A second "app": it injects, sends heartbeats, then goes silent as if its process died.
    const app = new FaultLedger(ssh)
    const spec = lab().manifest.faults[0]!
    await app.inject({ id: 'loopback-latency:slow-loopback', label: 'dead-man test', inject: spec.inject, revert: spec.revert, timeoutSeconds: 30 })
    app.dispose()
    const silentSince = Date.now()
    expect(await loopbackQdisc()).toContain('netem')
    const status = JSON.parse((await ssh.exec('chaos-lab-agent status', { user: 'root' })).stdout) as { timeout_seconds: number }
    let seconds = 0
    while ((await loopbackQdisc()).includes('netem')) {
      seconds = (Date.now() - silentSince) / 1000
      if (seconds > status.timeout_seconds + 20) throw new Error(`the fault was still in place after ${seconds.toFixed(0)} s`)
      await new Promise((r) => setTimeout(r, 500))
    }
    seconds = (Date.now() - silentSince) / 1000
    console.log(`[engine] dead-man's switch reverted the fault ${seconds.toFixed(1)} s after the last heartbeat (agent timeout ${status.timeout_seconds} s)`)
    expect(seconds).toBeGreaterThanOrEqual(status.timeout_seconds - 6) // not before the timeout (the last beat may be up to 5 s older)
    expect(seconds).toBeLessThanOrEqual(status.timeout_seconds + 5)
    expect(await core.ledger.refresh()).toEqual([])
  }, 120_000)

  it('live metrics: CPU rises above 90 % within 3 s of stress --cpu 2 and falls after; a netem fault is marked and raises the lab latency series', async () => {
    const samples: { t: number; values: Record<string, number | null> }[] = []
    const annotations: string[] = []
    const offSample = core.metrics.onSample((s) => samples.push(s))
    const offMark = core.metrics.onAnnotation((a) => annotations.push(`${a.kind}: ${a.label}`))
    const waitFor = async (what: string, test: (v: Record<string, number | null>) => boolean, since: number, ms: number): Promise<number> => {
      const deadline = Date.now() + ms
      while (Date.now() < deadline) {
        const hit = samples.find((s) => s.t >= since && test(s.values))
        if (hit) return hit.t
        await new Promise((r) => setTimeout(r, 100))
      }
      throw new Error(`${what}: not within ${ms} ms; last samples ${JSON.stringify(samples.slice(-3))}`)
    }
    try {
      await core.runtime.setup(lab())
      unwrap(await core.call('metrics:configure', { labId: 'loopback-latency' }))
      core.metrics.start()
      await waitFor('first samples with the lab series', (v) => v['cpu.busy'] !== null && v['page'] !== null, 0, 60_000)
      expect(core.metrics.status).toMatchObject({ state: 'running', labId: 'loopback-latency' })

      // stress --cpu 2 on the 2 vCPUs: the busy share crosses 90 % within 3 s.
      // Timed from the moment the command is sent (systemd-run returns once stress runs).
      const stressStarted = Date.now()
      await ssh.exec('systemd-run --unit chaos-lab-test-stress --quiet stress --cpu 2 --timeout 25', { user: 'root' })
      const high = await waitFor('CPU above 90 %', (v) => (v['cpu.busy'] ?? 0) > 90, stressStarted, 10_000)
      console.log(`[engine] CPU above 90 % ${((high - stressStarted) / 1000).toFixed(1)} s after stress was started`)
      expect(high - stressStarted).toBeLessThanOrEqual(3000)
      await ssh.exec('systemctl stop chaos-lab-test-stress', { user: 'root' })
      const stopped = Date.now()
      const low = await waitFor('CPU back below 50 %', (v) => (v['cpu.busy'] ?? 100) < 50, stopped, 15_000)
      console.log(`[engine] CPU below 50 % ${((low - stopped) / 1000).toFixed(1)} s after stress stopped`)

      // A 100 ms netem delay on lo: an annotation at injection, and the page round trip grows
      // (every packet of the exchange waits 100 ms).
      await new Promise((r) => setTimeout(r, 3000)) // a few calm samples, without stress
      const calm = samples.filter((s) => s.t >= low && s.values['page'] !== null).map((s) => s.values['page']!).sort((a, b) => a - b)
      const before = calm[Math.floor(calm.length / 2)] ?? 0
      const injected = Date.now()
      unwrap(await core.call('faults:inject', { labId: 'loopback-latency', faultId: 'slow-loopback' }))
      expect(annotations).toContain('fault-injected: Injected: 100 ms netem delay')
      const slowAt = await waitFor('page latency above 200 ms', (v) => (v['page'] ?? 0) > Math.max(200, 2 * before), injected, 20_000)
      console.log(`[engine] page round trip above 200 ms ${((slowAt - injected) / 1000).toFixed(1)} s after the injection`)
      // The newest injection mark: earlier tests of this file injected (and marked) faults too.
      const mark = core.metrics.snapshot(lab()).annotations.filter((a) => a.kind === 'fault-injected').at(-1)!
      expect(Math.abs(mark.at - injected)).toBeLessThan(15_000)
      unwrap(await core.call('faults:halt-all', undefined))
      expect(annotations).toContain('halt: Halt: every fault reverted')
      const halted = Date.now()
      await waitFor('page latency back under 100 ms', (v) => (v['page'] ?? 1000) < 100, halted, 20_000)
      console.log(`[engine] page round trip: median ${before.toFixed(1)} ms before the fault; above 200 ms with it; under 100 ms after Halt`)
      const chart = core.metrics.snapshot(lab()).charts.find((c) => c.title === 'Round trip of a page on lo')
      expect(chart?.series.map((s) => s.id)).toEqual(['page'])
    } finally {
      offSample()
      offMark()
      await ssh.exec('systemctl stop chaos-lab-test-stress 2>/dev/null; true', { user: 'root' })
      await core.runtime.cleanup(lab())
    }
  }, 5 * 60_000)

  it('runs a Chaos Toolkit experiment imported from disk and writes its journal', async () => {
    const file = join(FIXTURES, 'experiments', 'loopback-stays-fast.yaml')
    const experiment = parseExperiment(readFileSync(file, 'utf8'), file)
    const journal = await runExperiment(experiment, { exec: (command, options) => ssh.exec(command, { user: 'root', timeoutMs: options?.timeoutMs }) })
    expect(journal).toMatchObject({ status: 'completed', deviated: false })
    expect(journal.run.map((r) => r.status)).toEqual(['succeeded', 'succeeded'])
    expect(journal.rollbacks).toHaveLength(1)
    expect(journalToMarkdown(journal)).toContain('The loopback interface survives a short delay')
    expect(await loopbackQdisc()).not.toContain('netem')
  })
})
