import { unwrap } from '../core/errors'
import type { Catalogue } from '../core/api'
import type { CliContext } from './main'

export async function labList(context: CliContext, options: { json: boolean }): Promise<number> {
  const core = context.createCore('browser')
  try {
    const catalogue = unwrap(await core.call('labs:list', undefined)) as Catalogue
    if (options.json) {
      context.out(JSON.stringify(catalogue, null, 2))
    } else {
      const rows = catalogue.labs.map((lab) => [lab.id, lab.source, lab.topic, `${lab.minutes} min`, lab.status, lab.title])
      for (const row of formatTable([['ID', 'SOURCE', 'TOPIC', 'TIME', 'STATUS', 'TITLE'], ...rows])) context.out(row)
      for (const problem of catalogue.problems) {
        context.err(`${problem.file}${problem.line ? `:${problem.line}` : ''}: ${problem.message}`)
        context.err(`  fix: ${problem.fix}`)
      }
    }
    return catalogue.problems.length > 0 ? 1 : 0
  } finally {
    core.dispose()
  }
}

function formatTable(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)))
  return rows.map((row) => row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!))).join('  '))
}
