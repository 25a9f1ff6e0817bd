import { AppError } from '../core/errors'
import { testLab, type LabTestReport } from '../core/labs/contentTest'
import type { CliContext } from './main'
import { chromiumPageDriver } from './pageDriver'

/**
 * `chaos-lab lab test <id...|--all>`: content CI against the running VM (start it with the app or
 * `chaos-lab vm start`). Prints one line per step and a summary; exit 1 if any lab fails.
 */
export async function labTest(context: CliContext, ids: string[], all: boolean): Promise<number> {
  const core = context.createCore('browser')
  try {
    const status = await core.sandbox.refresh()
    if (status.state !== 'running' || !status.connected) {
      throw new AppError({ code: 'vm', message: `The lab VM is not running (it is ${status.state}).`, fix: 'Start it from the app\'s VM panel (or run `chaos-lab vm start`), then run the lab tests again.' })
    }
    const labs = core.loadedLabs()
    const chosen = all ? labs : ids.map((id) => labs.find((lab) => lab.manifest.id === id) ?? null)
    const unknown = ids.filter((_, i) => chosen[i] === null)
    if (unknown.length > 0 || chosen.length === 0) {
      throw new AppError({ code: 'not-found', message: chosen.length === 0 ? 'Name the labs to test, or pass --all.' : `No lab called ${unknown.map((u) => `"${u}"`).join(', ')}.`, fix: `Known labs: ${labs.map((l) => l.manifest.id).join(', ')}.` })
    }
    const reports: LabTestReport[] = []
    // Labs with a web UI get their page loaded in headless Chromium, as in the Browser pane.
    const openPage = chromiumPageDriver(core.browser, { log: (line) => context.err(line) })
    for (const lab of chosen) reports.push(await testLab(lab!, core.runtime, core.ledger, (line) => context.err(line), { openPage, metrics: core.metrics }))
    for (const report of reports) {
      context.out(`${report.passed ? 'PASS' : 'FAIL'}  ${report.labId}  ${report.seconds.toFixed(1)} s`)
      for (const step of report.steps) context.out(`      ${step.status.padEnd(7)} ${step.stepId}  ${step.seconds.toFixed(1)} s  ${step.message}`)
      for (const problem of report.problems) context.out(`      problem ${problem}`)
    }
    return reports.every((r) => r.passed) ? 0 : 1
  } finally {
    core.dispose()
  }
}
