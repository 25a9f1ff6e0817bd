// The lab journal: what a learner hands in after a workshop. Steps with their outcome, the
// predictions next to what happened, and the timeline of faults and checks, as Markdown or as
// a self-contained HTML page.
import type { StepProgressRow, TimelineRow } from '../store/repositories'
import type { LoadedLab } from './loader'

export interface JournalInput {
  lab: LoadedLab
  steps: StepProgressRow[]
  timeline: TimelineRow[]
  generatedAt: number
  /** Snapshots of the lab's charts over the session (SVG), when samples were recorded. */
  charts?: { title: string; svg: string; summary: string[] }[]
}

const time = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')

const EVENT_TEXT: Record<string, (data: Record<string, unknown>) => string> = {
  'lab-opened': () => 'Opened the lab',
  'lab-status': (d) => `Lab status: ${String(d.status)}`,
  'fault-injected': (d) => `Fault injected: ${String(d.faultId)}`,
  'fault-reverted': (d) => `Fault reverted: ${String(d.id)}`,
  'halt-all': (d) => `Halt: reverted ${Array.isArray(d.reverted) ? d.reverted.length : 0} fault(s)${Array.isArray(d.failed) && d.failed.length > 0 ? `, ${d.failed.length} failed` : ''}`,
  'step-started': (d) => `Step opened: ${String(d.stepId)}`,
  'step-passed': (d) => `Step passed: ${String(d.stepId)} (${String(d.message ?? '')})`,
  'step-skipped': (d) => `Step skipped: ${String(d.stepId)}`,
  'check-failed': (d) => `Check failed: ${String(d.stepId)} (${String(d.message ?? '')})`,
  prediction: (d) => `Prediction for ${String(d.stepId)}: ${String(d.text)}`,
}

function describe(row: TimelineRow): string {
  return (EVENT_TEXT[row.kind] ?? ((d) => `${row.kind} ${JSON.stringify(d)}`))(row.data)
}

function outcomeOf(row: StepProgressRow | undefined): string {
  if (!row || row.status === 'open') return row && row.attempts > 0 ? `not done yet (${row.attempts} failed check${row.attempts === 1 ? '' : 's'})` : 'not done yet'
  const when = row.passedAt ? ` at ${time(row.passedAt)}` : ''
  return row.status === 'skipped' ? `skipped${when}` : `passed${when}${row.attempts > 0 ? ` after ${row.attempts} failed check${row.attempts === 1 ? '' : 's'}` : ''}`
}

export function journalMarkdown(input: JournalInput): string {
  const { lab, steps, timeline } = input
  const byStep = new Map(steps.map((s) => [s.stepId, s]))
  const lines = [`# ${lab.manifest.title}: lab journal`, '', `Generated ${time(input.generatedAt)} by Chaos Lab.`, '', '## Steps', '']
  lab.manifest.steps.forEach((step, index) => {
    const row = byStep.get(step.id)
    lines.push(`${index + 1}. **${step.title}**: ${outcomeOf(row)}`)
    if (step.predict) {
      lines.push(`   - Question: ${step.predict}`)
      lines.push(`   - Prediction: ${row?.prediction ?? '(none recorded)'}`)
      const observed = [...timeline].reverse().find((t) => (t.kind === 'step-passed' || t.kind === 'check-failed') && t.data.stepId === step.id)
      lines.push(`   - Outcome: ${observed ? String(observed.data.message ?? '') : '(no check result yet)'}`)
    }
  })
  if (input.charts && input.charts.length > 0) {
    lines.push('', '## Charts', '', 'The HTML report draws these; here, each series over the session (min / median / max).', '')
    for (const chart of input.charts) lines.push(`- **${chart.title}**: ${chart.summary.join('; ')}`)
  }
  lines.push('', '## Timeline', '')
  if (timeline.length === 0) lines.push('Nothing recorded yet.')
  for (const row of timeline) lines.push(`- ${time(row.at)}: ${describe(row)}`)
  return lines.join('\n') + '\n'
}

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

export function journalHtml(input: JournalInput): string {
  const { lab, steps, timeline } = input
  const byStep = new Map(steps.map((s) => [s.stepId, s]))
  const stepItems = lab.manifest.steps
    .map((step) => {
      const row = byStep.get(step.id)
      const prediction = step.predict
        ? `<dl><dt>Question</dt><dd>${escape(step.predict)}</dd><dt>Prediction</dt><dd>${escape(row?.prediction ?? '(none recorded)')}</dd></dl>`
        : ''
      return `<li><strong>${escape(step.title)}</strong>: ${escape(outcomeOf(row))}${prediction}</li>`
    })
    .join('\n')
  const events = timeline.map((row) => `<li><time>${escape(time(row.at))}</time> ${escape(describe(row))}</li>`).join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(lab.manifest.title)}: lab journal</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1f2328}h1{font-size:1.6rem}time{color:#57606a;font-variant-numeric:tabular-nums;margin-right:.5rem}dl{margin:.25rem 0 .75rem 1rem}dt{font-weight:600}dd{margin:0 0 .25rem 1rem}figure{margin:0 0 1rem}figure svg{max-width:100%;height:auto;border:1px solid #dde1e7;border-radius:6px}</style>
</head><body>
<h1>${escape(lab.manifest.title)}: lab journal</h1>
<p>Generated ${escape(time(input.generatedAt))} by Chaos Lab.</p>
<h2>Steps</h2><ol>
${stepItems}
</ol>
${input.charts && input.charts.length > 0 ? `<h2>Charts</h2>\n${input.charts.map((c) => `<figure>${c.svg}</figure>`).join('\n')}\n` : ''}<h2>Timeline</h2><ul>
${events || '<li>Nothing recorded yet.</li>'}
</ul>
</body></html>
`
}
