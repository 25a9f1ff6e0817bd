// Running a lab in Chromium through the browser host, without a VM: predictions, hints and the
// solution, the lab bar, the journal export, and Halt. What needs the VM (setup, checks that
// pass, faults) is in test/vm/e2e/vm-panel.spec.ts; here those paths must fail clearly instead.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { expect, REPO_ROOT, startHost, test as base, type Host } from './host'

const ARTIFACTS = join(REPO_ROOT, 'artifacts')
mkdirSync(ARTIFACTS, { recursive: true })

const ENGINE_PACK = join(REPO_ROOT, 'test', 'fixtures', 'labs-engine')
const SAMPLE = 'loopback-latency'
const PRACTICE = 'practice-help'

/**
 * A lab with several hints, a solution and a click check, written for this file (the sample lab
 * has one hint and no solution). Lives in a temporary pack folder next to the engine pack.
 */
function writePracticePack(): string {
  const pack = mkdtempSync(join(tmpdir(), 'chaos-lab-e2e-pack-'))
  const dir = join(pack, PRACTICE)
  mkdirSync(join(dir, 'steps'), { recursive: true })
  writeFileSync(
    join(dir, 'lab.yaml'),
    [
      `id: ${PRACTICE}`,
      'title: Practice with hints',
      'source: original',
      'topic: practice',
      'summary: A lab with hints, a solution and a click check, for the end-to-end tests.',
      'minutes: 3',
      'steps:',
      '  - id: find-it',
      '    title: Find the marker file',
      '    check:',
      '      run: test -f /tmp/marker && echo "Found it."',
      '      mode: click',
      '    hints:',
      '      - Look in `/tmp`.',
      '      - "`ls -la /tmp` lists hidden files too."',
      '      - "**Nearly there**: it is called `marker`."',
      '    solution: "Create it: `touch /tmp/marker`, then press **Check**."',
      '    solve:',
      '      run: touch /tmp/marker',
      '',
    ].join('\n'),
  )
  writeFileSync(join(dir, 'steps', 'find-it.md'), 'Somewhere in the VM there is a marker file. Make sure it exists, then press **Check**.\n')
  return pack
}

/** `lab`: a host with the sample lab pack and the practice pack; everything removed after. */
const test = base.extend<{ lab: Host }>({
  lab: async ({}, use) => {
    const pack = writePracticePack()
    const host = await startHost({ labs: [ENGINE_PACK, pack] })
    try {
      await use(host)
    } finally {
      await host.stop()
      rmSync(host.dataDir, { recursive: true, force: true })
      rmSync(pack, { recursive: true, force: true })
    }
  },
})

async function openLab(page: Page, host: Host, id: string, title: string): Promise<void> {
  // Relative to the URL with the token: the first page load trades it for the session cookie.
  await page.goto(new URL(`#/labs/${id}`, host.url).toString())
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(title)
}

test('a prediction is saved, survives a reload and can be edited', async ({ page, lab }) => {
  await openLab(page, lab, SAMPLE, 'Latency on the loopback interface')
  await expect(page.getByTestId('step-number')).toHaveText('Step 1 of 2')

  // The question comes before the step's text.
  const box = page.getByTestId('prediction')
  await expect(box).toContainText('With 100 ms added on lo, how long will a ping to 127.0.0.1 take?')
  const order = await page.locator('.step').evaluate((step) => {
    const predict = step.querySelector('[data-testid="prediction"]')!
    const body = step.querySelector('.markdown')!
    return predict.compareDocumentPosition(body) & Node.DOCUMENT_POSITION_FOLLOWING
  })
  expect(order).toBeTruthy()

  const save = box.getByRole('button', { name: 'Save prediction' })
  await expect(save).toBeDisabled()
  const field = box.getByRole('textbox')
  await field.fill('About 200 ms: 100 ms each way')
  await save.click()
  await expect(box.getByTestId('prediction-text')).toHaveText('About 200 ms: 100 ms each way')

  await page.reload()
  await expect(page.getByTestId('prediction').getByTestId('prediction-text')).toHaveText('About 200 ms: 100 ms each way')

  // Editable: Edit brings the text back into the field; Ctrl+Enter saves.
  await page.getByTestId('prediction').getByRole('button', { name: 'Edit your prediction' }).click()
  const again = page.getByTestId('prediction').getByRole('textbox')
  await expect(again).toHaveValue('About 200 ms: 100 ms each way')
  await again.fill('About 200 ms')
  await page.keyboard.press('Control+Enter')
  await expect(page.getByTestId('prediction').getByTestId('prediction-text')).toHaveText('About 200 ms')
  await page.reload()
  await expect(page.getByTestId('prediction').getByTestId('prediction-text')).toHaveText('About 200 ms')
})

test('hints reveal one at a time; the solution reveals inline', async ({ page, lab }) => {
  await openLab(page, lab, PRACTICE, 'Practice with hints')
  const hints = page.getByTestId('hint')
  await expect(hints).toHaveCount(0)

  await page.getByRole('button', { name: 'Show a hint (1 of 3)' }).click()
  await expect(hints).toHaveCount(1)
  await expect(hints.first()).toContainText('Look in /tmp.')
  // Markdown, not raw text: the backticks became code.
  await expect(hints.first().locator('code')).toHaveText('/tmp')

  await page.getByRole('button', { name: 'Show another hint (2 of 3)' }).click()
  await expect(hints).toHaveCount(2)
  await page.getByRole('button', { name: 'Show another hint (3 of 3)' }).click()
  await expect(hints).toHaveCount(3)
  await expect(hints.nth(2).locator('strong')).toHaveText('Nearly there')
  await expect(page.getByRole('button', { name: /Show (a|another) hint/ })).toHaveCount(0)
  await expect(page.getByText('That was the last hint.')).toBeVisible()

  const solutionButton = page.getByRole('button', { name: 'Show solution' })
  await expect(solutionButton).toHaveAttribute('aria-expanded', 'false')
  await expect(page.getByTestId('solution')).toHaveCount(0)
  await solutionButton.click()
  await expect(page.getByTestId('solution')).toContainText('Create it: touch /tmp/marker')
  await expect(page.getByRole('button', { name: 'Hide solution' })).toHaveAttribute('aria-expanded', 'true')

  // A click check without the VM: Check and Skip are disabled and say why.
  const check = page.getByTestId('check-panel')
  await expect(check.getByRole('button', { name: /^Check/ })).toBeDisabled()
  await expect(check).toContainText('Start the lab VM first')
  await expect(page.getByRole('button', { name: 'Skip step…' })).toBeDisabled()
})

test('"Set up lab" and "Finish lab" are disabled with the reason while the VM is not running', async ({ page, lab }) => {
  // From the catalogue, where a lab pack's labs show next to the built-in ones.
  await page.goto(lab.url)
  await page.locator(`.lab-card[data-lab-id="${SAMPLE}"]`).click()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Latency on the loopback interface')
  const bar = page.getByRole('group', { name: 'Lab actions' })
  const setup = bar.getByRole('button', { name: 'Set up lab' })
  await expect(setup).toBeDisabled()
  await expect(bar.getByTestId('setup-lab')).toHaveAttribute('title', 'Start the lab VM first (Lab VM panel, Ctrl+Shift+V).')
  // The reason is also the button's description, for screen readers (a title on a wrapper is not).
  await expect(setup).toHaveAccessibleDescription('Start the lab VM first (Lab VM panel, Ctrl+Shift+V).')
  await expect(bar.getByRole('button', { name: 'Finish lab' })).toBeDisabled()

  // The step's fault cannot be injected either, and the continuous check waits for the VM.
  await expect(page.getByRole('button', { name: 'Inject: 100 ms netem delay (lo)' })).toBeDisabled()
  await expect(page.getByTestId('check-panel')).toHaveAttribute('data-look', 'waiting')
  await expect(page.getByTestId('check-panel')).toContainText('Waiting for the VM')
})

test('Export journal downloads a Markdown file with the saved prediction', async ({ page, lab }) => {
  await openLab(page, lab, SAMPLE, 'Latency on the loopback interface')
  const box = page.getByTestId('prediction')
  await box.getByRole('textbox').fill('Twice the delay: about 200 ms')
  await box.getByRole('button', { name: 'Save prediction' }).click()
  await expect(box.getByTestId('prediction-text')).toHaveText('Twice the delay: about 200 ms')

  const exportButton = page.getByRole('button', { name: 'Export journal' })
  await exportButton.click()
  const menu = page.getByTestId('journal-menu')
  await expect(menu.getByRole('menuitem')).toHaveText(['Markdown (.md)', 'HTML (.html)'])
  await expect(menu.getByRole('menuitem', { name: 'Markdown (.md)' })).toBeFocused()
  const downloadEvent = page.waitForEvent('download')
  await page.keyboard.press('Enter')
  const download = await downloadEvent
  expect(download.suggestedFilename()).toBe(`${SAMPLE}-journal.md`)
  const content = readFileSync(await download.path(), 'utf8')
  expect(content).toContain('Latency on the loopback interface')
  expect(content).toContain('Twice the delay: about 200 ms')
  await expect(page.getByTestId('toast').filter({ hasText: 'Journal exported' })).toBeVisible()
  await expect(exportButton).toBeFocused()

  // The menu also opens from the keyboard and closes with Escape, focus back on its button.
  await exportButton.press('ArrowDown')
  await expect(menu).toBeVisible()
  await page.keyboard.press('Escape')
  await expect(menu).toBeHidden()
  await expect(exportButton).toBeFocused()
  // Escape in the menu closed only the menu, not the lab.
  await expect(page).toHaveURL(new RegExp(`#/labs/${SAMPLE}$`))
})

test('Halt is always in the app bar; Ctrl+Shift+H runs it and, with no VM, says so', async ({ page, host }) => {
  await page.goto(host.url)
  const halt = page.getByTestId('halt')
  await expect(halt).toBeVisible()
  await expect(halt).toHaveAttribute('data-count', '0')
  await expect(halt).not.toHaveClass(/active/)
  await expect(halt).toHaveAttribute('aria-keyshortcuts', 'Control+Shift+H')

  // From the lab view too, with the focus in a text field.
  await page.goto(new URL('#/labs/how-processes-die', host.url).toString())
  await expect(page.getByTestId('halt')).toBeVisible()
  await page.keyboard.press('Control+Shift+H')
  const toast = page.getByTestId('toast')
  await expect(toast).toHaveCount(1)
  await expect(toast).toHaveAttribute('data-tone', 'error')
  await expect(toast).toContainText('Halt could not run')
  await expect(toast).toContainText('There is no connection to the VM.')
  await expect(toast).toContainText('Start the VM from the VM panel.')
  await page.screenshot({ path: join(ARTIFACTS, 'halt-toast-no-vm.png') })
  // Still a page, not a crash: the lab is still there, and the toast goes away when dismissed.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('How processes die')
  await toast.getByRole('button', { name: 'Dismiss' }).click()
  await expect(toast).toHaveCount(0)

  // The button does the same as the shortcut; the shortcut is in the "?" list.
  await page.getByTestId('halt').click()
  await expect(page.getByTestId('toast')).toContainText('There is no connection to the VM.')
  await page.getByTestId('toast').getByRole('button', { name: 'Dismiss' }).click()

  // The shortcut works from inside a terminal too: the terminal does not swallow it.
  await page.getByTestId('terminal-empty').getByRole('button', { name: 'Open host shell' }).click()
  const terminal = page.locator('[data-testid="terminal"]:visible')
  await expect(terminal.locator('textarea')).toBeFocused()
  await page.keyboard.press('Control+Shift+H')
  await expect(page.getByTestId('toast')).toContainText('Halt could not run')
  await page.getByTestId('toast').getByRole('button', { name: 'Dismiss' }).click()
  await page.locator('body').click({ position: { x: 5, y: 300 } })
  await page.keyboard.press('?')
  await expect(page.getByRole('dialog')).toContainText('Ctrl+Shift+H')
  await expect(page.getByRole('dialog')).toContainText('Halt')
  await page.keyboard.press('Escape')
  // Escape closed the dialog only: the lab view stays.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('How processes die')
})
