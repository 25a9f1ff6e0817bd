/// <reference lib="dom" />
// A learner's walk through both pilot labs, "Killer whiles" and "Slow database link", in the real
// VM, in Chromium through the browser host: for every step, read it, type its commands into a VM
// shell (or press Run on its command block), answer its prediction, inject and revert its faults
// with its own buttons, and make its check pass; never Skip, never a solve script. Ends with every
// step green. Screenshots of the lab view mid-experiment (terminals and the live charts with their
// fault marks) go to artifacts/walkthrough-<lab>-*.png. One VM boot for the file, destroyed at the
// end (also when a step fails: the next spec file creates its own VM with the same libvirt name).
//
// The VM runs under QEMU software emulation in CI: every wait is on something visible (terminal
// text, a check panel's attributes, a chart's newest value) with a generous timeout, and the only
// load is the steps' own ab runs. Runs inside the CI network namespace (npm run test:vm).
import { join } from 'node:path'
import type { Locator, Page } from '@playwright/test'
import { expect, REPO_ROOT, test as base, withHost, type Host } from '../../e2e/host'

const ARTIFACTS = join(REPO_ROOT, 'artifacts')

/** The usual host with the app's own labs (labs/), nothing else. */
const test = base.extend<{ host: Host }>({
  host: ({}, use) => withHost({}, use),
})

// Timeouts (ms), sized for a TCG guest: the content CI needs 60-160 s per lab for solve + check.
const BOOT = 15 * 60_000 // vagrant up, provisioning, snapshot
const SETUP = 8 * 60_000 // a lab's setup script (MariaDB, PHP, nginx, Python units)
const COMMAND = 2 * 60_000 // one ordinary command in the VM shell
const LOAD = 4 * 60_000 // one of the steps' ab runs
const CHECK = 4 * 60_000 // a click check's answer (its own timeout is 60 s)
const STEP = 6 * 60_000 // a continuous check turning green
const FAULT = 2 * 60_000 // Inject / Revert through the ledger
// Each wait above fails the test with a message long before this; then the VM is destroyed.
test.setTimeout(150 * 60_000)
// A trace with a screencast and DOM snapshots costs Chromium a core's worth of CPU the emulated
// VM then lacks (its kill loop slowed down below systemd's start limit). Actions only; on a
// failure the guest's journal is printed (diagnose) and the screenshots below are kept.
test.use({ trace: { mode: 'retain-on-failure', screenshots: false, snapshots: false } })

// ---- Terminals ------------------------------------------------------------------------------

type TerminalElement = HTMLElement & { readBuffer(lastRows?: number): string }

/** The terminal's text (from its buffer: the xterm may draw on a canvas). The alternate screen while a full-screen program (watch) runs. */
function bufferText(terminal: Locator): Promise<string> {
  return terminal.evaluate((element) => (element as TerminalElement).readBuffer())
}

/** The bottom line of less (systemd's pager, LESS=FRSXMK) while it waits for a key. */
const PAGER_LINE = /(?:^|\s)lines \d+-\d+(?:\/\d+)?(?:\s|$)|\(END\)\s*$|^:\s*$/

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** What the step on screen shows in its command blocks. */
async function stepCommands(page: Page): Promise<string> {
  return (await page.locator('article.step .code-block code').allInnerTexts()).join('\n')
}

/** A command the learner types must be one the step shows (so the walk follows the text). */
async function expectInStep(page: Page, command: string): Promise<void> {
  expect(await stepCommands(page), `the step on screen shows the command: ${command}`).toContain(command)
}

/**
 * A VM shell in the lab's workspace, driven by the keyboard like a learner does. Commands are
 * told apart by the shell's prompt: a command is done when a new bare prompt is the last line.
 */
class Shell {
  /** Prompt lines when the long-running command (watch, journalctl -f) was started. */
  private mark = 0

  private constructor(
    private readonly page: Page,
    readonly terminal: Locator,
    private readonly prompt: string,
    readonly name: string,
  ) {}

  /** Waits for a terminal that was just opened to attach and print its prompt. */
  static async attach(page: Page, candidate: Locator, name: string): Promise<Shell> {
    await expect(candidate).toHaveAttribute('data-attached', 'true', { timeout: 60_000 })
    const id = await candidate.getAttribute('data-terminal-id')
    expect(id, `${name} has a terminal id`).toBeTruthy()
    const terminal = page.locator(`[data-testid="terminal"][data-terminal-id="${id}"]`)
    await expect.poll(() => bufferText(terminal), { timeout: 90_000, message: `${name}: the VM shell prints its prompt` }).toMatch(/[#$]$/)
    const prompt = (await bufferText(terminal)).split('\n').at(-1)!.trim()
    console.log(`[walkthrough] ${name}: prompt "${prompt}"`)
    return new Shell(page, terminal, prompt, name)
  }

  private promptPattern(): RegExp {
    return new RegExp(`${escapeRegExp(this.prompt)}(?: |$)`)
  }

  private async read(): Promise<{ lines: string[]; prompts: number[] }> {
    const lines = (await bufferText(this.terminal)).split('\n')
    const pattern = this.promptPattern()
    return { lines, prompts: lines.flatMap((line, index) => (pattern.test(line) ? [index] : [])) }
  }

  /** What the running command printed so far (the whole screen while watch has the alternate screen). */
  async screen(): Promise<string> {
    const { lines, prompts } = await this.read()
    const from = prompts[this.mark - 1]
    return from === undefined ? lines.join('\n') : lines.slice(from + 1).join('\n')
  }

  /** Clicks into the terminal, as a learner does before typing. */
  async focus(): Promise<void> {
    await this.terminal.click()
    await expect(this.terminal.locator('textarea')).toBeFocused()
  }

  /** Waits until the shell is idle at its prompt; returns how many prompt lines the buffer has. */
  private async idle(): Promise<number> {
    let count = 0
    await expect
      .poll(
        async () => {
          const { lines, prompts } = await this.read()
          count = prompts.length
          return lines.at(-1)?.trim() ?? ''
        },
        { timeout: 30_000, message: `${this.name} is idle at its prompt` },
      )
      .toBe(this.prompt)
    return count
  }

  /**
   * Waits for the prompt that follows what was typed on prompt line `from` (1-based count) once
   * `commands` commands have finished; pages through less like a learner (space, then q at the
   * end). Returns what the commands printed.
   */
  private async finished(from: number, commands: number, timeout: number, what: string): Promise<string> {
    let output = ''
    await expect
      .poll(
        async () => {
          const { lines, prompts } = await this.read()
          const last = lines.at(-1)?.trim() ?? ''
          if (last !== this.prompt && PAGER_LINE.test(last)) {
            await this.page.keyboard.press(/\(END\)\s*$/.test(last) ? 'q' : ' ')
            return 'paging'
          }
          if (prompts.length < from + commands || last !== this.prompt) return 'running'
          output = lines.slice(prompts[from - 1]! + 1, prompts.at(-1)).join('\n')
          return 'done'
        },
        { timeout, message: `${this.name}: ${what} finishes and the prompt comes back` },
      )
      .toBe('done')
    return output
  }

  private async typeLines(command: string): Promise<void> {
    for (const line of command.split('\n')) {
      await this.page.keyboard.type(line)
      await this.page.keyboard.press('Enter')
    }
  }

  /** Types a command of the step (checked against the step's blocks unless fromStep is false) and waits for it. */
  async run(command: string, options: { expect?: RegExp; timeout?: number; fromStep?: boolean } = {}): Promise<string> {
    if (options.fromStep !== false) await expectInStep(this.page, command)
    const before = await this.idle()
    await this.focus()
    await this.typeLines(command)
    const output = await this.finished(before, 1, options.timeout ?? COMMAND, command)
    console.log(`[walkthrough] ${this.name}$ ${command}\n${output}`)
    if (options.expect) expect(output, `what "${command}" printed`).toMatch(options.expect)
    return output
  }

  /** Presses Run on the step's command block that contains `text`, in this terminal; waits for its `commands` commands. */
  async runBlock(text: string, commands: number, options: { expect?: RegExp; timeout?: number } = {}): Promise<string> {
    const before = await this.idle()
    await this.focus() // Run types into the active terminal: the one last clicked
    const block = this.page.locator('article.step .code-block').filter({ hasText: text })
    await expect(block).toHaveCount(1)
    await block.getByRole('button', { name: 'Run in terminal' }).click()
    const output = await this.finished(before, commands, options.timeout ?? COMMAND, `Run: ${text}`)
    console.log(`[walkthrough] ${this.name} (Run)$ ${text}\n${output}`)
    if (options.expect) expect(output, `what Run on "${text}" printed`).toMatch(options.expect)
    await expect(this.terminal.locator('textarea')).toBeFocused()
    return output
  }

  /** Starts a command that runs until Ctrl+C (watch, journalctl -f). */
  async start(command: string, options: { fromStep?: boolean } = {}): Promise<void> {
    if (options.fromStep !== false) await expectInStep(this.page, command)
    this.mark = await this.idle()
    await this.focus()
    await this.typeLines(command)
  }

  /** Waits until the running command shows `pattern`; returns the match. */
  async waitFor(pattern: RegExp, timeout: number, message: string): Promise<RegExpMatchArray> {
    let match = null as RegExpMatchArray | null
    await expect
      .poll(
        async () => {
          match = (await this.screen()).match(pattern)
          return match !== null
        },
        { timeout, message: `${this.name}: ${message}` },
      )
      .toBe(true)
    return match!
  }

  /** Ctrl+C, and the prompt is back. */
  async interrupt(): Promise<void> {
    await this.focus()
    await this.page.keyboard.press('Control+c')
    await this.finished(this.mark, 1, COMMAND, 'Ctrl+C')
  }
}

/** The lab's first shell, for the guest's side of the story after a failure. */
let firstShell: Shell | null = null

async function openFirstShell(page: Page): Promise<Shell> {
  await page.getByTestId('terminal-empty').getByRole('button', { name: 'Open VM shell' }).click()
  firstShell = await Shell.attach(page, page.locator('[data-testid="terminal"]:visible'), 'shell 1')
  return firstShell
}

/** After a failure: what the guest agent and the lab's units logged, printed to the test's output. */
async function diagnose(page: Page): Promise<void> {
  if (!firstShell) return
  try {
    await firstShell.focus()
    await page.keyboard.press('Control+c')
    await firstShell.run('sudo chaos-lab-agent status; sudo journalctl -n 60 --no-pager -o short-precise -u chaos-lab-agent -u killer-while -u fizzbuzz-a -u fizzbuzz-b', { fromStep: false, timeout: 60_000 })
  } catch (err) {
    console.log(`[walkthrough] no diagnosis from the guest: ${String(err)}`)
  }
}

/** A second VM shell beside the first (the toolbar's split button opens one of the same kind). */
async function openSecondShell(page: Page): Promise<Shell> {
  await page.getByTestId('split-toggle').click()
  await expect(page.getByTestId('split-toggle')).toHaveAttribute('aria-pressed', 'true')
  const panes = page.locator('[data-testid="terminal"]:visible')
  await expect(panes).toHaveCount(2, { timeout: 60_000 })
  await expect(page.getByTestId('terminal-tab')).toHaveText([/VM shell/, /VM shell 2/])
  return Shell.attach(page, panes.nth(1), 'shell 2')
}

// ---- The lab view ---------------------------------------------------------------------------

function stepLink(page: Page, title: string): Locator {
  return page.locator('.step-list .step-link', { hasText: title })
}

async function expectStep(page: Page, number: number, of: number, title: string): Promise<void> {
  await expect(page.getByTestId('step-number')).toHaveText(`Step ${number} of ${of}`)
  await expect(page.locator('#step-title')).toHaveText(title)
}

/** "Go to step N →" under the passed step. */
async function nextStep(page: Page, number: number, of: number, title: string): Promise<void> {
  await page.getByTestId('step-done').getByRole('button', { name: `Go to step ${number} →` }).click()
  await expectStep(page, number, of, title)
}

async function predict(page: Page, text: string): Promise<void> {
  const box = page.getByTestId('prediction')
  await box.locator('textarea').click()
  await page.keyboard.type(text)
  await box.getByRole('button', { name: 'Save prediction' }).click()
  await expect(box.getByTestId('prediction-text')).toHaveText(text, { timeout: 30_000 })
}

function fault(page: Page, id: string): Locator {
  return page.locator(`[data-testid="step-fault"][data-fault-id="${id}"]`)
}

async function inject(page: Page, id: string): Promise<void> {
  const row = fault(page, id)
  await expect(row).toHaveAttribute('data-active', 'false')
  await row.getByRole('button', { name: /^Inject: / }).click()
  await expect(row, `fault ${id} is injected (an error would show in its row)`).toHaveAttribute('data-active', 'true', { timeout: FAULT })
}

async function revert(page: Page, id: string): Promise<void> {
  const row = fault(page, id)
  await row.getByRole('button', { name: /^Revert: / }).click()
  await expect(row).toHaveAttribute('data-active', 'false', { timeout: FAULT })
}

function checkPanel(page: Page): Locator {
  return page.getByTestId('check-panel')
}

/** Presses Check and waits for the verdict; a learner whose first try fails reads why and presses again, once. */
async function pressCheck(page: Page, what: string): Promise<void> {
  const panel = checkPanel(page)
  const button = panel.locator('button.check-button')
  await expect(button).toBeEnabled({ timeout: 60_000 })
  await button.click()
  await expect(panel).toHaveAttribute('data-look', /^(pass|fail)$/, { timeout: CHECK })
  if ((await panel.getAttribute('data-look')) === 'fail') {
    console.log(`[walkthrough] ${what}: the first Check said "${await panel.getByTestId('check-message').innerText()}"; pressing Check again`)
    await expect(button).toBeEnabled({ timeout: CHECK })
    await button.click()
    await expect(panel).toHaveAttribute('data-look', 'pass', { timeout: CHECK })
  }
  console.log(`[walkthrough] ${what}: ${await panel.getByTestId('check-message').innerText()}`)
}

/** The step counts as done: green in the step list (from the core's database) and "Step passed" under it. */
async function expectPassed(page: Page, title: string, timeout: number): Promise<void> {
  await expect(stepLink(page, title), `step "${title}" turns green (check says: see the check panel)`).toHaveAttribute('data-status', 'passed', { timeout })
  await expect(page.getByTestId('step-done')).toContainText('Step passed')
  console.log(`[walkthrough] passed "${title}": ${await checkPanel(page).getByTestId('check-message').innerText()}`)
}

async function expectAllPassed(page: Page, steps: number): Promise<void> {
  await expect(page.locator('.step-list .step-link')).toHaveCount(steps)
  await expect(page.locator('.step-list .step-link:not([data-status="passed"])')).toHaveCount(0)
  await expect(page.locator('.step-list .step-link[data-status="passed"]')).toHaveCount(steps)
}

function marks(page: Page): Locator {
  return page.getByTestId('charts-panel').getByTestId('chart-marks')
}

function chart(page: Page, title: string): Locator {
  return page.getByTestId('charts-panel').locator('figure', { hasText: title })
}

/** A chart's newest value of its `index`-th series (NaN while there is none). */
async function latest(page: Page, title: string, index = 0): Promise<number> {
  return parseFloat(await chart(page, title).getByTestId('chart-latest').locator('span').nth(index).innerText())
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `walkthrough-${name}.png`) })
}

/** Opens a lab, sets it up in the VM, and waits for its live charts. */
async function openLab(page: Page, host: Host, id: string, title: string, charts: string[]): Promise<void> {
  await page.goto(new URL(`#/labs/${id}`, host.url).toString())
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(title)
  const bar = page.getByRole('group', { name: 'Lab actions' })
  await expect(bar.getByRole('button', { name: 'Set up lab' })).toBeEnabled({ timeout: 60_000 })
  await bar.getByRole('button', { name: 'Set up lab' }).click()
  const phase = bar.getByTestId('lab-phase')
  await expect(phase).toContainText('Ready', { timeout: SETUP })
  await expect(phase).toHaveAttribute('data-look', 'done')
  await expect(page.getByTestId('charts-panel').getByTestId('metrics-state')).toHaveText('live', { timeout: 90_000 })
  for (const name of charts) await expect(chart(page, name).locator('canvas')).toBeVisible({ timeout: 60_000 })
}

/** Finish lab: faults reverted, cleanup run; with every step passed the lab counts as completed. */
async function finishLab(page: Page): Promise<void> {
  const bar = page.getByRole('group', { name: 'Lab actions' })
  await bar.getByRole('button', { name: 'Finish lab' }).click()
  await expect(bar.getByTestId('lab-phase')).toContainText('Cleaned up', { timeout: SETUP })
  await expect(page.getByTestId('toast').filter({ hasText: 'Lab completed' })).toBeVisible()
}

/** ab's figures, as the steps teach to read them. */
function abReport(output: string): { complete: number; failed: number; non2xx: number; mean: number } {
  const number = (pattern: RegExp): number => Number(output.match(pattern)?.[1] ?? NaN)
  return {
    complete: number(/^Complete requests:\s+(\d+)/m),
    failed: number(/^Failed requests:\s+(\d+)/m),
    non2xx: number(/^Non-2xx responses:\s+(\d+)/m) || 0,
    // Connection Times, row Total: min mean [+/-sd] median max
    mean: number(/^Total:\s+\d+\s+(\d+)/m),
  }
}

/** Seconds from bash's `time` (real 0m0.105s). */
function realSeconds(output: string): number {
  const match = output.match(/^real\s+(\d+)m([\d.]+)s$/m)
  return match ? Number(match[1]) * 60 + Number(match[2]) : NaN
}

// ---- The VM ---------------------------------------------------------------------------------

async function startVm(page: Page, host: Host): Promise<void> {
  await page.goto(host.url)
  await expect(page.getByTestId('vm-state')).toHaveAttribute('data-state', 'not-created', { timeout: 60_000 })
  await page.goto(new URL('#/vm', host.url).toString())
  const actions = page.getByRole('group', { name: 'VM actions' })
  await actions.getByRole('button', { name: 'Start', exact: true }).click()
  const state = page.getByTestId('vm-panel-state')
  await expect(state).toHaveAttribute('data-state', 'running', { timeout: BOOT })
  await expect(page.getByTestId('vm-status-card').getByRole('progressbar')).toHaveCount(0, { timeout: 60_000 })
  await expect(state).toContainText('SSH connected', { timeout: 60_000 })
}

/** Destroy from the VM panel; a no-op when there is no VM. */
async function destroyVm(page: Page, host: Host): Promise<void> {
  await page.goto(new URL('#/vm', host.url).toString())
  const state = page.getByTestId('vm-panel-state')
  await expect(state).not.toHaveAttribute('data-state', 'unknown', { timeout: 60_000 })
  if ((await state.getAttribute('data-state')) === 'not-created') return
  const destroy = page.getByRole('group', { name: 'VM actions' }).getByRole('button', { name: 'Destroy…' })
  await expect(destroy).toBeEnabled({ timeout: BOOT })
  await destroy.click()
  await page.getByRole('alertdialog', { name: 'Destroy the lab VM?' }).getByRole('button', { name: 'Destroy VM' }).click()
  await expect(state).toHaveAttribute('data-state', 'not-created', { timeout: 5 * 60_000 })
}

// ---- Lab 1: Killer whiles -------------------------------------------------------------------

const KW = {
  steady: 'Meet FizzBuzz as a Service and its steady state',
  killer: 'Kill one instance again and again',
  limit: 'Lift the start limit with a drop-in',
  blast: 'Aim before you kill',
}
const KW_AB = 'ab -l -n 50 -c 5 http://127.0.0.1:8080/fizzbuzz/15'

async function killerWhiles(page: Page, host: Host): Promise<void> {
  await openLab(page, host, 'killer-whiles', 'Killer whiles', ['Requests through nginx', 'Restarts per instance', 'Instance up', 'Response time through nginx'])
  await expectStep(page, 1, 4, KW.steady)
  const shell = await openFirstShell(page)
  let watcher: Shell | undefined

  await test.step(`1. ${KW.steady}`, async () => {
    await shell.run('systemctl status fizzbuzz-a fizzbuzz-b --no-pager', {
      expect: /fizzbuzz-a\.service[\s\S]*?Active: active \(running\)[\s\S]*fizzbuzz-b\.service[\s\S]*?Active: active \(running\)/,
    })
    await shell.run('systemctl cat --no-pager fizzbuzz-a', { expect: /^Restart=always$/m })
    await shell.run('cat /etc/nginx/conf.d/killer-whiles.conf', { expect: /proxy_next_upstream error timeout;/ })
    // "Ask the API a question, then ask nginx who answered a few times": Run on the block (2 commands).
    const answers = await shell.runBlock('for i in 1 2 3 4; do curl -s http://127.0.0.1:8080/; done', 2, { expect: /"answer": "FizzBuzz"/ })
    expect(answers, 'round robin: both instances answer').toMatch(/"instance": "a"/)
    expect(answers, 'round robin: both instances answer').toMatch(/"instance": "b"/)
    const ab = abReport(await shell.run(KW_AB, { timeout: LOAD, expect: /^Complete requests:\s+50$/m }))
    expect(ab, 'the steady state: 0 failed and no non-2xx').toMatchObject({ complete: 50, failed: 0, non2xx: 0 })
    await pressCheck(page, 'killer-whiles/steady-state')
    await expect(checkPanel(page).getByTestId('check-message')).toContainText('Steady state: 50 of 50')
    await expectPassed(page, KW.steady, 30_000)
    await shot(page, 'killer-whiles-1-steady-state')
  })

  await test.step(`2. ${KW.killer}`, async () => {
    await nextStep(page, 2, 4, KW.killer)
    await predict(page, 'systemd restarts A a few times, then gives up on it; nginx retries on B, so clients see no errors.')
    await shell.run('cat /opt/chaos-lab/labs/killer-whiles/killer-while.sh', { expect: /PATTERN='fizzbuzz\.py --port 8001'/ })
    // "Open a second terminal and follow instance A".
    watcher = await openSecondShell(page)
    await watcher.start('watch -n 1 systemctl show -p ActiveState,SubState,Result,NRestarts fizzbuzz-a')
    // systemctl show prints the properties in its own order, not the order asked for.
    await watcher.waitFor(/^(?=[\s\S]*ActiveState=active)[\s\S]*NRestarts=\d+/, 60_000, 'watch shows instance A up')

    await inject(page, 'killer-while')
    await expect(marks(page)).toContainText('Injected: Kill fizzbuzz-a twice a second', { timeout: 30_000 })
    // "Follow the killer too": its journal, then Ctrl+C.
    await shell.start('sudo journalctl -fu killer-while')
    await shell.waitFor(/kill #\d+: SIGTERM to fizzbuzz-a, PID \d+/, COMMAND, 'the killer loop logs its kills')
    await shell.interrupt()

    // "After a few seconds NRestarts stops growing": systemd gave up.
    const gaveUp = await watcher.waitFor(/^(?=[\s\S]*ActiveState=failed)(?=[\s\S]*Result=start-limit-hit)[\s\S]*NRestarts=(\d+)/, STEP, 'systemd gives up on instance A (start-limit-hit)')
    console.log(`[walkthrough] fizzbuzz-a gave up after ${gaveUp[1]} automatic restarts`)
    await expect.poll(() => latest(page, 'Instance up', 0), { timeout: 60_000, message: 'the chart shows instance A down' }).toBe(0)
    await shot(page, 'killer-whiles-2-gave-up')
    await watcher.interrupt()

    // "Ask systemd why".
    await shell.run('sudo journalctl -u fizzbuzz-a --no-pager | tail -n 12', { expect: /Start request repeated too quickly/ })
    await shell.run('systemctl show -p StartLimitIntervalUSec,StartLimitBurst fizzbuzz-a', { expect: /^StartLimitBurst=5$/m })

    // "What do the clients see?"
    const ab = abReport(await shell.run(KW_AB, { timeout: LOAD, expect: /^Complete requests:\s+50$/m }))
    console.log(`[walkthrough] clients with A gone: ${JSON.stringify(ab)}`)
    await shell.run('sudo tail -n 3 /var/log/nginx/killer-whiles.error.log', { expect: /127\.0\.0\.1:8001/ })
    await shell.run('sudo tail -n 3 /var/log/nginx/killer-whiles.access.log', { expect: /status=200/ })

    // "Curious? Stop B for a moment and run ab again": every answer a 502, under Non-2xx.
    await shell.run('sudo systemctl stop fizzbuzz-b')
    const outage = abReport(await shell.run(KW_AB, { timeout: LOAD, expect: /^Complete requests:\s+50$/m }))
    expect(outage, 'both instances down: every answer is a 502, none "failed"').toMatchObject({ complete: 50, failed: 0, non2xx: 50 })
    await shot(page, 'killer-whiles-2-outage')
    await shell.run('sudo systemctl start fizzbuzz-b')

    // "The check passes once fizzbuzz-a has given up and nginx has logged the errors it hid. Then press Revert."
    await expectPassed(page, KW.killer, STEP)
    await revert(page, 'killer-while')
    await expect(marks(page)).toContainText('Reverted: Kill fizzbuzz-a twice a second', { timeout: 30_000 })
    await shell.run('systemctl is-active fizzbuzz-a fizzbuzz-b', { fromStep: false, expect: /^active\nactive$/m })
  })

  await test.step(`3. ${KW.limit}`, async () => {
    const w = watcher!
    await nextStep(page, 3, 4, KW.limit)
    await predict(page, 'Yes: without a start limit systemd restarts it forever. We lose the alarm: a crash loop looks healthy.')
    await shell.run('sudo mkdir -p /etc/systemd/system/fizzbuzz-a.service.d')
    await shell.run("printf '[Unit]\\nStartLimitIntervalSec=0\\n' | sudo tee /etc/systemd/system/fizzbuzz-a.service.d/override.conf", {
      expect: /^\[Unit\]\nStartLimitIntervalSec=0$/m,
    })
    await shell.run('sudo systemctl daemon-reload')
    await shell.run('systemctl cat --no-pager fizzbuzz-a', { expect: /^StartLimitIntervalSec=0$/m })
    await shell.run('systemctl show -p StartLimitIntervalUSec,StartLimitBurst fizzbuzz-a', { expect: /^StartLimitIntervalUSec=0$/m })
    // "If fizzbuzz-a is still failed from the last step, clear it and start it" (Revert brought it back).
    const state = await shell.run('systemctl is-active fizzbuzz-a', { fromStep: false })
    if (!/^active$/m.test(state)) {
      await shell.run('sudo systemctl reset-failed fizzbuzz-a')
      await shell.run('sudo systemctl start fizzbuzz-a')
    }

    await inject(page, 'killer-while-again')
    await expect(marks(page)).toContainText('Injected: Kill fizzbuzz-a twice a second, after the fix', { timeout: 30_000 })
    await w.start('watch -n 1 systemctl show -p ActiveState,Result,NRestarts fizzbuzz-a')
    // "NRestarts climbs past 5, 10, 20, and the unit never gives up."
    await expect
      .poll(async () => Number((await w.screen()).match(/NRestarts=(\d+)/)?.[1] ?? 0), { timeout: STEP, message: 'NRestarts climbs past 10 under the loop' })
      .toBeGreaterThan(10)
    expect(await w.screen()).not.toMatch(/start-limit-hit|ActiveState=failed/)
    // "ab still shows no errors" (the steady state's ab, from step 1).
    const ab = abReport(await shell.run(KW_AB, { fromStep: false, timeout: LOAD, expect: /^Complete requests:\s+50$/m }))
    console.log(`[walkthrough] clients while A restarts forever: ${JSON.stringify(ab)}`)
    await expect.poll(() => latest(page, 'Restarts per instance', 0), { timeout: 60_000, message: 'the restarts chart climbs past 5' }).toBeGreaterThan(5)
    await shot(page, 'killer-whiles-3-survives')

    // Passes (held 5 s) with the override, the loop running and nginx answering; then Revert.
    await expectPassed(page, KW.limit, STEP)
    await revert(page, 'killer-while-again')
    await expect(marks(page)).toContainText('Reverted: Kill fizzbuzz-a twice a second, after the fix', { timeout: 30_000 })
    // The watch keeps running: the next step's first pattern finds it.
  })

  await test.step(`4. ${KW.blast}`, async () => {
    const w = watcher!
    await nextStep(page, 4, 4, KW.blast)
    await shell.run('systemctl status fizzbuzz-report --no-pager', { expect: /Active: active \(running\)/ })
    const everything = await shell.run('pgrep -af fizzbuzz', { expect: /fizzbuzz_report\.py/ })
    expect(everything, '"fizzbuzz" catches both instances, the report and the watch').toMatch(/fizzbuzz\.py --port 8001/)
    expect(everything).toMatch(/fizzbuzz\.py --port 8002/)
    expect(everything).toMatch(/watch -n 1 systemctl show .*fizzbuzz-a/)
    const by8002 = await shell.run('pgrep -af 8002', { expect: /fizzbuzz_report\.py --source http:\/\/127\.0\.0\.1:8002/ })
    expect(by8002).toMatch(/fizzbuzz\.py --port 8002/)
    const exact = await shell.run("pgrep -af 'fizzbuzz.py --port 8002'", { expect: /fizzbuzz\.py --port 8002 --name b/ })
    expect(exact, 'the exact pattern spares the report').not.toMatch(/fizzbuzz_report/)
    await shot(page, 'killer-whiles-4-patterns')

    // "See it if you like, then bring the report back": the lazy kill takes the report down too.
    await shell.run('sudo pkill -f 8002')
    await expect(checkPanel(page).getByTestId('check-message')).toContainText(/fizzbuzz-report is (inactive|failed)/, { timeout: CHECK })
    await shell.run('systemctl status fizzbuzz-b fizzbuzz-report --no-pager', { expect: /fizzbuzz-report\.service[\s\S]*Active: (inactive|failed)/ })
    await shell.run('sudo systemctl start fizzbuzz-report')

    // "Your task: kill instance B once, and only instance B."
    await shell.run('sudo systemctl kill fizzbuzz-b')
    await expectPassed(page, KW.blast, STEP)
    await expect(checkPanel(page).getByTestId('check-message')).toContainText('Narrow aim')
    await w.interrupt()
  })

  await expectAllPassed(page, 4)
  await shot(page, 'killer-whiles-done')
  await finishLab(page)
}

// ---- Lab 2: Slow database link --------------------------------------------------------------

const SDL = {
  steady: "Measure the shop's steady state",
  slow: 'Slow down the database link',
  count: 'Count the round trips',
}
const SHOP_AB = 'ab -l -n 8 -c 2 http://127.0.0.1:8090/'
const DB_DELAY = 'Injected: 100 ms more per round trip to MariaDB'

async function slowDatabaseLink(page: Page, host: Host): Promise<void> {
  await openLab(page, host, 'slow-database-link', 'Slow database link', ['Shop page time', 'Database round trip', 'Shop requests', 'CPU'])
  await expectStep(page, 1, 3, SDL.steady)
  const shell = await openFirstShell(page)
  let baseline = NaN
  let queries = NaN

  await test.step(`1. ${SDL.steady}`, async () => {
    await shell.run('curl -s http://127.0.0.1:8090/ | head -n 15', { expect: /<h1>The Chaos Lab Corner Shop<\/h1>/ })
    const headers = await shell.run('curl -s -D - -o /dev/null http://127.0.0.1:8090/', { expect: /^X-DB-Link: 127\.0\.0\.1 via TCP\/IP\s*$/m })
    queries = Number(headers.match(/^X-DB-Queries: (\d+)/m)?.[1])
    expect(queries, 'the step says 8 queries per page').toBe(8)
    await shell.run("ss -tan 'dport = :3306'", { expect: /Recv-Q/ })
    const ab = abReport(await shell.run('ab -l -n 40 -c 2 http://127.0.0.1:8090/', { timeout: LOAD, expect: /^Complete requests:\s+40$/m }))
    expect(ab, 'the steady state: 0 failed and no non-2xx').toMatchObject({ complete: 40, failed: 0, non2xx: 0 })
    baseline = ab.mean
    console.log(`[walkthrough] shop baseline: mean ${baseline} ms`)
    await pressCheck(page, 'slow-database-link/steady-state')
    await expect(checkPanel(page).getByTestId('check-message')).toContainText('Saved as the baseline')
    await expectPassed(page, SDL.steady, 30_000)
    await shot(page, 'slow-database-link-1-steady-state')
  })

  await test.step(`2. ${SDL.slow}`, async () => {
    await nextStep(page, 2, 3, SDL.slow)
    await predict(page, 'About 100 ms more per page: the database is right next door, one hop away.')
    await inject(page, 'slow-db-link')
    await expect(marks(page)).toContainText(DB_DELAY, { timeout: 30_000 })
    // "Look at what is in place".
    await shell.run('tc qdisc show dev lo', { expect: /qdisc netem 10: parent 1:1 .*delay 50ms/ })
    await shell.run('tc filter show dev lo', { expect: /u32/ })
    const db = realSeconds(await shell.run('time nc -z 127.0.0.1 3306', { expect: /^real\s/m }))
    const shop = realSeconds(await shell.run('time nc -z 127.0.0.1 8090', { expect: /^real\s/m }))
    console.log(`[walkthrough] TCP handshake: MariaDB ${db} s, shop ${shop} s`)
    expect(db, 'a handshake with the database takes the 100 ms round trip').toBeGreaterThanOrEqual(0.09)
    // "Now the page".
    await shell.run("curl -s -o /dev/null -w '%{time_total} s\\n' http://127.0.0.1:8090/", { expect: /^\d+\.\d+ s$/m })
    const slow = abReport(await shell.run(SHOP_AB, { timeout: LOAD, expect: /^Complete requests:\s+8$/m }))
    console.log(`[walkthrough] shop with the delay: mean ${slow.mean} ms (baseline ${baseline} ms)`)
    await shell.run('tc -s qdisc show dev lo', { expect: /qdisc netem 10:[^\n]*\n\s*Sent \d+ bytes [1-9]\d* pkt/ })
    await expect.poll(() => latest(page, 'Database round trip', 0), { timeout: 60_000, message: 'the chart shows the slow database round trip' }).toBeGreaterThan(90)
    await shot(page, 'slow-database-link-2-slow-link')
    // "Keep the delay for the next step."
    await expectPassed(page, SDL.slow, STEP)
    await expect(fault(page, 'slow-db-link')).toHaveAttribute('data-active', 'true')
  })

  await test.step(`3. ${SDL.count}`, async () => {
    await nextStep(page, 3, 3, SDL.count)
    // The delay of step 2 is still in place: this step's own fault button is not needed.
    const sweep = await shell.runBlock('for n in 1 2 4 8; do', 1, { timeout: LOAD, expect: /^categories=8: [\d.]+ s$/m })
    const times = Object.fromEntries([...sweep.matchAll(/^categories=(\d+): ([\d.]+) s$/gm)].map((m) => [m[1] ?? '?', Number(m[2])]))
    console.log(`[walkthrough] page time by categories: ${JSON.stringify(times)}`)
    await shell.run("curl -s -o /dev/null -w '%{time_total} s\\n' 'http://127.0.0.1:8090/?categories=8&join=1'", { expect: /^\d+\.\d+ s$/m })
    // "Measure it against your baseline from the first step" (with step 2's ab).
    const now = abReport(await shell.run(SHOP_AB, { fromStep: false, timeout: LOAD, expect: /^Complete requests:\s+8$/m }))
    const measured = (now.mean - baseline) / 100
    // 8 queries, plus the round trips the text names before the first one: handshake, greeting, login.
    const answer = queries + 3
    console.log(`[walkthrough] default page: ${now.mean - baseline} ms slower = ${measured.toFixed(1)} round trips; answering ${answer}`)
    await expectInStep(page, 'echo 7 > /tmp/round-trips.txt')
    await shell.run(`echo ${answer} > /tmp/round-trips.txt`, { fromStep: false })
    await pressCheck(page, 'slow-database-link/count-round-trips')
    await expect(checkPanel(page).getByTestId('check-message')).toContainText(`Right: you said ${answer}`)
    await expectPassed(page, SDL.count, 30_000)
    await shot(page, 'slow-database-link-3-round-trips')

    // "Leaving the lab reverts the delay; Revert does it now." The delay is step 2's fault, so this
    // step offers only Inject for its own; Halt (in the app bar) reverts it from here.
    await expect(fault(page, 'slow-db-link-again')).toHaveAttribute('data-active', 'false')
    const halt = page.getByTestId('halt')
    await expect(halt).toHaveAttribute('data-count', '1')
    await halt.click()
    await expect(halt).toHaveAttribute('data-count', '0', { timeout: FAULT })
    await expect(marks(page)).toContainText('Halt: every fault reverted', { timeout: 30_000 })
    const qdisc = await shell.run('tc qdisc show dev lo', { fromStep: false })
    expect(qdisc, 'no delay left on lo').not.toMatch(/netem|prio 1:/)
    await expect.poll(() => latest(page, 'Database round trip', 0), { timeout: 60_000, message: 'the database round trip falls back' }).toBeLessThan(50)
  })

  await expectAllPassed(page, 3)
  await shot(page, 'slow-database-link-done')
  await finishLab(page)
}

// ---- The walk -------------------------------------------------------------------------------

test('a learner walks through Killer whiles and Slow database link in the VM: every step green, by typing', async ({ page, host }) => {
  let failed = true
  try {
    await test.step('start the VM from the VM panel', () => startVm(page, host))
    await test.step('lab: Killer whiles', () => killerWhiles(page, host))
    await test.step('lab: Slow database link', () => slowDatabaseLink(page, host))
    failed = false
  } finally {
    if (failed) await diagnose(page)
    // Always: a VM left behind would keep the next spec file's VM from being created.
    try {
      await test.step('destroy the VM', () => destroyVm(page, host))
    } catch (err) {
      if (!failed) throw err
      console.log(`[walkthrough] could not destroy the VM after the failure: ${String(err)}`)
    }
  }
})
