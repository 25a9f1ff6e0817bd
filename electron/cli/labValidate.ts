import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { LabProblem } from '../core/api'
import { loadLab, loadLabs, type LoadResult } from '../core/labs/loader'
import type { CliContext } from './main'

/**
 * `chaos-lab lab validate [DIR...]`: a lab folder (with lab.yaml) or a pack of them; no DIR
 * means the app's labs and the --labs packs. Exit 1 when any lab has a problem; warnings alone
 * do not fail, so a lab pack's CI can run it.
 */
export function labValidate(context: CliContext, dirs: string[], defaultRoots: string[]): number {
  const results: LoadResult[] = (dirs.length > 0 ? dirs.map((d) => resolve(d)) : defaultRoots).map((dir) => {
    if (existsSync(join(dir, 'lab.yaml'))) {
      const { lab, problems } = loadLab(dir, dirname(dir))
      return { labs: lab ? [lab] : [], problems }
    }
    return loadLabs([dir])
  })
  const labs = results.flatMap((r) => r.labs)
  const problems = results.flatMap((r) => r.problems)
  const warnings = labs.flatMap((lab) => lab.warnings)
  const print = (kind: string, p: LabProblem): void => {
    context.err(`${p.file}${p.line ? `:${p.line}` : ''}: ${kind}: ${p.message}`)
    context.err(`  fix: ${p.fix}`)
  }
  problems.forEach((p) => print('error', p))
  warnings.forEach((p) => print('warning', p))
  const summary = `${labs.length} lab${labs.length === 1 ? '' : 's'} valid, ${new Set(problems.map((p) => p.labDir)).size} with errors, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}`
  context.out(summary)
  return problems.length > 0 ? 1 : 0
}
