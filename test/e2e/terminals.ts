// Driving a lab terminal in Chromium: open the lab, open a host shell, read the xterm's buffer,
// and watch the gaps between animation frames. Shared by terminal.spec.ts and the benchmark
// (bench/browser.ts), which runs these outside Playwright's test runner.
import type { Locator, Page } from '@playwright/test'
import { expect } from '@playwright/test'

export const LAB = '#/labs/how-processes-die'
/** The flood: 50 MB of 200-column lines (plus their newlines). */
export const FLOOD_MB = 50
export const FLOOD_PIPE = "head -c 50000000 /dev/zero | tr '\\0' 'x' | fold -w 200"
/** Bash on this machine takes a few seconds to print its first prompt (its rc files). */
export const PROMPT_TIMEOUT = 30_000

type TerminalElement = HTMLElement & { readBuffer(lastRows?: number): string }

/** The terminal's text: all of it, or its last `lastRows` rows. */
export function bufferText(terminal: Locator, lastRows?: number): Promise<string> {
  return terminal.evaluate((element, rows) => (element as TerminalElement).readBuffer(rows), lastRows)
}

export async function expectInTerminal(terminal: Locator, pattern: RegExp, timeout = 15_000, lastRows?: number): Promise<void> {
  await expect.poll(() => bufferText(terminal, lastRows), { timeout, message: `terminal shows ${pattern}` }).toMatch(pattern)
}

/** Waits for the shell's prompt at the end of the buffer (bash's "# " or "$ "). */
export async function waitForPrompt(terminal: Locator): Promise<void> {
  await expectInTerminal(terminal, /[#$]$/, PROMPT_TIMEOUT)
}

export async function openLab(page: Page, url: string): Promise<void> {
  await page.goto(new URL(LAB, url).toString())
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('How processes die')
}

export async function openHostShellFromEmptyState(page: Page): Promise<Locator> {
  const empty = page.getByTestId('terminal-empty')
  await expect(empty).toBeVisible()
  await empty.getByRole('button', { name: 'Open host shell' }).click()
  const terminal = page.locator('[data-testid="terminal"]:visible')
  await expect(terminal).toHaveCount(1)
  await expect(terminal).toHaveAttribute('data-attached', 'true')
  await expect(terminal.locator('textarea')).toBeFocused()
  await waitForPrompt(terminal)
  return terminal
}

export interface FrameGaps {
  /** The longest time between two animation frames, ms. */
  maxGap: number
  frames: number
}

// Page scripts are strings: tsx (the bench) compiles named functions with a `__name` helper
// that does not exist in the page.
/** Starts recording the gaps between animation frames in the page. */
export async function startFrameGapProbe(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    const state = { maxGap: 0, frames: 0, running: true }
    window.rafProbe = state
    let last = performance.now()
    const loop = (now) => {
      state.maxGap = Math.max(state.maxGap, now - last)
      state.frames++
      last = now
      if (state.running) requestAnimationFrame(loop)
    }
    requestAnimationFrame(loop)
  })()`)
}

/** Stops the probe and returns what it saw. */
export async function stopFrameGapProbe(page: Page): Promise<FrameGaps> {
  return (await page.evaluate(`(() => {
    const state = window.rafProbe
    state.running = false
    return { maxGap: state.maxGap, frames: state.frames }
  })()`)) as FrameGaps
}
