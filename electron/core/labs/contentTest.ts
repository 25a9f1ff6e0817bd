// Content CI for a lab (`chaos-lab lab test`): against a running VM, set the lab up, then for each
// step inject its faults through the ledger, run its solve and wait for its check to pass, then
// clean up, and require an empty fault ledger at the end. Every lab must pass it.
//
// A lab with a web UI (`browser:` in lab.yaml) is judged by what its page reports in the Browser
// pane, so for those the caller provides `openPage`: it loads the lab's page through the core's
// Browser proxy in a real browser (electron/cli/pageDriver.ts: headless Chromium) from setup to
// cleanup. As in the app, the page reloads when the lab's faults change (the core does that on
// every ledger change) and after a solve (as the app's Skip does), so checks see the page as a
// learner would have it. Steps without a solve (e.g. "look at the page") pass on what loading
// the page produces, or fail like any other step whose check never passes.
//
// Given the live metrics, it also samples the lab's series from setup to the last step: every
// series one of the lab's charts shows must give a value at least once, so a chart that would
// stay empty for the learner (a wrong log path, a unit that does not exist) fails the lab.
import { AppError } from '../errors'
import { chartsFor } from '../metrics/catalog'
import type { MetricsService } from '../metrics/service'
import type { FaultLedger } from '../safety/ledger'
import type { LoadedLab } from './loader'
import type { LabRuntime } from './runtime'

export interface StepOutcome {
  stepId: string
  status: 'passed' | 'failed' | 'skipped'
  /** The last check message, or why the step was skipped. */
  message: string
  seconds: number
}

export interface LabTestReport {
  labId: string
  passed: boolean
  steps: StepOutcome[]
  /** Setup, cleanup or ledger problems (not tied to a step). */
  problems: string[]
  /** With the live metrics: the highest value each charted series reached during the test. */
  chartPeaks: Record<string, number>
  seconds: number
}

/** The lab's web UI, open in a browser for the lab test. */
export interface LabPage {
  /** Loads the lab's pages again, as the app does after Skip (new injected scripts or app code). */
  reload(): void
  close(): Promise<void>
}

export interface ContentTestOptions {
  /** Opens the lab's page (labs with `browser:`); without it such labs fail with a clear problem. */
  openPage?: (lab: LoadedLab) => Promise<LabPage>
  /** The live metrics (the Core's): with them, every charted series must give a value. */
  metrics?: Pick<MetricsService, 'configure' | 'start' | 'onSample' | 'status'>
}

/** Sampler lines a lab test sees at least (rates need two), waiting at most CHART_WAIT_MS for them. */
const MIN_SAMPLES = 3
const CHART_WAIT_MS = 30_000

/** A check that would pass if given time gets its timeout, its hold time and this much more. */
const CHECK_GRACE_MS = 30_000

export async function testLab(lab: LoadedLab, runtime: LabRuntime, ledger: FaultLedger, onProgress: (line: string) => void = () => undefined, options: ContentTestOptions = {}): Promise<LabTestReport> {
  const started = Date.now()
  const steps: StepOutcome[] = []
  const problems: string[] = []
  const id = lab.manifest.id
  let page: LabPage | null = null
  let chartPeaks: Record<string, number> = {}
  const charts = options.metrics ? watchCharts(lab, options.metrics) : null
  try {
    onProgress(`${id}: setup`)
    await runtime.setup(lab)
    if (lab.manifest.browser) {
      if (!options.openPage) {
        throw new AppError({ code: 'bad-request', message: `${id} shows a web UI (browser: in lab.yaml) and its checks read what the page reports, but this lab test has no browser to load it.`, fix: 'Run it with `chaos-lab lab test`, or pass openPage (electron/cli/pageDriver.ts) to testLab.' })
      }
      onProgress(`${id}: opening its page in a browser`)
      page = await options.openPage(lab)
    }
    for (const step of lab.manifest.steps) {
      const stepStarted = Date.now()
      const outcome = (status: StepOutcome['status'], message: string): void => {
        steps.push({ stepId: step.id, status, message, seconds: (Date.now() - stepStarted) / 1000 })
        onProgress(`${id}/${step.id}: ${status} (${message})`)
      }
      if (!step.check) {
        outcome('skipped', 'no check')
        continue
      }
      try {
        for (const faultId of step.faults) await runtime.injectFault(lab, faultId)
        if (step.solve) await runtime.solve(lab, step.id)
        // As after Skip in the app. After faults the core has reloaded the page already; once
        // more here covers a reload sent while the page was between two loads.
        if (step.solve || step.faults.length > 0) page?.reload()
        const deadline = Date.now() + step.check.timeoutSeconds * 1000 + step.check.holdSeconds * 1000 + CHECK_GRACE_MS
        let last = await runtime.check(lab, step.id)
        while (!last.passed && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 1000))
          last = await runtime.check(lab, step.id)
        }
        outcome(last.passed ? 'passed' : 'failed', last.message)
      } catch (err) {
        outcome('failed', err instanceof Error ? err.message : String(err))
      }
    }
  } catch (err) {
    problems.push(`setup: ${describe(err)}`)
  } finally {
    if (charts) {
      const { missing, peaks } = await charts.finish()
      chartPeaks = peaks
      onProgress(`${id}: chart peaks ${Object.entries(peaks).map(([s, v]) => `${s}=${v}`).join(' ')}`)
      problems.push(...missing)
    }
    // Before cleanup: a page still open would keep writing its state into the VM.
    if (page) {
      try {
        await page.close()
      } catch (err) {
        problems.push(`closing the page: ${describe(err)}`)
      }
    }
    try {
      onProgress(`${id}: cleanup`)
      await runtime.cleanup(lab)
    } catch (err) {
      problems.push(`cleanup: ${describe(err)}`)
    }
    try {
      const left = (await ledger.refresh()).filter((e) => e.id.startsWith(`${id}:`))
      if (left.length > 0) problems.push(`faults still in the ledger after cleanup: ${left.map((e) => e.label).join(', ')}`)
    } catch (err) {
      problems.push(`ledger: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  const passed = problems.length === 0 && steps.every((s) => s.status !== 'failed')
  return { labId: id, passed, steps, problems, chartPeaks, seconds: (Date.now() - started) / 1000 }
}

/** Samples the lab's series until finish(), which names each charted series that never had a value. */
function watchCharts(lab: LoadedLab, metrics: NonNullable<ContentTestOptions['metrics']>): { finish(): Promise<{ missing: string[]; peaks: Record<string, number> }> } {
  const wanted = new Map(chartsFor(lab.manifest).flatMap((chart) => chart.series.map((s) => [s.id, `"${chart.title}"`] as const)))
  const peak = new Map<string, number>()
  let samples = 0
  metrics.configure(lab, 1000)
  metrics.start()
  const off = metrics.onSample(({ values }) => {
    samples++
    for (const id of wanted.keys()) {
      const value = values[id]
      if (value !== null && value !== undefined) peak.set(id, Math.max(peak.get(id) ?? -Infinity, value))
    }
  })
  return {
    async finish() {
      // A lab whose steps are over in a second (no checks) still gets a rate: it takes two lines.
      const deadline = Date.now() + CHART_WAIT_MS
      while (samples < MIN_SAMPLES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250))
      off()
      metrics.configure(null)
      const status = metrics.status.error ? ` (the sampler says: ${metrics.status.error.message})` : ''
      const missing = [...wanted]
        .filter(([id]) => !peak.has(id))
        .map(([id, chart]) => `chart ${chart}: series ${id} gave no value during the lab test${status}; check its source under series: in lab.yaml`)
      return { missing, peaks: Object.fromEntries(peak) }
    },
  }
}

function describe(err: unknown): string {
  if (err instanceof AppError) return [err.message, err.fix, ...err.details].filter(Boolean).join(' ')
  return err instanceof Error ? err.message : String(err)
}
