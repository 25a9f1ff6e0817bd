// What the loader checks beyond the schema: files that must exist, fault references, faults
// that would cut the SSH path, steps without checks; and `chaos-lab lab validate`.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { loadLabs, wouldCutControlChannel } from '../../../electron/core/labs/loader'
import { writeLab } from '../../helpers/labs'
import { REPO_ROOT, tempDir } from '../../helpers/tmp'

let root: { path: string; cleanup: () => void }
beforeEach(() => {
  root = tempDir()
})
afterEach(() => root.cleanup())

const FULL = `id: full
title: A lab using every part of the format
source: original
topic: latency
summary: Setup, files, a fault, checks and a solve.
minutes: 20
files:
  - from: app.py
    mode: "0755"
setup:
  script: scripts/setup.sh
cleanup:
  run: rm -rf /opt/chaos-lab/labs/full
faults:
  - id: slow-loopback
    title: 100 ms on loopback
    target: lo
    inject: tc qdisc add dev lo root netem delay 100ms
    revert: tc qdisc del dev lo root || true
steps:
  - id: first
    title: Measure
    check:
      script: checks/first.sh
      holdSeconds: 5
    hints:
      - Look at the p99 column.
    solve:
      run: curl -s localhost:8080/
    predict: How much slower will the p99 be?
    faults: [slow-loopback]
`

function writeFull(manifest = FULL, files: Record<string, string> = { 'files/app.py': 'print(1)', 'scripts/setup.sh': 'true', 'checks/first.sh': 'true' }): string {
  const dir = writeLab(root.path, 'full', manifest, { first: 'Measure it.' })
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  return dir
}

describe('lab references', () => {
  it('loads a lab that uses every part of the format, with defaults filled in', () => {
    writeFull()
    const { labs, problems } = loadLabs([root.path])
    expect(problems).toEqual([])
    const lab = labs[0]!
    expect(lab.warnings).toEqual([])
    expect(lab.manifest.steps[0]!.check).toEqual({ script: 'checks/first.sh', mode: 'continuous', holdSeconds: 5, timeoutSeconds: 10 })
    expect(lab.manifest.faults[0]!.timeoutSeconds).toBe(30)
  })

  it('reports missing scripts and files with their lines', () => {
    writeFull(FULL, {})
    const { labs, problems } = loadLabs([root.path])
    expect(labs).toEqual([])
    const byLine = Object.fromEntries(problems.map((p) => [p.line, p.message]))
    expect(byLine[8]).toBe('The file "files/app.py" does not exist.')
    expect(byLine[11]).toBe('The setup script "scripts/setup.sh" does not exist.')
    expect(byLine[24]).toBe('The check script "checks/first.sh" does not exist.')
  })

  it('refuses a fault without a revert, naming why', () => {
    writeFull(FULL.replace('    revert: tc qdisc del dev lo root || true\n', ''))
    const { problems } = loadLabs([root.path])
    expect(problems.map((p) => p.message)).toContain('faults.0.revert is missing.')
    expect(problems.find((p) => p.message === 'faults.0.revert is missing.')!.fix).toContain('ledger must be able to undo it')
  })

  it('refuses a step using an undeclared fault and a script path leaving the lab', () => {
    writeFull(FULL.replace('faults: [slow-loopback]', 'faults: [packet-loss]').replace('script: scripts/setup.sh', 'script: ../../etc/passwd'))
    const messages = loadLabs([root.path]).problems.map((p) => p.message)
    expect(messages).toContain('Step "first" uses fault "packet-loss", which the lab does not declare.')
    expect(messages).toContain('The setup script "../../etc/passwd" points outside the lab folder.')
  })

  it('needs exactly one of script and run', () => {
    writeFull(FULL.replace('      script: checks/first.sh\n', '      script: checks/first.sh\n      run: "true"\n'))
    const problem = loadLabs([root.path]).problems[0]!
    expect(problem.message).toContain('give either "script" or "run"')
  })

  it('warns about a step without a check but still loads the lab', () => {
    writeFull(FULL.replace(/    check:\n      script: checks\/first.sh\n      holdSeconds: 5\n/, ''))
    const { labs } = loadLabs([root.path])
    expect(labs[0]!.warnings.map((w) => w.message)).toEqual(['Step "first" has no check, so the app cannot tell when it is done.'])
  })

  it('suggests the known keys of a step', () => {
    writeFull(FULL.replace('    hints:', '    hint:'))
    const problem = loadLabs([root.path]).problems.find((p) => p.message.includes('"hint"'))!
    expect(problem.fix).toContain('Did you mean "hints"?')
  })
})

describe('faults that would cut the SSH path', () => {
  it.each([
    ['tc qdisc add dev eth0 root netem loss 100%', 'changes the queueing discipline of eth0'],
    ['tc qdisc replace dev ens5 root netem delay 200ms', 'changes the queueing discipline of ens5'],
    ['iptables -A INPUT -j DROP', 'drops or rejects traffic without limiting it to a port, address or lab interface'],
  ])('refuses %s', (inject, why) => {
    expect(wouldCutControlChannel(inject)).toBe(why)
  })

  it.each([
    'tc qdisc add dev lo root netem delay 100ms',
    'tc qdisc add dev docker0 root netem loss 5%',
    'ip netns exec lab tc qdisc add dev eth0 root netem delay 50ms',
    'iptables -A INPUT -p tcp --dport 8080 -j DROP',
    'iptables -A OUTPUT -o lo -j REJECT',
  ])('allows %s', (inject) => {
    expect(wouldCutControlChannel(inject)).toBeNull()
  })
})

describe('chaos-lab lab validate', () => {
  function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [join(REPO_ROOT, 'electron', 'cli', 'main.ts'), 'lab', 'validate', ...args, '--data-dir', root.path], { timeout: 30_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      )
    })
  }

  it('passes a valid lab folder and fails a broken pack with file:line: error lines', async () => {
    const good = writeFull()
    expect(await cli(good)).toMatchObject({ code: 0, stdout: '1 lab valid, 0 with errors, 0 warnings\n' })
    const broken = await cli(join(REPO_ROOT, 'test', 'fixtures', 'labs-broken'))
    expect(broken.code).toBe(1)
    expect(broken.stderr).toMatch(/unknown-key\/lab\.yaml:7: error: Unknown key "stepz"/)
    expect(broken.stderr).toMatch(/pack-demo\/lab\.yaml:8: warning: Step "look" has no check/)
  })
})
