// The app's fault ledger driving the real guest agent (the repository's copy, run with its own
// root folder) over a real SSH connection, as it does in the VM.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { FaultLedger } from '../../../electron/core/safety/ledger'
import { SshConnection } from '../../../electron/core/sandbox/sshConnection'
import { startTestSshd, type TestSshd } from '../../helpers/sshd'
import { REPO_ROOT, tempDir } from '../../helpers/tmp'

let sshd: TestSshd
let ssh: SshConnection
let ledger: FaultLedger
const agentRoot = tempDir('chaos-lab-agent-root-')
const work = tempDir('chaos-lab-faults-')
const AGENT = join(REPO_ROOT, 'vagrant', 'guest', 'chaos-lab-agent')

beforeAll(async () => {
  chmodSync(agentRoot.path, 0o755)
  chmodSync(work.path, 0o777)
  sshd = await startTestSshd()
  let pin: string | null = null
  ssh = new SshConnection({
    resolveTarget: async () => ({ host: '127.0.0.1', port: sshd.port, username: sshd.username, privateKeyPath: sshd.privateKeyPath }),
    hostKeyPin: { load: () => pin, save: (f) => (pin = f) },
  })
  await ssh.open()
  ledger = new FaultLedger(ssh, ['env', `CHAOS_LAB_AGENT_ROOT=${agentRoot.path}`, '/usr/bin/python3', AGENT])
}, 30_000)

afterAll(async () => {
  ledger.dispose()
  ssh.close()
  await sshd.cleanup()
  agentRoot.cleanup()
  work.cleanup()
})

const fault = (name: string, revert = `rm -f ${join(work.path, name)}`) => ({ id: `lab:${name}`, label: `${name} fault`, inject: `touch ${join(work.path, name)}`, revert, timeoutSeconds: 10 })

describe('FaultLedger with the real guest agent', () => {
  it('records a fault in the agent before injecting it, and reverts it', async () => {
    const seen: number[] = []
    ledger.onChanged((entries) => seen.push(entries.length))
    await ledger.inject(fault('one'))
    expect(existsSync(join(work.path, 'one'))).toBe(true)
    expect(ledger.current).toMatchObject([{ id: 'lab:one', label: 'one fault' }])
    await ledger.revert('lab:one')
    expect(existsSync(join(work.path, 'one'))).toBe(false)
    expect(ledger.current).toEqual([])
    expect(seen).toContain(1)
    expect(seen.at(-1)).toBe(0)
  })

  it('undoes a fault whose inject failed, and says why', async () => {
    await expect(ledger.inject({ ...fault('broken'), inject: 'echo "no such device" >&2; exit 2' })).rejects.toThrow(/Could not inject "broken fault": the command exited with 2/)
    expect(await ledger.refresh()).toEqual([])
  })

  it('Halt reverts everything newest first and reports a revert that failed', async () => {
    await ledger.inject(fault('a'))
    await ledger.inject(fault('b'))
    await ledger.inject(fault('stuck', 'echo "cannot undo" >&2; exit 5'))
    const report = await ledger.haltAll('test')
    expect(report.reverted).toEqual(['lab:b', 'lab:a'])
    expect(report.failed).toMatchObject([{ id: 'lab:stuck', code: 5 }])
    expect(existsSync(join(work.path, 'a')) || existsSync(join(work.path, 'b'))).toBe(false)
    // The failed one stays in the ledger: it is not known to be undone.
    expect(ledger.current.map((e) => e.id)).toEqual(['lab:stuck'])
  })

  it('notices at the next heartbeat that the VM reverted a fault by itself, and says why', async () => {
    const root = tempDir('chaos-lab-agent-root-')
    chmodSync(root.path, 0o755)
    // Heartbeats run as the SSH user, not root: give it a copy of the agent it can read wherever
    // the checkout is (a fresh clone under mktemp -d is private to root).
    const agent = join(root.path, 'chaos-lab-agent')
    copyFileSync(AGENT, agent)
    chmodSync(agent, 0o755)
    const own = new FaultLedger(ssh, ['env', `CHAOS_LAB_AGENT_ROOT=${root.path}`, '/usr/bin/python3', agent])
    try {
      await own.inject(fault('alone'))
      expect(own.current.map((e) => e.id)).toEqual(['lab:alone'])
      const told = new Promise<{ reason: string; reverted: string[] }>((resolve) => own.onRevertedInVm(resolve))
      // What the agent's daemon does when beats stop coming: revert-all in the VM, behind the app's back.
      execFileSync('/usr/bin/python3', [agent, 'revert-all', '--reason', "dead-man's switch: no heartbeat from Chaos Lab for 31s"], { env: { ...process.env, CHAOS_LAB_AGENT_ROOT: root.path } })
      expect(existsSync(join(work.path, 'alone'))).toBe(false)
      expect(own.current.map((e) => e.id)).toEqual(['lab:alone']) // the app does not know yet
      const revert = await told // heartbeats come every 5 s
      expect(revert).toMatchObject({ reason: "dead-man's switch: no heartbeat from Chaos Lab for 31s", reverted: ['lab:alone'] })
      await expect.poll(() => own.current, { timeout: 10_000 }).toEqual([])
    } finally {
      own.dispose()
      root.cleanup()
    }
  }, 30_000)

  it('explains an agent that is not installed', async () => {
    const missing = new FaultLedger(ssh, ['/nonexistent/chaos-lab-agent'])
    await expect(missing.refresh()).rejects.toThrow(/did not answer "list"/)
  })
})
