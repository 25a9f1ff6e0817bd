/// <reference lib="dom" />
// The VM panel driving the real VM, in Chromium through the browser host: a learner's first
// start from the first-run banner to a ready VM, with the real progress and log, then Destroy.
// Runs inside the CI network namespace (npm run test:vm), after the vitest VM suite.
import { join } from 'node:path'
import { expect, REPO_ROOT, test } from '../../e2e/host'

const ARTIFACTS = join(REPO_ROOT, 'artifacts')
test.setTimeout(20 * 60_000)

test('first start from the banner: real progress, phase, elapsed time and log; then Destroy', async ({ page, host }) => {
  await page.goto(host.url)
  await expect(page.getByTestId('vm-state')).toHaveAttribute('data-state', 'not-created', { timeout: 60_000 })
  await page.getByTestId('setup-banner').getByRole('button').first().click()
  await expect(page).toHaveURL(/#\/vm$/)

  // Every phase the panel shows, recorded in the page as it changes (phases can pass quickly).
  await page.evaluate(() => {
    const seen: string[] = []
    ;(window as unknown as { seenPhases: string[] }).seenPhases = seen
    new MutationObserver(() => {
      const text = document.querySelector('.vm-progress-phase')?.textContent ?? ''
      if (text && seen.at(-1) !== text) seen.push(text)
    }).observe(document.body, { subtree: true, childList: true, characterData: true })
  })
  const actions = page.getByRole('group', { name: 'VM actions' })
  await actions.getByRole('button', { name: 'Start', exact: true }).click()

  // While Vagrant works: a progress bar with a phase from Vagrant's own output, the clock, the
  // compact bar in the status bar, disabled actions, and the log filling up.
  const card = page.getByTestId('vm-status-card')
  await expect(card.getByRole('progressbar')).toBeVisible({ timeout: 60_000 })
  await expect(page.getByTestId('status-vm-progress')).toBeVisible()
  await expect(card.getByTestId('vm-elapsed')).toContainText(/\d\d:\d\d/)
  for (const button of await actions.getByRole('button').all()) await expect(button).toBeDisabled()
  await page.screenshot({ path: join(ARTIFACTS, 'vm-panel-starting.png') })

  // Ready: running, connected, the clean snapshot taken, Stop and Reset offered.
  await expect(page.getByTestId('vm-panel-state')).toHaveAttribute('data-state', 'running', { timeout: 10 * 60_000 })
  await expect(card.getByRole('progressbar')).toHaveCount(0, { timeout: 60_000 })
  await expect(actions.getByRole('button', { name: 'Stop', exact: true })).toBeEnabled()
  await expect(actions.getByRole('button', { name: 'Reset VM' })).toBeEnabled()
  const phases = await page.evaluate(() => (window as unknown as { seenPhases: string[] }).seenPhases)
  console.log(`[vm e2e] phases shown: ${phases.join(' | ')}`)
  expect(phases.some((p) => p.includes('Waiting for SSH'))).toBe(true)
  expect(phases.some((p) => /Provisioning \d+\/\d+: /.test(p))).toBe(true)
  await expect(page.getByTestId('vm-log')).toContainText('[provision')
  await page.screenshot({ path: join(ARTIFACTS, 'vm-panel-running.png') })

  // The first-run banner is gone from the catalogue now that the VM exists.
  await page.goto(new URL('/#/', host.url).toString())
  await expect(page.locator('.lab-card[data-lab-id]').first()).toBeVisible()
  await expect(page.getByTestId('setup-banner')).toHaveCount(0)
  await page.goto(new URL('/#/vm', host.url).toString())

  // Destroy asks first; focus stays in the dialog; Escape cancels and nothing happens.
  const destroy = actions.getByRole('button', { name: 'Destroy…' })
  await destroy.click()
  const dialog = page.getByRole('alertdialog', { name: 'Destroy the lab VM?' })
  await expect(dialog).toContainText("VM's disk")
  const cancel = dialog.getByRole('button', { name: 'Cancel' })
  const confirm = dialog.getByRole('button', { name: 'Destroy VM' })
  await expect(cancel).toBeFocused()
  await page.keyboard.press('Tab')
  await expect(confirm).toBeFocused()
  await page.keyboard.press('Tab')
  await expect(cancel).toBeFocused()
  await page.screenshot({ path: join(ARTIFACTS, 'vm-panel-destroy-dialog.png') })
  await page.keyboard.press('Escape')
  await expect(dialog).toBeHidden()
  await expect(destroy).toBeFocused()
  await expect(page.getByTestId('vm-panel-state')).toHaveAttribute('data-state', 'running')

  // Confirmed: the VM is gone.
  await destroy.click()
  await dialog.getByRole('button', { name: 'Destroy VM' }).click()
  await expect(page.getByTestId('vm-panel-state')).toHaveAttribute('data-state', 'not-created', { timeout: 5 * 60_000 })
  await expect(actions.getByRole('button', { name: 'Start', exact: true })).toBeEnabled()
})
