// The VM panel (#/vm) and the first-run flow, in Chromium through the real browser host.
//
// This machine has Vagrant but no user VM, so the real status is "not-created". No test here
// clicks Start (the user VM's box would come from the internet): the panel driving a real VM
// (progress, log, Destroy) is tested in test/vm/e2e, inside the VM job's network namespace.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { expect, REPO_ROOT, test } from './host'

const ARTIFACTS = join(REPO_ROOT, 'artifacts')
mkdirSync(ARTIFACTS, { recursive: true })

async function waitForVmStatus(page: Page): Promise<void> {
  // The first status comes from `vagrant status`, which takes a few seconds.
  await expect(page.getByTestId('vm-state')).not.toHaveAttribute('data-state', 'unknown', { timeout: 30_000 })
}

/** Opens the app (trading the URL's token for the session cookie), then the VM panel. */
async function openVmPanel(page: Page, url: string): Promise<void> {
  await page.goto(url)
  await page.goto(new URL('/#/vm', url).toString())
  await expect(page.getByRole('heading', { level: 1, name: 'Lab VM' })).toBeVisible()
}

async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  const toggle = page.getByTestId('theme-toggle')
  for (let current = await toggle.textContent(); current !== `Theme: ${theme}`; current = await toggle.textContent()) {
    await toggle.click()
    // One step at a time: the label changes only once the core has saved the setting.
    await expect(toggle).not.toHaveText(current!)
  }
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme)
}

test('first run: the catalogue invites to set up the VM, and the invitation leads to the VM panel', async ({ page, host }) => {
  await page.goto(host.url)
  await waitForVmStatus(page)
  expect(['not-created', 'error']).toContain(await page.getByTestId('vm-state').getAttribute('data-state'))

  const banner = page.getByTestId('setup-banner')
  await expect(banner.getByRole('heading', { name: 'Set up your lab VM' })).toBeVisible()
  await expect(banner).toContainText('about 1 GB')
  // At the top of the catalogue, above the lab cards.
  const bannerBox = (await banner.boundingBox())!
  const firstCard = (await page.locator('.lab-card[data-lab-id]').first().boundingBox())!
  expect(bannerBox.y).toBeLessThan(firstCard.y)
  await page.screenshot({ path: join(ARTIFACTS, 'catalogue-first-run.png') })
  await setTheme(page, 'dark')
  await page.screenshot({ path: join(ARTIFACTS, 'catalogue-first-run-dark.png') })

  await banner.getByRole('button', { name: /Set up the VM/ }).click()
  await expect(page).toHaveURL(/#\/vm$/)
  await expect(page.getByRole('heading', { level: 1, name: 'Lab VM' })).toBeVisible()
  // Start is the primary action; nothing to stop, reset or destroy yet.
  const actions = page.getByRole('group', { name: 'VM actions' })
  await expect(actions.getByRole('button', { name: 'Start', exact: true })).toBeEnabled()
  await expect(actions.getByRole('button', { name: 'Start', exact: true })).toHaveClass(/primary-action/)
  await expect(actions.getByRole('button', { name: 'Stop', exact: true })).toHaveCount(0)
})

test('Ctrl+Shift+V and the status bar open the VM panel; Esc goes back; the shortcut is listed', async ({ page, host }) => {
  await page.goto(host.url)
  await expect(page.locator('.lab-card[data-lab-id]').first()).toBeVisible()
  await page.keyboard.press('Control+Shift+V')
  await expect(page).toHaveURL(/#\/vm$/)
  await expect(page.getByRole('heading', { level: 1, name: 'Lab VM' })).toBeVisible()

  await page.keyboard.press('Escape')
  await expect(page.getByRole('heading', { level: 1, name: 'Labs' })).toBeVisible()

  await page.getByTestId('vm-state').click()
  await expect(page).toHaveURL(/#\/vm$/)
  await expect(page.getByRole('heading', { level: 1, name: 'Lab VM' })).toBeVisible()

  // Inside a text field the keys keep their usual meaning (paste as plain text).
  await page.keyboard.press('Escape')
  await expect(page.getByRole('heading', { level: 1, name: 'Labs' })).toBeVisible()
  await page.getByRole('searchbox', { name: 'Filter labs' }).focus()
  await page.keyboard.press('Control+Shift+V')
  await expect(page).not.toHaveURL(/#\/vm$/)

  await page.locator('body').click()
  await page.keyboard.press('?')
  await expect(page.getByRole('dialog')).toContainText('Ctrl+Shift+V')
  await expect(page.getByRole('dialog')).toContainText('Open the lab VM panel')
})

test('VM settings are validated, saved with settings:update, and survive a reload', async ({ page, host }) => {
  await openVmPanel(page, host.url)
  const settings = page.getByTestId('vm-settings')
  const cpus = settings.getByLabel('vCPUs')
  const memory = settings.getByLabel('Memory (MB)')
  const provider = settings.getByLabel('Provider')
  const save = settings.getByRole('button', { name: 'Save' })
  await expect(cpus).toHaveValue('2')
  await expect(memory).toHaveValue('4096')
  await expect(provider).toHaveValue('auto')
  await expect(settings).toContainText('apply the next time the VM starts')
  await expect(settings).toContainText('2 vCPUs and 4096 MB')
  await expect(save).toBeDisabled()

  await memory.fill('512')
  await expect(settings.getByText('from 1024 to 262144')).toBeVisible()
  await expect(memory).toHaveAttribute('aria-invalid', 'true')
  await expect(save).toBeDisabled()

  await cpus.fill('4')
  await memory.fill('6144')
  await provider.selectOption('libvirt')
  await save.click()
  await expect(settings.getByRole('status')).toHaveText('Saved')
  await expect(save).toBeDisabled()

  await page.reload()
  await expect(cpus).toHaveValue('4')
  await expect(memory).toHaveValue('6144')
  await expect(provider).toHaveValue('libvirt')

  await settings.getByRole('button', { name: 'Use defaults' }).click()
  await expect(cpus).toHaveValue('2')
  await save.click()
  await expect(settings.getByRole('status')).toHaveText('Saved')
  await page.reload()
  await expect(memory).toHaveValue('4096')
  await expect(provider).toHaveValue('auto')
})

test('pre-flight runs by itself on the first visit and lists the real checks', async ({ page, host }) => {
  await openVmPanel(page, host.url)
  const preflight = page.getByTestId('preflight')
  // Real checks call out to Vagrant and the providers: allow them time.
  const checks = preflight.locator('.check[data-status]')
  await expect(preflight.locator('.error-panel')).toHaveCount(0)
  await expect(checks.first()).toBeVisible({ timeout: 45_000 })
  expect(await checks.count()).toBeGreaterThan(2)
  for (const check of await checks.all()) {
    expect(['ok', 'warn', 'fail']).toContain(await check.getAttribute('data-status'))
    await expect(check.locator('.check-title')).not.toBeEmpty()
  }
  // Every warning and failure says how to fix it.
  for (const check of await preflight.locator('.check[data-status="warn"], .check[data-status="fail"]').all()) {
    await expect(check.locator('.check-fix')).not.toBeEmpty()
  }
  await expect(page.getByTestId('preflight-summary')).toContainText(/Ready to start|to fix before the VM can start/)

  const again = preflight.getByRole('button', { name: 'Run again' })
  await again.click()
  await expect(again).toBeEnabled({ timeout: 45_000 })
  await expect(checks.first()).toBeVisible()
})

test('screenshots of the VM panel as it is on this machine, light and dark', async ({ page, host }) => {
  await openVmPanel(page, host.url)
  await waitForVmStatus(page)
  await setTheme(page, 'light')
  // Let the automatic pre-flight finish, whatever it reports.
  await expect(page.getByTestId('preflight').getByRole('button', { name: /Run again|Run checks/ })).toBeEnabled({ timeout: 45_000 })
  await page.screenshot({ path: join(ARTIFACTS, 'vm-panel-light.png') })
  await setTheme(page, 'dark')
  await page.screenshot({ path: join(ARTIFACTS, 'vm-panel-dark.png') })
  // A small window: one column, the whole panel scrolls.
  await page.setViewportSize({ width: 860, height: 620 })
  await page.locator('.vm-panel').evaluate((el) => el.scrollTo({ top: 380 }))
  await page.screenshot({ path: join(ARTIFACTS, 'vm-panel-narrow-dark.png') })
})
