// The app shell in Chromium through the browser host: catalogue, lab view, persistence, themes.
import { mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { expect, REPO_ROOT, test } from './host'

const ARTIFACTS = join(REPO_ROOT, 'artifacts')
mkdirSync(ARTIFACTS, { recursive: true })
/** The app's own labs plus the one good lab of the broken fixture pack. */
const LAB_COUNT = readdirSync(join(REPO_ROOT, 'labs'), { withFileTypes: true }).filter((d) => d.isDirectory()).length + 1

test('the catalogue shows every good lab and reports the broken ones', async ({ page, host }) => {
  await page.goto(host.url)
  // The token has been traded for a cookie: it is no longer in the address bar.
  await expect(page).not.toHaveURL(/token=/)

  const cards = page.locator('.lab-card[data-lab-id]')
  await expect(cards).toHaveCount(LAB_COUNT)
  const builtIn = page.locator('.lab-card[data-lab-id="how-processes-die"]')
  await expect(builtIn).toContainText('How processes die')
  await expect(builtIn).toContainText('Book ch. 2')
  await expect(builtIn).toContainText('10 min · 3 steps')
  await expect(builtIn.getByTestId('lab-status')).toHaveText('Not started')

  const problems = page.locator('.problems')
  await expect(problems.getByRole('heading')).toHaveText('2 lab folders could not be loaded')
  await expect(problems).toContainText('unknown-key/lab.yaml:7')
  await expect(problems).toContainText('Did you mean "steps"?')
  await expect(problems).toContainText('broken-yaml/lab.yaml:4')

  await expect(page.getByTestId('vm-state')).toBeVisible()
  await page.screenshot({ path: join(ARTIFACTS, 'catalogue.png'), fullPage: true })
})

test('"/" focuses the filter, which narrows the cards; arrows move between cards', async ({ page, host }) => {
  await page.goto(host.url)
  await expect(page.locator('.lab-card[data-lab-id]')).toHaveCount(LAB_COUNT)
  await page.keyboard.press('/')
  const filter = page.getByRole('searchbox', { name: 'Filter labs' })
  await expect(filter).toBeFocused()
  await page.keyboard.type('classroom')
  await expect(page.locator('.lab-card[data-lab-id]')).toHaveCount(1)
  await page.keyboard.type('zzz')
  await expect(page.getByText('No lab matches')).toBeVisible()
  await page.getByRole('button', { name: 'Clear the filter' }).click()
  await expect(page.locator('.lab-card[data-lab-id]')).toHaveCount(LAB_COUNT)

  await page.locator('.lab-card[data-lab-id]').first().focus()
  await page.keyboard.press('ArrowRight')
  await expect(page.locator('.lab-card[data-lab-id]').nth(1)).toBeFocused()
})

test('a lab opens with its steps; keys step through it and resize the panes; progress persists', async ({ page, host }) => {
  await page.goto(host.url)
  await page.locator('.lab-card[data-lab-id="how-processes-die"]').click()
  await expect(page).toHaveURL(/#\/labs\/how-processes-die$/)
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('How processes die')
  await expect(page.locator('.step .eyebrow')).toHaveText('Step 1 of 3')

  await page.keyboard.press(']')
  await expect(page.locator('.step .eyebrow')).toHaveText('Step 2 of 3')
  await expect(page.locator('.step-link[aria-current="step"]')).toContainText('Terminate a sleeper')
  await page.getByRole('button', { name: 'Next step →' }).click()
  await expect(page.locator('.step .eyebrow')).toHaveText('Step 3 of 3')
  await expect(page.getByRole('button', { name: 'Next step →' })).toBeDisabled()

  // The divider is a keyboard-operable separator, and its position survives a reload.
  const divider = page.getByRole('separator', { name: 'Resize steps and workspace' })
  const before = Number(await divider.getAttribute('aria-valuenow'))
  await divider.focus()
  await page.keyboard.press('ArrowRight')
  await page.keyboard.press('ArrowRight')
  await expect(divider).toHaveAttribute('aria-valuenow', String(before + 4))
  const stepsWidth = await page.locator('.split-pane').first().evaluate((el) => el.getBoundingClientRect().width)
  await page.keyboard.press('End')
  await expect(divider).toHaveAttribute('aria-valuenow', '75')
  expect(await page.locator('.split-pane').first().evaluate((el) => el.getBoundingClientRect().width)).toBeGreaterThan(stepsWidth)
  await page.screenshot({ path: join(ARTIFACTS, 'lab-view.png') })

  await page.reload()
  await expect(page.getByRole('separator', { name: 'Resize steps and workspace' })).toHaveAttribute('aria-valuenow', '75')

  // Escape goes back; the lab is now "In progress", in the database, not just in the page.
  await page.keyboard.press('Escape')
  await expect(page.locator('.lab-card[data-lab-id="how-processes-die"]').getByTestId('lab-status')).toHaveText('In progress')
  await page.reload()
  await expect(page.locator('.lab-card[data-lab-id="how-processes-die"]').getByTestId('lab-status')).toHaveText('In progress')
})

test('the theme switches from the app bar and Ctrl+Shift+L, persists, and reaches other windows', async ({ page, host, context }) => {
  await page.goto(host.url)
  const html = page.locator('html')
  const toggle = page.getByTestId('theme-toggle')
  await expect(toggle).toHaveText('Theme: system')
  await toggle.click()
  await expect(toggle).toHaveText('Theme: light')
  await expect(html).toHaveAttribute('data-theme', 'light')

  const other = await context.newPage()
  await other.goto(new URL('/', host.url).toString())
  await expect(other.getByTestId('theme-toggle')).toHaveText('Theme: light')

  await page.keyboard.press('Control+Shift+L')
  await expect(html).toHaveAttribute('data-theme', 'dark')
  // The other window follows through the settings:changed event, without a reload.
  await expect(other.locator('html')).toHaveAttribute('data-theme', 'dark')
  await other.screenshot({ path: join(ARTIFACTS, 'catalogue-dark.png'), fullPage: true })

  await page.reload()
  await expect(html).toHaveAttribute('data-theme', 'dark')
})

test('"?" opens the keyboard shortcuts, Escape closes them', async ({ page, host }) => {
  await page.goto(host.url)
  await expect(page.locator('.lab-card[data-lab-id]').first()).toBeVisible()
  await page.keyboard.press('?')
  const dialog = page.getByRole('dialog')
  await expect(dialog).toContainText('Ctrl+Shift+L')
  await page.keyboard.press('Escape')
  await expect(dialog).toBeHidden()
})

test('a lost host connection is shown in the status bar, not as a broken page', async ({ page, host }) => {
  await page.goto(host.url)
  await expect(page.locator('.lab-card[data-lab-id]')).toHaveCount(LAB_COUNT)
  await host.stop()
  await expect(page.getByRole('status').filter({ hasText: /connection|reconnect/i })).toBeVisible()
})
