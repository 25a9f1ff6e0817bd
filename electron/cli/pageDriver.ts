// Content CI's stand-in for the learner's Browser pane: for a lab with `browser:`, opens the lab's
// page through the core's BrowserService (the proxy, its reporter and the page state it writes
// into the VM, exactly as `browser:open` does for the pane) and loads it in headless Chromium
// (Debian's /usr/bin/chromium, driven by playwright-core) until the lab test closes it. Used by
// `chaos-lab lab test` and by the VM suite (test/vm/lab-engine.test.ts); the app never needs it,
// since there the learner's pane is the browser.
import { existsSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import type { BrowserService } from '../core/browser/service'
import { AppError } from '../core/errors'
import type { LabPage } from '../core/labs/contentTest'
import type { LoadedLab } from '../core/labs/loader'

/** The Chromium the end-to-end tests use too (playwright.config.ts). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
/**
 * Without the background-networking flags Chromium keeps dialling Google's hosts, which closed
 * networks refuse. Shared with playwright.config.ts.
 */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

const INSTALL_FIX = 'Install Chromium (Debian/Ubuntu: `sudo apt-get install chromium`), or set CHROMIUM_PATH to a Chromium or Chrome binary, then run the lab test again.'

export interface PageDriverOptions {
  executablePath?: string
  /** Progress lines, e.g. what the page threw (a learner would see it in the pane's list). */
  log?: (line: string) => void
}

/** testLab's `openPage`, backed by the core's Browser sessions and a headless Chromium. */
export function chromiumPageDriver(browser: BrowserService, options: PageDriverOptions = {}): (lab: LoadedLab) => Promise<LabPage> {
  const executablePath = options.executablePath ?? CHROMIUM_PATH
  return async (lab) => {
    const id = lab.manifest.id
    const declared = lab.manifest.browser
    if (!declared) throw new AppError({ code: 'bad-request', message: `${id} has no web UI to load (no browser: in lab.yaml).`, fix: 'Only labs with a `browser:` entry have a page.' })
    const chromium = await chromiumLauncher(id, executablePath)
    // What the core's `browser:open` does for the pane.
    const opened = await browser.open(id, { port: declared.port, path: declared.path, inject: declared.inject ?? null })
    let instance: Browser | null = null
    let page: Page
    try {
      instance = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true }).catch((err: unknown) => {
        throw new AppError({ code: 'internal', message: `Chromium at ${executablePath} did not start.`, fix: INSTALL_FIX, details: String(err).split('\n').slice(0, 8) })
      })
      page = await instance.newPage()
      page.on('pageerror', (err) => options.log?.(`${id}: the page threw ${err.name}: ${err.message}`))
      await page.goto(opened.url, { waitUntil: 'load', timeout: 60_000 })
      options.log?.(`${id}: page loaded in Chromium from ${opened.target}`)
    } catch (err) {
      await instance?.close().catch(() => undefined)
      await browser.close(id)
      throw err
    }
    const running = instance
    return {
      // What the app does after Skip, done by Chromium itself: asking through the proxy's
      // control channel raced with the reload a fault had just started (the dying page still
      // counted as listening, took the message and the new page never got it: seen in CI).
      reload: () => void page.reload({ timeout: 60_000 }).catch(() => undefined),
      close: async () => {
        try {
          await running.close()
        } finally {
          await browser.close(id)
        }
      },
    }
  }
}

async function chromiumLauncher(labId: string, executablePath: string): Promise<typeof import('playwright-core').chromium> {
  if (!existsSync(executablePath)) {
    throw new AppError({ code: 'internal', message: `Content CI loads ${labId}'s web UI in a browser, like the app's Browser pane, and there is no Chromium at ${executablePath}.`, fix: INSTALL_FIX })
  }
  try {
    return (await import('playwright-core')).chromium
  } catch (err) {
    throw new AppError({ code: 'internal', message: 'playwright-core, which drives Chromium for content CI, is not installed.', fix: 'Run `npm install` in the Chaos Lab checkout (it comes with the @playwright/test dev dependency).', details: [String(err)] })
  }
}
