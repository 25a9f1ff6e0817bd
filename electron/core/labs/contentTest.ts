// Content CI for a lab (`chaos-lab lab test`): against a running VM, set the lab up, then for each
// step inject its faults through the ledger, run its solve and wait for its check to pass, then
// clean up, and require an empty fault ledger at the end. Every lab must pass it.
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
  seconds: number
}

/** A check that would pass if given time gets its timeout, its hold time and this much more. */
const CHECK_GRACE_MS = 30_000

export async function testLab(lab: LoadedLab, runtime: LabRuntime, ledger: FaultLedger, onProgress: (line: string) => void = () => undefined): Promise<LabTestReport> {
  const started = Date.now()
  const steps: StepOutcome[] = []
  const problems: string[] = []
  const id = lab.manifest.id
  try {
    onProgress(`${id}: setup`)
    await runtime.setup(lab)
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
    problems.push(`setup: ${err instanceof Error ? err.message : String(err)}`)
  } finally {
    try {
      onProgress(`${id}: cleanup`)
      await runtime.cleanup(lab)
    } catch (err) {
      problems.push(`cleanup: ${err instanceof Error ? err.message : String(err)}`)
    }
    try {
      const left = (await ledger.refresh()).filter((e) => e.id.startsWith(`${id}:`))
      if (left.length > 0) problems.push(`faults still in the ledger after cleanup: ${left.map((e) => e.label).join(', ')}`)
    } catch (err) {
      problems.push(`ledger: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  const passed = problems.length === 0 && steps.every((s) => s.status !== 'failed')
  return { labId: id, passed, steps, problems, seconds: (Date.now() - started) / 1000 }
}
