// A lab running for real over SSH (the test OpenSSH server on 127.0.0.1 stands in for the VM):
// upload, setup as root, checks (once, held, continuous without pile-up), skip, cleanup.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadLabs, type LoadedLab } from '../../../electron/core/labs/loader'
import { LabRuntime, type CheckResult } from '../../../electron/core/labs/runtime'
import { FaultLedger } from '../../../electron/core/safety/ledger'
import { SshConnection } from '../../../electron/core/sandbox/sshConnection'
import { startTestSshd, type TestSshd } from '../../helpers/sshd'
import { writeLab } from '../../helpers/labs'
import { tempDir } from '../../helpers/tmp'

let sshd: TestSshd
let ssh: SshConnection
let runtime: LabRuntime
let lab: LoadedLab
const labs = tempDir('chaos-lab-labs-')
const remote = tempDir('chaos-lab-remote-')

const MANIFEST = `id: demo
title: Demo
source: original
topic: testing
summary: A lab for the runtime tests.
minutes: 5
files:
  - from: service.sh
    mode: "0750"
setup:
  script: scripts/setup.sh
cleanup:
  run: rm -f state/flag state/slow.lock
steps:
  - id: make-flag
    title: Create the flag
    check:
      script: checks/flag.sh
      holdSeconds: 2
    solve:
      run: touch state/flag
  - id: slow
    title: A slow check
    check:
      run: 'if [ -e state/slow.lock ]; then echo "overlap!"; exit 9; fi; touch state/slow.lock; sleep 1.5; rm state/slow.lock; echo "slow check ran"'
`

beforeAll(async () => {
  const dir = writeLab(labs.path, 'demo', MANIFEST, { 'make-flag': 'Make it.', slow: 'Wait.' })
  mkdirSync(join(dir, 'files'))
  mkdirSync(join(dir, 'scripts'))
  mkdirSync(join(dir, 'checks'))
  writeFileSync(join(dir, 'files', 'service.sh'), '#!/bin/sh\necho service\n')
  writeFileSync(join(dir, 'scripts', 'setup.sh'), 'mkdir -p state && id -un > state/setup-ran-as\n')
  writeFileSync(join(dir, 'checks', 'flag.sh'), 'if [ -e state/flag ]; then echo "The flag is there."; else echo "No flag yet: expected state/flag to exist."; exit 1; fi\n')
  const loaded = loadLabs([labs.path])
  expect(loaded.problems).toEqual([])
  lab = loaded.labs[0]!

  sshd = await startTestSshd()
  let pin: string | null = null
  ssh = new SshConnection({
    resolveTarget: async () => ({ host: '127.0.0.1', port: sshd.port, username: sshd.username, privateKeyPath: sshd.privateKeyPath }),
    hostKeyPin: { load: () => pin, save: (f) => (pin = f) },
  })
  await ssh.open()
  runtime = new LabRuntime(ssh, new FaultLedger(ssh), remote.path)
}, 30_000)

afterAll(async () => {
  runtime.dispose()
  ssh.close()
  await sshd.cleanup()
  labs.cleanup()
  remote.cleanup()
})

const remoteDir = (): string => join(remote.path, 'demo')

describe('a lab over SSH', () => {
  it('uploads files and scripts, and runs setup as root in the lab folder', async () => {
    const phases: string[] = []
    const off = runtime.on('phase', (p) => phases.push(p.phase))
    await runtime.setup(lab)
    off()
    expect(phases).toEqual(['Uploading the lab files', 'Running the lab setup', 'Ready'])
    expect(readFileSync(join(remoteDir(), 'state', 'setup-ran-as'), 'utf8').trim()).toBe('root')
    expect(statSync(join(remoteDir(), 'service.sh')).mode & 0o777).toBe(0o750)
    expect(existsSync(join(remoteDir(), 'checks', 'flag.sh'))).toBe(true)
    // Idempotent: a second setup succeeds too.
    await runtime.setup(lab)
  })

  it('a failing check says why, in its own words', async () => {
    const result = await runtime.check(lab, 'make-flag')
    expect(result).toMatchObject({ passed: false, passingNow: false, message: 'No flag yet: expected state/flag to exist.', exitCode: 1 })
  })

  it('Skip runs the solve; the check then has to hold for its holdSeconds', async () => {
    await runtime.solve(lab, 'make-flag')
    const first = await runtime.check(lab, 'make-flag')
    expect(first).toMatchObject({ passingNow: true, passed: false, holdSeconds: 2, message: 'The flag is there.' })
    await new Promise((r) => setTimeout(r, 2100))
    expect(await runtime.check(lab, 'make-flag')).toMatchObject({ passingNow: true, passed: true })
  })

  it('checks continuously about once a second, one run at a time', async () => {
    const results: CheckResult[] = []
    const off = runtime.on('check', (r) => r.stepId === 'slow' && results.push(r))
    runtime.watch(lab, 'slow')
    await new Promise((r) => setTimeout(r, 5000))
    runtime.unwatch()
    await new Promise((r) => setTimeout(r, 1800))
    off()
    // 1.5 s per run: about 3 runs in 5 s, none overlapping (an overlap exits 9).
    expect(results.length).toBeGreaterThanOrEqual(2)
    expect(results.length).toBeLessThanOrEqual(4)
    expect(results.every((r) => r.passed && r.message === 'slow check ran')).toBe(true)
    const count = results.length
    await new Promise((r) => setTimeout(r, 1500))
    expect(results.length).toBe(count) // stopped
  }, 20_000)

  it('cleanup runs the lab cleanup', async () => {
    await runtime.cleanup(lab)
    expect(existsSync(join(remoteDir(), 'state', 'flag'))).toBe(false)
  })

  it('explains a step without solve, and a setup that fails', async () => {
    await expect(runtime.solve(lab, 'slow')).rejects.toThrow('cannot be skipped')
    await expect(runtime.check(lab, 'nope')).rejects.toThrow('The lab has no step "nope".')
  })
})
