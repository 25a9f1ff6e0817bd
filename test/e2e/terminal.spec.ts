// Lab terminals in Chromium through the browser host. Without a VM these are host shells: the
// core's /bin/bash in a real PTY. The xterm may draw with WebGL (a canvas), so the text is read
// from its buffer through the element's readBuffer() hook rather than from the DOM.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Locator } from '@playwright/test'
import { expect, REPO_ROOT, test } from './host'
import { bufferText, expectInTerminal, FLOOD_PIPE, openHostShellFromEmptyState, openLab, PROMPT_TIMEOUT, startFrameGapProbe, stopFrameGapProbe, waitForPrompt } from './terminals'

const ARTIFACTS = join(REPO_ROOT, 'artifacts')
mkdirSync(ARTIFACTS, { recursive: true })

async function size(terminal: Locator): Promise<{ cols: number; rows: number }> {
  return { cols: Number(await terminal.getAttribute('data-cols')), rows: Number(await terminal.getAttribute('data-rows')) }
}

test('a host shell opens from the empty state, runs what is typed and follows its size; two side by side', async ({ page, host }) => {
  await openLab(page, host.url)
  const empty = page.getByTestId('terminal-empty')
  await expect(empty).toContainText('No terminal open')
  // No VM here: the VM shell cannot be opened, and says why.
  await expect(empty.getByRole('button', { name: 'Open VM shell' })).toBeDisabled()
  await expect(empty).toContainText('Start the lab VM first')
  await page.screenshot({ path: join(ARTIFACTS, 'terminal-empty.png') })

  const terminal = await openHostShellFromEmptyState(page)
  await expect(page.getByTestId('terminal-tab')).toHaveText(/Host shell/)

  // F6 leaves the terminal for its tab (Tab itself belongs to the shell); Enter goes back.
  await page.keyboard.press('F6')
  await expect(page.getByTestId('terminal-tab')).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(terminal.locator('textarea')).toBeFocused()

  await page.keyboard.type('echo chaos-$((6*7))')
  await page.keyboard.press('Enter')
  await expectInTerminal(terminal, /^chaos-42$/m)

  // The PTY has the xterm's size, and follows it when the window changes.
  const first = await size(terminal)
  expect(first.cols).toBeGreaterThan(40)
  await page.keyboard.type('stty size\n')
  await expectInTerminal(terminal, new RegExp(`^${first.rows} ${first.cols}$`, 'm'))

  await page.setViewportSize({ width: 1100, height: 640 })
  await expect.poll(async () => (await size(terminal)).cols).toBeLessThan(first.cols)
  const smaller = await size(terminal)
  expect(smaller.rows).toBeLessThan(first.rows)
  await page.keyboard.type('clear; stty size\n')
  await expectInTerminal(terminal, new RegExp(`^${smaller.rows} ${smaller.cols}$`, 'm'))
  await page.setViewportSize({ width: 1280, height: 800 })

  // The "+" menu: VM shell disabled (with the reason), Host shell; Escape closes it.
  await page.getByTestId('new-terminal').click()
  const newMenu = page.getByTestId('new-terminal-menu')
  await expect(newMenu.getByRole('menuitem', { name: /VM shell/ })).toHaveAttribute('aria-disabled', 'true')
  await expect(newMenu.getByRole('menuitem', { name: /Host shell/ })).toBeFocused()
  await page.screenshot({ path: join(ARTIFACTS, 'terminal-new-menu.png') })
  await page.keyboard.press('Escape')
  await expect(newMenu).toBeHidden()
  await expect(page.getByTestId('new-terminal')).toBeFocused()

  // Split: a second terminal opens beside the first and takes the focus.
  await page.getByTestId('split-toggle').click()
  await expect(page.getByTestId('split-toggle')).toHaveAttribute('aria-pressed', 'true')
  const panes = page.locator('[data-testid="terminal"]:visible')
  await expect(panes).toHaveCount(2)
  const right = panes.nth(1)
  await expect(right).toHaveAttribute('data-attached', 'true')
  await expect(right.locator('textarea')).toBeFocused()
  await waitForPrompt(right)
  await expect(page.getByTestId('terminal-tab')).toHaveText([/Host shell/, /Host shell 2/])

  // Rename by double-click (the left one) and by F2 (the right one): "load" and "action".
  await page.getByTestId('terminal-tab').first().dblclick()
  await page.getByRole('textbox', { name: 'Terminal name' }).fill('load')
  await page.keyboard.press('Enter')
  // The first rename must be done (its field closed, focus back on its tab) before F2 on the
  // second: otherwise focus can land back on the first tab and F2 renames that one (seen in CI).
  await expect(page.getByTestId('terminal-tab')).toHaveText([/load/, /Host shell 2/])
  await expect(page.getByRole('textbox', { name: 'Terminal name' })).toHaveCount(0)
  await page.getByTestId('terminal-tab').nth(1).focus()
  await expect(page.getByTestId('terminal-tab').nth(1)).toBeFocused()
  await page.keyboard.press('F2')
  await page.getByRole('textbox', { name: 'Terminal name' }).fill('action')
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('terminal-tab')).toHaveText([/load/, /action/])

  // The divider between them resizes both; each PTY follows its own xterm.
  const left = panes.first()
  const leftBefore = await size(left)
  const divider = page.getByRole('separator', { name: 'Resize the two terminals' })
  await divider.focus()
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight')
  await expect.poll(async () => (await size(left)).cols).toBeGreaterThan(leftBefore.cols)
  const leftAfter = await size(left)
  const rightAfter = await size(right)
  await left.click()
  await page.keyboard.type('stty size\n')
  await expectInTerminal(left, new RegExp(`^${leftAfter.rows} ${leftAfter.cols}$`, 'm'))
  await right.click()
  await page.keyboard.type('stty size; printf "\\e[1;31mred\\e[0m \\e[32mgreen\\e[0m \\e[34mblue\\e[0m https://example.org/\\n"\n')
  await expectInTerminal(right, new RegExp(`^${rightAfter.rows} ${rightAfter.cols}$`, 'm'))

  // Screenshots in both themes (the toggle goes system → light → dark).
  const toggle = page.getByTestId('theme-toggle')
  await toggle.click()
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light')
  await page.screenshot({ path: join(ARTIFACTS, 'terminals-split-light.png') })
  await toggle.click()
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark')
  await page.waitForTimeout(200)
  await page.screenshot({ path: join(ARTIFACTS, 'terminals-split-dark.png') })

  // The process ends: the tab greys out and the terminal says how it ended.
  await right.click()
  await page.keyboard.type('exit 3\n')
  await expectInTerminal(right, /\[process exited with code 3\]/)
  await expect(page.getByTestId('terminal-tab').nth(1)).toHaveClass(/exited/)
  await expect(page.getByTestId('terminal-tab').nth(1)).toContainText('exited 3')

  // Closing it (Delete on its tab) leaves one terminal and no split.
  await page.getByTestId('terminal-tab').nth(1).focus()
  await page.keyboard.press('Delete')
  await expect(page.getByTestId('terminal-tab')).toHaveCount(1)
  await expect(page.locator('[data-testid="terminal"]:visible')).toHaveCount(1)
  await expect(page.getByTestId('split-toggle')).toHaveAttribute('aria-pressed', 'false')
})

test('Run on a command block types it into the active terminal, opening one first if needed', async ({ page, host }) => {
  await openLab(page, host.url)
  await expect(page.getByTestId('terminal-empty')).toBeVisible()
  const blocks = page.locator('.step .code-block')
  // Step 1: "true; echo $?" / "false; echo $?" — with no terminal yet, Run opens a host shell.
  await blocks.first().getByRole('button', { name: 'Run in terminal' }).click()
  const terminal = page.locator('[data-testid="terminal"]:visible')
  await expect(terminal).toHaveAttribute('data-attached', 'true')
  await expectInTerminal(terminal, /true; echo \$\?\n0\n(.*\n)*.*false; echo \$\?\n1$/m, PROMPT_TIMEOUT)
  await expect(terminal.locator('textarea')).toBeFocused()
  await waitForPrompt(terminal)

  // With a terminal open, Run goes to it: "kill -l" lists the signals there.
  await blocks.nth(1).getByRole('button', { name: 'Run in terminal' }).click()
  await expectInTerminal(terminal, /SIGKILL/)
  await expect(page.getByTestId('terminal-tab')).toHaveCount(1)
  await expect(terminal.locator('textarea')).toBeFocused()
})

test('a reload restores the terminals and their screens, and typing still works', async ({ page, host }) => {
  await openLab(page, host.url)
  const terminal = await openHostShellFromEmptyState(page)
  await page.keyboard.type('echo before-$((1+1))\n')
  await expectInTerminal(terminal, /^before-2$/m)
  await waitForPrompt(terminal)

  await page.reload()
  const restored = page.locator('[data-testid="terminal"]:visible')
  await expect(restored).toHaveAttribute('data-attached', 'true')
  await expect(page.getByTestId('terminal-empty')).toBeHidden()
  await expectInTerminal(restored, /^before-2$/m)
  await restored.click()
  await page.keyboard.type('echo after-$((2+2))\n')
  await expectInTerminal(restored, /^after-4$/m)
  // Both, once each: nothing was drawn twice across the reload.
  expect((await bufferText(restored)).match(/^before-2$/gm)).toHaveLength(1)
})

test('find, the context menu, copy and paste, and the font size keys', async ({ page, host, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(host.url).origin })
  await openLab(page, host.url)
  const terminal = await openHostShellFromEmptyState(page)
  await page.keyboard.type('for i in 1 2 3; do echo needle-$i; done\n')
  await expectInTerminal(terminal, /^needle-3$/m)

  await page.keyboard.press('Control+Shift+F')
  const find = page.getByRole('search', { name: 'Find in terminal' })
  await expect(find).toBeVisible()
  await page.keyboard.type('needle-')
  await expect(find).toContainText(/of [34]/)
  await page.screenshot({ path: join(ARTIFACTS, 'terminal-find.png') })
  await page.keyboard.press('Escape')
  await expect(find).toBeHidden()
  await expect(terminal.locator('textarea')).toBeFocused()

  // Right-click: Select all, Copy; the clipboard has the terminal's text. (A click first: the
  // find left its match selected.)
  await terminal.click()
  await terminal.click({ button: 'right' })
  const menu = page.getByTestId('terminal-menu')
  await expect(menu.getByRole('menuitem', { name: /Copy/ })).toHaveAttribute('aria-disabled', 'true')
  await menu.getByRole('menuitem', { name: /Select all/ }).click()
  await terminal.click({ button: 'right' })
  await page.screenshot({ path: join(ARTIFACTS, 'terminal-context-menu.png') })
  await menu.getByRole('menuitem', { name: /Copy/ }).click()
  expect(await page.evaluate(() => navigator.clipboard.readText())).toContain('needle-2')

  // Ctrl+Shift+V pastes (into the shell, as input).
  await page.evaluate(() => navigator.clipboard.writeText('echo pasted-$((3*3))'))
  await terminal.locator('textarea').focus()
  await page.keyboard.press('Control+Shift+V')
  await expectInTerminal(terminal, /# echo pasted-\$\(\(3\*3\)\)$/)
  await page.keyboard.press('Enter')
  await expectInTerminal(terminal, /^pasted-9$/m)

  // Ctrl+= makes the font bigger (fewer columns fit), Ctrl+0 resets it; it is remembered.
  const before = await size(terminal)
  await page.keyboard.press('Control+=')
  await page.keyboard.press('Control+=')
  await expect.poll(async () => (await size(terminal)).cols).toBeLessThan(before.cols)
  expect(await page.evaluate(() => localStorage.getItem('chaos-lab:terminal:font-size'))).toBe('15')
  await page.keyboard.press('Control+0')
  await expect.poll(async () => (await size(terminal)).cols).toBe(before.cols)

  // WebGL (forced on: this machine's is software, which the app otherwise skips for the DOM
  // renderer) falls back to the DOM renderer when its context is lost, and keeps working.
  await page.evaluate(() => localStorage.setItem('chaos-lab:terminal:gpu', 'on'))
  await page.reload()
  const restored = page.locator('[data-testid="terminal"]:visible')
  await expect(restored).toHaveAttribute('data-renderer', 'webgl')
  await restored.evaluate((element) => {
    for (const canvas of element.querySelectorAll('canvas')) canvas.getContext('webgl2')?.getExtension('WEBGL_lose_context')?.loseContext()
  })
  await expect(restored).toHaveAttribute('data-renderer', 'dom', { timeout: 15_000 })
  await restored.click()
  await page.keyboard.type('echo after-loss-$((5*5))\n')
  await expectInTerminal(restored, /^after-loss-25$/m)
})

test('a flood of output streams through without freezing the page', async ({ page, host }, testInfo) => {
  test.setTimeout(240_000)
  await openLab(page, host.url)
  const terminal = await openHostShellFromEmptyState(page)

  // The longest time between two animation frames while the flood runs.
  await startFrameGapProbe(page)
  const started = Date.now()
  await page.keyboard.type(`${FLOOD_PIPE}; echo; echo flood-done\n`)
  // (Only the last rows: reading the whole scrollback every poll would load the page itself.)
  await expectInTerminal(terminal, /^flood-done$/m, 180_000, 20)
  const seconds = (Date.now() - started) / 1000
  const probe = await stopFrameGapProbe(page)
  const figures = `50 MB in ${seconds.toFixed(1)} s (${(50 / seconds).toFixed(1)} MB/s); longest gap between frames ${probe.maxGap.toFixed(0)} ms over ${probe.frames} frames; renderer ${await terminal.getAttribute('data-renderer')}`
  console.log(`flood: ${figures}`)
  testInfo.annotations.push({ type: 'flood', description: figures })
  expect(probe.maxGap).toBeLessThan(500)

  // Still a working shell afterwards.
  await page.keyboard.type('echo still-$((40+2))\n')
  await expectInTerminal(terminal, /^still-42$/m)
})
