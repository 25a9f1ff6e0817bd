// Content CI of a lab with a web UI, on this machine: the real monkey-in-the-browser lab (its
// files, faults, solves, checks and page-lib.sh) run by testLab through a real LabRuntime,
// FaultLedger and guest agent over a real local OpenSSH server, with the page loaded in headless
// Chromium by the CLI's page driver through the BrowserService's VM sources: the SSH port
// forward to dbweb, the injected scripts read over SSH, the page state written over SSH to
// /run/chaos-lab/browser. Only setup and cleanup differ from the VM: no systemd here, so dbweb
// runs as a plain background process on 127.0.0.1:8081.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chmodSync, existsSync, readFileSync, rmdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromiumPageDriver } from '../../../electron/cli/pageDriver'
import { BrowserService } from '../../../electron/core/browser/service'
import { vmBrowserSources } from '../../../electron/core/browser/sources'
import { testLab } from '../../../electron/core/labs/contentTest'
import { loadLabs, type LoadedLab } from '../../../electron/core/labs/loader'
import { LabRuntime } from '../../../electron/core/labs/runtime'
import { FaultLedger } from '../../../electron/core/safety/ledger'
import { SshConnection } from '../../../electron/core/sandbox/sshConnection'
import { startTestSshd, type TestSshd } from '../../helpers/sshd'
import { REPO_ROOT, tempDir } from '../../helpers/tmp'

const realLab = loadLabs([join(REPO_ROOT, 'labs')]).labs.find((l) => l.manifest.id === 'monkey-in-the-browser')!

// The lab's setup.sh without its systemd unit (same database, inject folder and templates).
const SETUP = [
  'set -eu',
  'python3 dbweb.py --init booktown.sql --db booktown.db',
  'rm -rf /run/chaos-lab/monkey-in-the-browser && mkdir -p /run/chaos-lab/monkey-in-the-browser',
  'mkdir -p /opt/monkey',
  "[ -f /opt/monkey/slow.js ] || echo '// slow.js template' > /opt/monkey/slow.js",
  "[ -f /opt/monkey/fail.js ] || echo '// fail.js template' > /opt/monkey/fail.js",
  'setsid python3 dbweb.py --db booktown.db --static static --listen 127.0.0.1 --port 8081 </dev/null >dbweb.log 2>&1 & echo $! > dbweb.pid',
  'i=0; until curl -fsS -m 2 -o /dev/null http://127.0.0.1:8081/api/status; do i=$((i+1)); [ $i -lt 100 ] || { cat dbweb.log; exit 1; }; sleep 0.1; done',
].join('\n')
// Cleanup is the lab's own cleanup.sh (its systemctl calls find no dbweb unit), then this stops
// the background dbweb: a kill by its pid.
function stopDbweb(): void {
  const pidFile = join(labsRoot.path, 'monkey-in-the-browser', 'dbweb.pid')
  if (!existsSync(pidFile)) return
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8').trim()))
  } catch {
    // gone already
  }
}

const agentRoot = tempDir('chaos-lab-agent-root-')
const labsRoot = tempDir('chaos-lab-remote-labs-')

describe('content CI of a lab with a web UI', () => {
  let sshd: TestSshd
  let ssh: SshConnection
  let ledger: FaultLedger
  let browser: BrowserService
  let runtime: LabRuntime

  beforeAll(async () => {
    chmodSync(agentRoot.path, 0o755)
    chmodSync(labsRoot.path, 0o755)
    sshd = await startTestSshd()
    let pin: string | null = null
    ssh = new SshConnection({
      resolveTarget: async () => ({ host: '127.0.0.1', port: sshd.port, username: sshd.username, privateKeyPath: sshd.privateKeyPath }),
      hostKeyPin: { load: () => pin, save: (f) => (pin = f) },
    })
    await ssh.open()
    ledger = new FaultLedger(ssh, ['env', `CHAOS_LAB_AGENT_ROOT=${agentRoot.path}`, '/usr/bin/python3', join(REPO_ROOT, 'vagrant', 'guest', 'chaos-lab-agent')])
    runtime = new LabRuntime(ssh, ledger, labsRoot.path)
    // Wired as in the Core: the lab's pages reload whenever its faults change.
    browser = new BrowserService(vmBrowserSources(ssh), () => ledger.current.map((e) => e.id))
    ledger.onChanged((entries) => browser.faultsChanged(entries.map((e) => e.id)))
  }, 30_000)

  afterAll(async () => {
    stopDbweb()
    await browser?.dispose()
    ledger?.dispose()
    ssh?.close()
    await sshd?.cleanup()
    try {
      rmdirSync('/run/chaos-lab') // left empty by the lab's cleanup on this machine
    } catch {
      // not empty, or not there
    }
    agentRoot.cleanup()
    labsRoot.cleanup()
  })

  it('passes monkey-in-the-browser with its page in headless Chromium, over SSH, and leaves nothing behind', async () => {
    const lab: LoadedLab = { ...realLab, manifest: { ...realLab.manifest, setup: { run: SETUP } } }
    const lines: string[] = []
    const report = await testLab(lab, runtime, ledger, (line) => lines.push(line), { openPage: chromiumPageDriver(browser, { log: (line) => lines.push(line) }) })
    console.log(`[content CI] ${lines.join('\n  ')}`)
    stopDbweb()
    expect(report.problems).toEqual([])
    expect(report.steps.map((s) => [s.stepId, s.status])).toEqual([
      ['explore', 'passed'],
      ['slow-requests', 'passed'],
      ['fail-every-third', 'passed'],
      ['fix-the-handler', 'passed'],
    ])
    expect(report.steps[0]!.message).toMatch(/^dbweb loaded through Chaos Lab's proxy: \d+ requests \(3 XMLHttpRequest, 2 fetch\), none failed/)
    expect(report.steps[1]!.message).toMatch(/^Every request now waits/)
    expect(report.steps[2]!.message).toMatch(/^Weakness found: .*SyntaxError/)
    expect(report.steps[3]!.message).toMatch(/^Fixed: /)
    expect(report.passed).toBe(true)
    expect(lines).toContain('monkey-in-the-browser: opening its page in a browser')
    // The page was closed before cleanup, which removed its state; nothing rewrote it.
    expect(existsSync('/run/chaos-lab/browser/monkey-in-the-browser.json')).toBe(false)
    expect(existsSync('/run/chaos-lab/monkey-in-the-browser')).toBe(false)
    expect(await ledger.refresh()).toEqual([])
  }, 240_000)

  it('reports a lab with a web UI run without a page driver as a problem, not as failing checks', async () => {
    const calls: string[] = []
    const fakeRuntime = { setup: async () => void calls.push('setup'), cleanup: async () => void calls.push('cleanup') } as unknown as LabRuntime
    const fakeLedger = { refresh: async () => [] } as unknown as FaultLedger
    const report = await testLab(realLab, fakeRuntime, fakeLedger)
    expect(report.passed).toBe(false)
    expect(report.steps).toEqual([])
    expect(report.problems).toEqual([expect.stringMatching(/^setup: monkey-in-the-browser shows a web UI .* no browser to load it\. Run it with `chaos-lab lab test`/)])
    expect(calls).toEqual(['setup', 'cleanup'])
  })

  it('says to install Chromium when there is none', async () => {
    const openPage = chromiumPageDriver(browser, { executablePath: '/nonexistent/chromium' })
    await expect(openPage(realLab)).rejects.toThrow(/there is no Chromium at \/nonexistent\/chromium/)
    await expect(openPage(realLab)).rejects.toMatchObject({ fix: expect.stringMatching(/apt-get install chromium/) })
  })
})
