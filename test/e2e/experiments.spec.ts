// The Experiments view in Chromium through the browser host: import a Chaos Toolkit experiment
// from a file, read it, run it against a real HTTP service on 127.0.0.1 (http providers need no
// VM), watch it, stop it, export its journal, and find the run again after a restart. A process
// experiment cannot run without the VM, and says so; a broken file says where and how to fix it.
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { parse as parseYaml } from 'yaml'
import { startToyService, toyExperiment, type ToyService } from '../helpers/toyService'
import { expect, REPO_ROOT, startHost, test as base, withHost, type Host } from './host'

const SCREENSHOTS = join(REPO_ROOT, 'artifacts', 'screenshots')
mkdirSync(SCREENSHOTS, { recursive: true })

/** `app`: a browser host with no extra labs, and the toy service the experiments probe. */
const test = base.extend<{ app: Host; toy: ToyService }>({
  toy: async ({}, use) => {
    const toy = await startToyService()
    await use(toy)
    await toy.close()
  },
  app: ({}, use) => withHost({}, use),
})

async function openExperiments(page: Page, host: Host): Promise<void> {
  await page.goto(host.url)
  await page.getByRole('link', { name: 'Experiments' }).click()
  await expect(page).toHaveURL(/#\/experiments$/)
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Experiments')
}

async function importFile(page: Page, name: string, content: string): Promise<void> {
  await page.getByTestId('experiment-file').setInputFiles({ name, mimeType: name.endsWith('.json') ? 'application/json' : 'application/yaml', buffer: Buffer.from(content) })
}

async function clearToasts(page: Page): Promise<void> {
  const dismiss = page.getByTestId('toast').getByRole('button', { name: 'Dismiss' })
  while ((await dismiss.count()) > 0) await dismiss.first().click()
}

async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  // The toggle cycles system → light → dark; each click waits for the core's answer.
  const toggle = page.getByTestId('theme-toggle')
  for (let i = 0; i < 3 && (await toggle.textContent()) !== `Theme: ${theme}`; i++) {
    const before = await toggle.textContent()
    await toggle.click()
    await expect(toggle).not.toHaveText(before ?? '')
  }
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme)
}

test('import, read, run and export an http experiment; the run is kept across a restart', async ({ page, app, toy }) => {
  test.slow() // two app starts and two page loads
  await openExperiments(page, app)
  await expect(page.getByRole('heading', { name: 'No experiments yet' })).toBeVisible()

  await importFile(page, 'toy-health.yaml', toyExperiment(toy.url, { title: 'The shop survives a look at its health', pauseAfter: 1 }))
  const detail = page.getByTestId('experiment-detail')
  await expect(detail.getByRole('heading', { level: 2 })).toHaveText('The shop survives a look at its health')
  await expect(page.getByTestId('toast').filter({ hasText: 'Experiment imported' })).toBeVisible()
  await expect(detail).toContainText('toy-health.yaml')
  await expect(detail).toContainText('HTTP only: no VM needed')
  // What it will do, before it runs.
  const hypothesis = page.getByTestId('phase-hypothesis')
  await expect(hypothesis).toContainText('The service answers and every check is ok')
  await expect(hypothesis.getByTestId('activity')).toHaveCount(2)
  await expect(hypothesis.getByTestId('activity').first()).toContainText('Normal: HTTP status 200')
  await expect(hypothesis.getByTestId('activity').first()).toContainText(`GET ${toy.url}/health`)
  await expect(page.getByTestId('phase-method').getByTestId('activity')).toContainText(['look-at-the-service'])
  await expect(page.getByTestId('phase-method')).toContainText('1 s after')
  await expect(page.getByTestId('phase-rollbacks')).toContainText('Always run, whatever happened above')
  expect(toy.requests).toEqual([])

  // Run: live first, then the result from the journal.
  const run = page.getByTestId('run-experiment')
  await expect(run).toBeEnabled()
  await run.click()
  const result = page.getByTestId('run-result')
  await expect(result).toHaveAttribute('data-status', 'running')
  await expect(result).toHaveAttribute('data-status', 'completed', { timeout: 15_000 })
  await expect(page.getByTestId('run-headline')).toHaveText('Steady state held')
  await expect(result).toContainText('The steady state held before and after the method.')
  await expect(page.getByTestId('after-verdict')).toHaveText('steady state met')
  await expect(result).toContainText('1 of 1 ran')
  await expect(page.getByTestId('phase-hypothesis-before')).toHaveAttribute('data-status', 'met')
  await expect(page.getByTestId('phase-hypothesis-after')).toHaveAttribute('data-status', 'met')
  await expect(page.getByTestId('phase-rollbacks').getByTestId('activity')).toHaveAttribute('data-status', 'ok')
  await expect(page.getByTestId('phase-hypothesis-before').getByTestId('activity').first()).toContainText('Observed: HTTP status 200')
  expect(toy.requests.at(-1)).toBe('POST /repair')
  await expect(page.getByTestId('run-list').locator('.side-item')).toHaveCount(1)
  await expect(page.getByTestId('run-list')).toContainText('Steady state held')

  // Export: the Chaos Toolkit-style journal and the Markdown report.
  let downloadEvent = page.waitForEvent('download')
  await result.getByRole('button', { name: /Journal \(JSON\)/ }).click()
  let download = await downloadEvent
  expect(download.suggestedFilename()).toMatch(/^the-shop-survives-a-look-at-its-health-run-\d+-journal\.json$/)
  const journal = JSON.parse(readFileSync(await download.path(), 'utf8')) as { status: string; deviated: boolean; rollbacks: unknown[]; experiment: { title: string } }
  expect(journal).toMatchObject({ status: 'completed', deviated: false, experiment: { title: 'The shop survives a look at its health' } })
  expect(journal.rollbacks).toHaveLength(1)
  downloadEvent = page.waitForEvent('download')
  await result.getByRole('button', { name: /Report \(Markdown\)/ }).click()
  download = await downloadEvent
  expect(readFileSync(await download.path(), 'utf8')).toMatch(/^# Experiment: The shop survives a look at its health\n[\s\S]*\*\*Result: completed: the steady state held\*\*/)

  await setTheme(page, 'light')
  await clearToasts(page)
  await page.setViewportSize({ width: 1280, height: 1180 })
  await page.screenshot({ path: join(SCREENSHOTS, 'experiments.png') })
  await setTheme(page, 'dark')
  await page.screenshot({ path: join(SCREENSHOTS, 'experiments-dark.png') })
  await page.setViewportSize({ width: 1280, height: 800 })

  // A restart of the app: the experiment and its run are still there, journal and all.
  await app.stop()
  const again = await startHost({ dataDir: app.dataDir })
  try {
    await openExperiments(page, again)
    await expect(page.getByTestId('experiment-list')).toContainText('The shop survives a look at its health')
    await expect(page.getByTestId('run-headline')).toHaveText('Steady state held')
    await expect(page.getByTestId('phase-rollbacks').getByTestId('activity')).toHaveAttribute('data-status', 'ok')
  } finally {
    await again.stop()
  }
})

test('a method that breaks the service: deviated after, the rollback repaired it', async ({ page, app, toy }) => {
  await openExperiments(page, app)
  await importFile(page, 'break.json', JSON.stringify(parseYaml(toyExperiment(toy.url, { title: 'Breaking the shop is noticed', breaks: true }))))
  await page.getByTestId('run-experiment').click()
  const result = page.getByTestId('run-result')
  await expect(result).toHaveAttribute('data-status', 'failed', { timeout: 15_000 })
  await expect(result).toHaveAttribute('data-deviated', 'true')
  await expect(page.getByTestId('run-headline')).toHaveText('Deviated')
  await expect(page.getByTestId('after-verdict')).toHaveText('not met')
  await expect(result).toContainText('The system deviated from its steady state after the method')
  const after = page.getByTestId('phase-hypothesis-after')
  await expect(after).toHaveAttribute('data-status', 'not-met')
  await expect(after.getByTestId('activity').first()).toHaveAttribute('data-status', 'failed')
  await expect(after.getByTestId('activity').first()).toContainText('Expected HTTP status 200, observed HTTP status 503')
  await expect(page.getByTestId('phase-rollbacks').getByTestId('activity')).toHaveAttribute('data-status', 'ok')
  expect(toy.healthy).toBe(true)
  await clearToasts(page)
  await setTheme(page, 'dark')
  await page.setViewportSize({ width: 1280, height: 1180 })
  await page.screenshot({ path: join(SCREENSHOTS, 'experiments-deviated-dark.png') })

  // Removing the experiment keeps its run, which still opens with its whole story.
  await page.getByRole('button', { name: 'Remove', exact: true }).click()
  const dialog = page.getByRole('alertdialog', { name: 'Remove this experiment?' })
  await expect(dialog).toContainText('Its past runs and their journals stay')
  await dialog.getByRole('button', { name: 'Remove' }).click()
  await expect(page.getByTestId('experiment-list')).toHaveCount(0)
  await page.getByTestId('run-list').locator('.side-item').first().click()
  await expect(page.getByTestId('experiment-detail')).toContainText('not in the imported list')
  await expect(page.getByTestId('run-headline')).toHaveText('Deviated')
  await expect(page.getByTestId('phase-hypothesis-after')).toHaveAttribute('data-status', 'not-met')
  await expect(page.getByTestId('phase-rollbacks').getByTestId('activity')).toHaveAttribute('data-status', 'ok')
})

test('Stop during a pause skips the rest and still runs the rollback; runs are reachable from the keyboard', async ({ page, app, toy }) => {
  await openExperiments(page, app)
  await importFile(page, 'pause.yaml', toyExperiment(toy.url, { title: 'A long pause', pauseAfter: 60 }))
  await page.getByTestId('run-experiment').click()
  const result = page.getByTestId('run-result')
  await expect(result).toContainText('Pausing 60 s after')
  await expect(page.getByTestId('phase-method')).toHaveAttribute('data-status', 'running')
  await page.getByTestId('stop-experiment').click()
  await expect(result).toHaveAttribute('data-status', 'interrupted', { timeout: 10_000 })
  await expect(page.getByTestId('run-headline')).toHaveText('Stopped')
  await expect(result).toContainText('The experiment was stopped before it finished.')
  await expect(page.getByTestId('phase-hypothesis-after')).toHaveAttribute('data-status', 'skipped')
  await expect(page.getByTestId('phase-rollbacks').getByTestId('activity')).toHaveAttribute('data-status', 'ok')
  expect(toy.requests.at(-1)).toBe('POST /repair')

  // Run it again, then go back to the first run with the keyboard only.
  await page.getByTestId('run-experiment').focus()
  await expect(page.getByTestId('run-experiment')).toHaveText('Run again')
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('stop-experiment')).toBeVisible()
  await page.getByTestId('stop-experiment').press('Enter')
  await expect(page.getByTestId('run-list').locator('.side-item')).toHaveCount(2)
  const first = page.getByTestId('run-list').locator('.side-item').last()
  await first.focus()
  await page.keyboard.press('Enter')
  await expect(first).toHaveAttribute('aria-current', 'true')
  await expect(page.getByTestId('run-result')).toContainText(`Run #${await first.getAttribute('data-run-id')}`)
  // Escape goes back to the catalogue, like the other views.
  await page.keyboard.press('Escape')
  await expect(page).toHaveURL(/#\/$/)
})

test('a process experiment cannot run without the VM, and says why; a broken file says where and how to fix it', async ({ page, app }) => {
  await openExperiments(page, app)
  const process = JSON.stringify({
    title: 'nginx comes back after a kill',
    'steady-state-hypothesis': { title: 'nginx is active', probes: [{ type: 'probe', name: 'nginx-active', tolerance: 'active', provider: { type: 'process', path: 'systemctl', arguments: ['is-active', 'nginx'] } }] },
    method: [{ type: 'action', name: 'kill-nginx', provider: { type: 'process', path: 'pkill', arguments: ['-9', 'nginx'] }, pauses: { after: 5 } }],
  })
  await importFile(page, 'nginx.json', process)
  const detail = page.getByTestId('experiment-detail')
  await expect(detail).toContainText('Runs in the lab VM')
  await expect(page.getByTestId('run-experiment')).toBeDisabled()
  await expect(page.getByTestId('run-why')).toContainText('This experiment runs commands in the lab VM. Start the lab VM first')
  await expect(page.getByTestId('phase-hypothesis').getByTestId('activity')).toContainText("systemctl 'is-active' 'nginx'")
  await expect(page.getByTestId('phase-hypothesis').getByTestId('activity')).toContainText("Normal: stdout is 'active'")
  await expect(page.getByTestId('phase-rollbacks')).toContainText('The experiment declares no rollbacks.')

  const broken = ['title: Terminate a pod', 'method:', '  - type: action', '    name: kill-pod', '    provider:', '      type: python', '      module: chaosk8s.pod.actions', '      func: terminate_pods', ''].join('\n')
  await importFile(page, 'pod.yaml', broken)
  const alert = page.getByRole('alert').filter({ hasText: 'The experiment could not be imported' })
  await expect(alert).toContainText('pod.yaml is not a valid experiment (line 6): Activity "kill-pod" uses the python provider')
  await expect(alert).toContainText('Rewrite it as a process provider running a script in the VM')
  await alert.getByText('Details').click()
  await expect(alert.locator('pre')).toContainText('pod.yaml:6: method[0].provider.type:')
  // Nothing was imported; the good one is still selected.
  await expect(page.getByTestId('experiment-list').locator('.side-item')).toHaveCount(1)
  await alert.getByRole('button', { name: 'Dismiss' }).click()
  await expect(alert).toBeHidden()
  await setTheme(page, 'light')
  await clearToasts(page)
  await page.screenshot({ path: join(SCREENSHOTS, 'experiments-needs-vm.png') })
})
