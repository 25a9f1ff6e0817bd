// Step progress, predictions and the journal report, through the Core's API and real SQLite.
import { afterEach, describe, expect, it } from 'vitest'
import type { MethodOutput } from '../../../electron/core/api'
import { unwrap } from '../../../electron/core/errors'
import { JournalRepository } from '../../../electron/core/store/repositories'
import { openDatabase } from '../../../electron/core/store/database'
import { testCore } from '../../helpers/core'
import { REPO_ROOT } from '../../helpers/tmp'
import { join } from 'node:path'

const ENGINE_LABS = join(REPO_ROOT, 'test', 'fixtures', 'labs-engine')
let ctx: ReturnType<typeof testCore>
afterEach(() => ctx?.cleanup())

describe('step progress', () => {
  it('marks a step done once, counts failed attempts only while open', () => {
    const journal = new JournalRepository(openDatabase(':memory:'))
    journal.failedCheck('lab', 'one')
    journal.failedCheck('lab', 'one')
    expect(journal.markDone('lab', 'one', 'passed', 1000)).toBe(true)
    expect(journal.markDone('lab', 'one', 'passed', 2000)).toBe(false)
    journal.failedCheck('lab', 'one')
    expect(journal.steps('lab')).toEqual([{ stepId: 'one', status: 'passed', attempts: 2, passedAt: 1000, prediction: null }])
  })
})

describe('predictions and the journal report', () => {
  it('records a prediction, shows it next to the question, and exports Markdown and HTML', async () => {
    ctx = testCore([ENGINE_LABS])
    const events: string[] = []
    ctx.core.onEvent((e) => events.push(e.name))
    unwrap(await ctx.core.call('labs:open', { id: 'loopback-latency' }))
    unwrap(await ctx.core.call('lab:predict', { labId: 'loopback-latency', stepId: 'observe', text: 'About 200 ms, <twice> the delay' }))
    expect(events).toContain('progress:changed')
    expect(unwrap(await ctx.core.call('lab:progress', { id: 'loopback-latency' }))).toEqual({
      steps: [{ stepId: 'observe', status: 'open', attempts: 0, passedAt: null, prediction: 'About 200 ms, <twice> the delay' }],
    })
    const markdown = unwrap(await ctx.core.call('lab:journal', { id: 'loopback-latency', format: 'markdown' })) as MethodOutput<'lab:journal'>
    expect(markdown.fileName).toBe('loopback-latency-journal.md')
    expect(markdown.content).toContain('# Latency on the loopback interface: lab journal')
    expect(markdown.content).toContain('   - Question: With 100 ms added on lo, how long will a ping to 127.0.0.1 take?')
    expect(markdown.content).toContain('   - Prediction: About 200 ms, <twice> the delay')
    expect(markdown.content).toMatch(/- \d{4}-\d\d-\d\d [\d:]+ UTC: Prediction for observe: About 200 ms/)
    const html = unwrap(await ctx.core.call('lab:journal', { id: 'loopback-latency', format: 'html' })) as MethodOutput<'lab:journal'>
    expect(html.content).toContain('&lt;twice&gt;') // the learner's text is escaped, never markup
    expect(html.content).not.toContain('<twice>')
  })

  it('refuses a prediction for a lab that does not exist', async () => {
    ctx = testCore()
    const reply = await ctx.core.call('lab:predict', { labId: 'nope', stepId: 'x', text: 'y' })
    expect(reply).toMatchObject({ ok: false, error: { code: 'not-found' } })
  })
})
