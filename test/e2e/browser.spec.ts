// The Browser pane in Chromium, end to end, without a VM: the lab's own web UI (dbweb, the real
// Python program from labs/monkey-in-the-browser) runs on this machine, and the host is started
// with the core's test-only browserTestTarget (CHAOS_LAB_TEST_BROWSER_*): the pane proxies to
// that server instead of a port forwarded from the VM, injects the *.js of a local folder instead
// of the VM's /run/chaos-lab/monkey-in-the-browser, and writes the page state to a local folder
// instead of the VM's /run/chaos-lab/browser. Everything else is the real path: the proxy, the
// injected reporter and the lab's solution scripts in a real page, and the lab's own check
// scripts (run here with sh and jq) reading the state the core wrote.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { createInterface } from 'node:readline'
import type { FrameLocator, Page } from '@playwright/test'
import { expect, REPO_ROOT, startHost, test as base, type Host } from './host'

const LAB = 'monkey-in-the-browser'
const LAB_FILES = join(REPO_ROOT, 'labs', LAB, 'files')
const SCREENSHOTS = join(REPO_ROOT, 'artifacts', 'screenshots')
mkdirSync(SCREENSHOTS, { recursive: true })

interface World {
  host: Host
  /** A copy of the lab's folder as setup leaves it in the VM (dbweb, static/, solutions/, page-lib.sh). */
  labDir: string
  /** Stands in for /run/chaos-lab/monkey-in-the-browser: what the faults link scripts into. */
  injectDir: string
  stateFile: string
}

/** Starts dbweb (the lab's program) on a free port; resolves with its URL. */
async function startDbweb(labDir: string): Promise<{ url: string; process: ChildProcess }> {
  const db = join(labDir, 'booktown.db')
  const init = spawnSync('python3', [join(labDir, 'dbweb.py'), '--init', join(labDir, 'booktown.sql'), '--db', db], { encoding: 'utf8' })
  if (init.status !== 0) throw new Error(`dbweb --init failed: ${init.stderr}`)
  const child = spawn('python3', [join(labDir, 'dbweb.py'), '--db', db, '--static', join(labDir, 'static'), '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('dbweb printed no address within 10 s')), 10_000)
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const match = /serving .* on (http:\/\/\S+?)\/?$/.exec(line)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    })
    child.once('exit', (code) => reject(new Error(`dbweb exited with ${code}`)))
  })
  return { url, process: child }
}

const test = base.extend<{ world: World }>({
  world: async ({}, use) => {
    const root = mkdtempSync(join(tmpdir(), 'chaos-lab-e2e-browser-'))
    const labDir = join(root, 'lab')
    cpSync(LAB_FILES, labDir, { recursive: true })
    const injectDir = join(root, 'inject')
    const stateDir = join(root, 'state')
    mkdirSync(injectDir)
    const dbweb = await startDbweb(labDir)
    const host = await startHost({
      env: { CHAOS_LAB_TEST_BROWSER_TARGET: dbweb.url, CHAOS_LAB_TEST_BROWSER_SCRIPTS: injectDir, CHAOS_LAB_TEST_BROWSER_STATE: stateDir },
    })
    try {
      await use({ host, labDir, injectDir, stateFile: join(stateDir, `${LAB}.json`) })
    } finally {
      await host.stop()
      dbweb.process.kill('SIGTERM')
      rmSync(host.dataDir, { recursive: true, force: true })
      rmSync(root, { recursive: true, force: true })
    }
  },
})

/** Runs one of the lab's check scripts against the page state the core wrote. */
function check(world: World, name: string): { passed: boolean; message: string } {
  const result = spawnSync('sh', [join(REPO_ROOT, 'labs', LAB, 'checks', `${name}.sh`)], {
    encoding: 'utf8',
    env: { ...process.env, CHAOS_LAB_LAB_DIR: world.labDir, CHAOS_LAB_PAGE_STATE: world.stateFile },
  })
  const lines = (result.stdout + result.stderr).trim().split('\n')
  return { passed: result.status === 0, message: lines.at(-1) ?? '' }
}

/** Polls a check until it passes (the core writes the state a moment after the page reports). */
async function expectCheckPasses(world: World, name: string, contains: RegExp): Promise<string> {
  let last = { passed: false, message: '' }
  await expect
    .poll(() => (last = check(world, name)).passed, { timeout: 30_000, message: `check ${name}` })
    .toBe(true)
    .catch(() => {
      throw new Error(`check ${name} did not pass; its last message: ${last.message}`)
    })
  expect(last.message).toMatch(contains)
  return last.message
}

/** Like the lab's fault: links the learner's script into the folder the pane injects from. */
function linkScript(world: World, from: string, as: string): void {
  symlinkSync(join(world.labDir, 'solutions', from), join(world.injectDir, as))
}

async function openLab(page: Page, host: Host): Promise<FrameLocator> {
  await page.goto(new URL(`#/labs/${LAB}`, host.url).toString())
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Monkey in the browser')
  const frame = page.frameLocator('[data-testid="browser-frame"]')
  await expect(frame.getByRole('button', { name: /^authors/ })).toBeVisible()
  return frame
}

async function pickTables(frame: FrameLocator, names: string[]): Promise<void> {
  for (const name of names) {
    await frame.getByRole('button', { name: new RegExp(`^${name}`) }).click()
    await expect(frame.locator('#title')).toHaveText(name)
  }
}

test.use({ viewport: { width: 1440, height: 960 } })

test('the page loads through the proxy, an injected wrapper delays and fails its requests, and the lab\'s checks see it', async ({ page, world }) => {
  test.setTimeout(180_000)
  const frame = await openLab(page, world.host)

  // Steady state: the table list and status via fetch, the first table via three XHRs, no failure.
  await expect(frame.locator('#rows table')).toBeVisible()
  await expect(page.getByTestId('browser-address')).toContainText('(test server) /')
  await expect(page.getByTestId('browser-failed')).toHaveText('0 failed')
  await expect(page.getByTestId('browser-events').locator('li[data-kind="request"]')).toHaveCount(5, { timeout: 10_000 })
  await expectCheckPasses(world, 'explore', /^dbweb loaded through Chaos Lab's proxy: \d+ requests \(3 XMLHttpRequest, 2 fetch\), none failed/)

  // Before a script is injected, the slow-requests check says so.
  expect(check(world, 'slow').message).toMatch(/^Nothing is injected into the page yet/)

  // A second for every request: the lab's solution, linked in as its fault does, then Reload.
  linkScript(world, 'slow.js', '10-slow.js')
  await page.getByTestId('browser-reload').click()
  await expect(page.getByTestId('browser-injected')).toHaveText('injected: 10-slow.js')
  await expect(frame.getByRole('button', { name: /^books/ })).toBeVisible({ timeout: 10_000 })
  await pickTables(frame, ['books'])
  await expect(frame.locator('#rows')).toHaveAttribute('data-table', 'books', { timeout: 10_000 })
  const slow = await expectCheckPasses(world, 'slow', /^Every request now waits: .* about 1 s more, not 3 s: the requests run in parallel\.$/)
  const shortest = Number(/at least (\d+) ms each/.exec(slow)![1])
  expect(shortest).toBeGreaterThanOrEqual(1000)
  // Not 3 s: nothing waited for anything else (slack for a loaded machine).
  expect(shortest).toBeLessThan(2900)
  // The pane lists the slow requests with their durations.
  const firstRow = page.getByTestId('browser-events').locator('li[data-kind="request"]').first()
  await expect(firstRow.locator('.ms')).toHaveText(/^[12]\d{3} ms$/)

  // Fail every third request: the flaw shows, and the core counts the failures.
  rmSync(join(world.injectDir, '10-slow.js'))
  linkScript(world, 'fail.js', '20-fail.js')
  await page.getByTestId('browser-reload').click()
  await expect(page.getByTestId('browser-injected')).toHaveText('injected: 20-fail.js')
  // Request 3 (the first table's info) fails on load already; clicking on makes more fail.
  await expect(frame.getByRole('button', { name: /^customers/ })).toBeVisible()
  await pickTables(frame, ['customers', 'publishers', 'stock'])
  await expect(page.getByTestId('browser-failed')).not.toHaveText('0 failed')
  await expect(page.getByTestId('browser-events').locator('li[data-kind="error"]').first()).toContainText('SyntaxError')
  // dbweb said nothing about it: its error banner stayed hidden.
  await expect(frame.locator('#error')).toBeHidden()
  await expectCheckPasses(world, 'flaw', /^Weakness found: \d+ of \d+ XHRs failed, the page threw \d+ uncaught error\(s\) \(SyntaxError: .*JSON.*\)/)

  // The charts (when shown) share the column; the screenshot is about the pane.
  const charts = page.getByTestId('charts-toggle')
  if ((await charts.count()) > 0 && (await charts.getAttribute('aria-expanded')) === 'true') await charts.dispatchEvent('click')
  await page.screenshot({ path: join(SCREENSHOTS, 'browser-pane.png') })

  // The fix: the lab's solve edits dbweb's app.js; with requests still failing, the user is told.
  const fix = spawnSync('sh', [join(REPO_ROOT, 'labs', LAB, 'scripts', 'fix-handler.sh')], { encoding: 'utf8', env: { ...process.env, CHAOS_LAB_LAB_DIR: world.labDir } })
  expect(fix.status, fix.stderr).toBe(0)
  await page.getByTestId('browser-reload').click()
  await expect(frame.getByRole('button', { name: /^stock/ })).toBeVisible()
  await pickTables(frame, ['authors', 'books', 'customers'])
  await expect(frame.locator('#error')).toBeVisible()
  await expect(frame.locator('#error')).toContainText('the request failed before the server answered')
  await expectCheckPasses(world, 'fixed', /^Fixed: \d+ XHRs failed and dbweb told the user/)
})

test('the pane shows a clear error when the lab\'s web UI is down', async ({ page }) => {
  // No web UI behind the proxy: a host pointed at a port nobody listens on.
  const closedPort = await new Promise<number>((resolve) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resolve(port))
    })
  })
  const root = mkdtempSync(join(tmpdir(), 'chaos-lab-e2e-browser-down-'))
  const stateFile = join(root, 'state', `${LAB}.json`)
  const host = await startHost({ env: { CHAOS_LAB_TEST_BROWSER_TARGET: `http://127.0.0.1:${closedPort}`, CHAOS_LAB_TEST_BROWSER_SCRIPTS: join(root, 'inject'), CHAOS_LAB_TEST_BROWSER_STATE: join(root, 'state') } })
  try {
    await page.goto(new URL(`#/labs/${LAB}`, host.url).toString())
    const frame = page.frameLocator('[data-testid="browser-frame"]')
    await expect(frame.getByRole('heading', { name: 'Chaos Lab could not load this page' })).toBeVisible({ timeout: 30_000 })
    await expect(frame.locator('body')).toContainText('connection refused')
    await expect(page.getByTestId('browser-summary')).toContainText('Nothing answers at')
    // The lab's check reads what the core wrote: the proxy's error, not silence.
    await expect.poll(() => check({ host, labDir: LAB_FILES, injectDir: '', stateFile }, 'explore').message, { timeout: 15_000 }).toMatch(/^The Browser pane could not load dbweb: Nothing answers at/)
  } finally {
    await host.stop()
    rmSync(host.dataDir, { recursive: true, force: true })
    rmSync(root, { recursive: true, force: true })
  }
})
