/// <reference lib="dom" />
// The VM panel driving the real VM, in Chromium through the browser host: a learner's first
// start from the first-run banner to a ready VM, with the real progress and log; then a lab run
// end to end in that VM (setup, a held check passing after a command in a VM shell, a fault and
// Halt, Finish); then Destroy. One VM boot for all of it.
// Runs inside the CI network namespace (npm run test:vm), after the vitest VM suite.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Locator, Page } from '@playwright/test'
import { BROKEN_PACK, expect, REPO_ROOT, startHost, test as base, type Host } from '../../e2e/host'

const ARTIFACTS = join(REPO_ROOT, 'artifacts')
const ENGINE_PACK = join(REPO_ROOT, 'test', 'fixtures', 'labs-engine')

/** The usual host, with the sample lab pack (loopback-latency) next to the broken pack. */
const test = base.extend<{ host: Host }>({
  host: async ({}, use) => {
    const host = await startHost({ labs: [BROKEN_PACK, ENGINE_PACK] })
    try {
      await use(host)
    } finally {
      await host.stop()
      rmSync(host.dataDir, { recursive: true, force: true })
    }
  },
})
test.setTimeout(20 * 60_000)

type TerminalElement = HTMLElement & { readBuffer(lastRows?: number): string }

/** The terminal's text (from its buffer: the xterm may draw on a canvas). */
function bufferText(terminal: Locator): Promise<string> {
  return terminal.evaluate((element) => (element as TerminalElement).readBuffer())
}

/** Every value a data-look attribute takes on the page, recorded as it changes (they can pass quickly). */
async function recordLooks(page: Page, testId: string): Promise<void> {
  await page.evaluate((id) => {
    const seen: string[] = []
    ;(window as unknown as { seenLooks: string[] }).seenLooks = seen
    new MutationObserver(() => {
      const look = document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-look') ?? ''
      if (look && seen.at(-1) !== look) seen.push(look)
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-look'] })
  }, testId)
}

test('first start from the banner: real progress, phase, elapsed time and log; a lab in the VM; then Destroy', async ({ page, host }) => {
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

  await test.step('a lab in the VM: setup, a held check, a VM shell, a fault, Halt, Finish', async () => {
    await page.goto(new URL('/#/labs/loopback-latency', host.url).toString())
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Latency on the loopback interface')
    const bar = page.getByRole('group', { name: 'Lab actions' })
    const halt = page.getByTestId('halt')
    await expect(halt).toHaveAttribute('data-count', '0')

    // Set up: the core's phases show next to the button until Ready.
    await bar.getByRole('button', { name: 'Set up lab' }).click()
    const phase = bar.getByTestId('lab-phase')
    await expect(phase).toContainText('Ready', { timeout: 5 * 60_000 })
    await expect(phase).toHaveAttribute('data-look', 'done')

    // The live charts: the lab's own chart next to the default CPU one, fed by the VM's sampler.
    const charts = page.getByTestId('charts-panel')
    const chartState = charts.getByTestId('metrics-state')
    await expect(chartState).toHaveText('live', { timeout: 60_000 })
    const cpuChart = charts.locator('figure', { hasText: 'CPU' })
    const rttChart = charts.locator('figure', { hasText: 'Round trip of a page on lo' })
    await expect(rttChart.locator('canvas')).toBeVisible()
    await expect.poll(() => rttChart.getByTestId('chart-latest').innerText(), { timeout: 30_000 }).toMatch(/^\d+(\.\d+)? ms$/)
    const firstCpu = await cpuChart.getByTestId('chart-latest').innerText()
    await expect.poll(() => cpuChart.getByTestId('chart-latest').innerText(), { timeout: 20_000, message: 'the CPU chart updates live' }).not.toBe(firstCpu)
    // Pause freezes the view; dragging across a chart zooms (and stops following); Live returns.
    await charts.getByTestId('charts-pause').click()
    await expect(chartState).toHaveText('paused')
    await charts.getByTestId('charts-pause').click()
    await expect(chartState).toHaveText('live')
    const over = rttChart.locator('.u-over')
    const box = (await over.boundingBox())!
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 })
    await page.mouse.up()
    await expect(chartState).toHaveText('zoomed')
    await charts.getByTestId('charts-pause').click()
    await expect(chartState).toHaveText('live')

    // Step 2: a continuous check that must hold for 2 s. Failing first: no note yet.
    await page.locator('.step-list').getByRole('button', { name: /Write down what you saw/ }).click()
    await expect(page.getByTestId('step-number')).toHaveText('Step 2 of 2')
    const panel = page.getByTestId('check-panel')
    await expect(panel.getByTestId('check-message')).toHaveText('Expected a note in state/noted.', { timeout: 60_000 })
    await expect(panel).toHaveAttribute('data-look', 'fail')
    await expect(panel.getByTestId('check-age')).toContainText('checked')
    await page.screenshot({ path: join(ARTIFACTS, 'vm-lab-check-failing.png') })

    // The learner writes the note from a shell in the VM.
    await page.getByTestId('terminal-empty').getByRole('button', { name: 'Open VM shell' }).click()
    const terminal = page.locator('[data-testid="terminal"]:visible')
    await expect(terminal).toHaveAttribute('data-attached', 'true', { timeout: 60_000 })
    await expect(terminal.locator('textarea')).toBeFocused()
    await expect.poll(() => bufferText(terminal), { timeout: 60_000, message: 'the VM shell prints its prompt' }).toMatch(/[#$] ?$/)
    await recordLooks(page, 'check-panel')
    await page.keyboard.type('echo "about 200 ms" | sudo tee /opt/chaos-lab/labs/loopback-latency/state/noted')
    await page.keyboard.press('Enter')
    await expect.poll(() => bufferText(terminal), { timeout: 30_000 }).toMatch(/^about 200 ms$/m)

    // Passing at once, held for 2 s, then passed: the step is marked done, here and in the list.
    await expect(panel.getByTestId('check-message')).toHaveText('Noted: about 200 ms', { timeout: 30_000 })
    await expect(panel).toHaveAttribute('data-look', 'pass', { timeout: 30_000 })
    const looks = await page.evaluate(() => (window as unknown as { seenLooks: string[] }).seenLooks)
    console.log(`[vm e2e] check looks: ${looks.join(' → ')}`)
    expect(looks).toContain('holding')
    await expect(page.getByTestId('step-done')).toContainText('Step passed')
    await expect(page.locator('.step-link[data-status="passed"]')).toContainText('Write down what you saw')
    await page.screenshot({ path: join(ARTIFACTS, 'vm-lab-step-passed.png') })

    // Step 1: inject its fault. Halt turns red with the count; the step's check sees the delay.
    await page.locator('.step-list').getByRole('button', { name: /Watch the round trip grow/ }).click()
    await expect(page.getByTestId('step-number')).toHaveText('Step 1 of 2')
    await page.getByRole('button', { name: 'Inject: 100 ms netem delay (lo)' }).click()
    await expect(halt).toHaveAttribute('data-count', '1', { timeout: 60_000 })
    await expect(halt).toHaveClass(/active/)
    await expect(page.getByRole('button', { name: 'Revert: 100 ms netem delay (lo)' })).toBeVisible()
    await expect(panel).toHaveAttribute('data-look', 'pass', { timeout: 60_000 })
    await expect(panel.getByTestId('check-message')).toContainText('the delay is in place')
    // The charts mark the injection and the lab's latency series shows the delay.
    await expect(charts.getByTestId('chart-marks')).toContainText('Injected: 100 ms netem delay')
    await expect.poll(async () => parseFloat(await rttChart.getByTestId('chart-latest').innerText()), { timeout: 30_000, message: 'the page round trip grows' }).toBeGreaterThan(200)
    await page.screenshot({ path: join(ARTIFACTS, 'vm-lab-fault-injected.png') })

    // Halt: back to neutral, and the toast says what was reverted.
    await halt.click()
    await expect(halt).toHaveAttribute('data-count', '0', { timeout: 60_000 })
    await expect(halt).not.toHaveClass(/active/)
    await expect(page.getByTestId('toast').filter({ hasText: 'Halt: reverted 1 fault' })).toContainText('100 ms netem delay (lo)')
    await expect(charts.getByTestId('chart-marks')).toContainText('Halt: every fault reverted')
    await expect.poll(async () => parseFloat(await rttChart.getByTestId('chart-latest').innerText()), { timeout: 30_000, message: 'the round trip falls after Halt' }).toBeLessThan(100)
    await page.screenshot({ path: join(ARTIFACTS, 'vm-lab-charts-after-halt.png') })
    await expect(page.getByRole('button', { name: 'Inject: 100 ms netem delay (lo)' })).toBeVisible()

    // Finish: cleanup runs; with every step passed the lab counts as completed.
    await bar.getByRole('button', { name: 'Finish lab' }).click()
    await expect(phase).toContainText('Cleaned up', { timeout: 5 * 60_000 })
    await expect(page.getByTestId('toast').filter({ hasText: 'Lab completed' })).toBeVisible()
    await page.getByRole('button', { name: 'Back to labs (Esc)' }).click()
    await expect(page.locator('.lab-card[data-lab-id="loopback-latency"]').getByTestId('lab-status')).toHaveText('Completed')
  })

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
