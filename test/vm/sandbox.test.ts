// The real VM, end to end, through the same VagrantSandbox the app uses: `vagrant up` of the
// app's Vagrantfile (CI box, QEMU emulation, libvirtd in the job's network namespace), then
// everything the labs rely on, then destroy. Run by `npm run test:vm` (test/vm/infra/run.sh),
// which provides the namespace, the box and the environment this file reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { get } from 'node:http'
import { join } from 'node:path'
import { DEFAULT_SETTINGS, type VmStatus } from '../../electron/core/api'
import { runVagrantInPty } from '../../electron/core/sandbox/vagrantPty'
import { VagrantSandbox } from '../../electron/core/sandbox/vagrantSandbox'
import { TerminalManager } from '../../electron/core/terminal/manager'
import { REPO_ROOT, tempDir } from '../helpers/tmp'

const dotfilePath = process.env.VAGRANT_DOTFILE_PATH
if (!dotfilePath || process.env.CHAOS_LAB_BOX !== 'ci') {
  throw new Error('The VM suite runs inside test/vm/infra/run.sh (npm run test:vm), which sets CHAOS_LAB_BOX=ci and VAGRANT_DOTFILE_PATH.')
}

const state = tempDir('chaos-lab-vm-state-')
const environment = { vagrantDir: join(REPO_ROOT, 'vagrant'), dotfilePath }
const sandbox = new VagrantSandbox({ environment, stateDir: state.path, settings: () => DEFAULT_SETTINGS })
const statuses: VmStatus[] = []
sandbox.onDidChangeStatus((status) => statuses.push(status))
const ssh = sandbox.ssh

const timed = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
  const started = Date.now()
  try {
    return await work()
  } finally {
    console.log(`[vm] ${label}: ${((Date.now() - started) / 1000).toFixed(1)} s`)
  }
}

beforeAll(async () => {
  expect((await sandbox.refresh()).state).toBe('not-created')
})

afterAll(async () => {
  sandbox.dispose()
  state.cleanup()
})

describe('the lab VM', () => {
  it('starts with progress phases, provisions, connects and saves the clean snapshot', async () => {
    const status = await timed('vagrant up (start)', () => sandbox.start())
    expect(status).toMatchObject({ state: 'running', connected: true, hasCleanSnapshot: true, action: null, error: null })
    const phases = statuses.map((s) => s.action?.phase).filter((p): p is string => !!p)
    expect(phases).toEqual(expect.arrayContaining(['Booting', 'Waiting for SSH', 'Saving the clean snapshot']))
    expect(phases.some((p) => /^Provisioning \d+\/\d+: /.test(p))).toBe(true)
    const progress = statuses.map((s) => s.action?.progress).filter((p): p is number => typeof p === 'number')
    expect(progress).toEqual([...progress].sort((a, b) => a - b))
    expect(statuses.map((s) => s.state)).toEqual(expect.arrayContaining(['creating', 'provisioning', 'running']))
    expect(sandbox.recentLog().some((line) => line.includes('[provision'))).toBe(true)
  })

  it('has every package of the list installed, 2 vCPUs, 4 GB and no swap', async () => {
    const wanted = readFileSync(join(REPO_ROOT, 'vagrant', 'provision', 'packages.txt'), 'utf8')
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim().split(/\s+/)[0] ?? '')
      .filter(Boolean)
      .map((name) => (name === '@kernel-headers@' ? 'linux-headers-$(uname -r)' : name))
    const result = await ssh.exec(`for p in ${wanted.join(' ')}; do dpkg-query -W -f='\${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || echo "MISSING $p"; done; echo checked`)
    expect(result.stdout.trim()).toBe('checked')
    expect(wanted.length).toBeGreaterThan(50)
    const facts = await ssh.exec(`nproc; awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo; swapon --show --noheadings | wc -l`)
    const [cpus, memoryMb, swaps] = facts.stdout.trim().split('\n').map(Number)
    expect(cpus).toBe(2)
    expect(memoryMb).toBeGreaterThan(3500)
    expect(swaps).toBe(0)
  })

  it('provisions idempotently: a second run changes nothing', async () => {
    const run = await timed('vagrant provision (again)', () => runVagrantInPty(environment, ['provision'], {}, 10 * 60_000))
    expect(run.code).toBe(0)
    expect(run.output).toMatch(/\[provision\] done in [\d.]+s: no changes/)
  })

  it('exec: exit codes, stderr, root, and a timeout that really kills', async () => {
    expect(await ssh.exec('echo out; echo err >&2; exit 7')).toMatchObject({ code: 7, stdout: 'out\n', stderr: 'err\n', timedOut: false })
    expect((await ssh.exec('id -un', { user: 'root' })).stdout).toBe('root\n')
    const slow = await ssh.exec('sleep 30.4242', { timeoutMs: 2000 })
    expect(slow).toMatchObject({ timedOut: true, code: null })
    expect((await ssh.exec(`ps -eo args | grep -cx 'sleep 30.4242' || true`)).stdout.trim()).toBe('0')
    const times: number[] = []
    for (let i = 0; i < 10; i++) times.push((await ssh.exec('true')).ms)
    console.log(`[vm] exec round trip over the persistent connection: median ${times.sort((a, b) => a - b)[5]!.toFixed(1)} ms`)
  })

  it('shell: a PTY whose size follows resize', async () => {
    const shell = await ssh.shell({ cols: 100, rows: 30 })
    let output = ''
    shell.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const waitFor = async (pattern: RegExp): Promise<void> => {
      const deadline = Date.now() + 30_000
      while (!pattern.test(output)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in: ${output}`)
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    shell.write('stty size\n')
    await waitFor(/(^|\s)30 100\r?$/m)
    shell.setWindow(45, 132, 0, 0)
    shell.write('stty size\n')
    await waitFor(/(^|\s)45 132\r?$/m)
    shell.end('exit\n')
  })

  it('terminal: a VM shell tab runs commands, follows resize and restores its screen on attach', async () => {
    const terminals = new TerminalManager(ssh)
    try {
      const { id } = await terminals.open({ kind: 'vm', labId: null, cols: 100, rows: 30 })
      let text = ''
      terminals.onData((event) => {
        if (event.id !== id) return
        text += event.data
        terminals.acknowledge(id, event.data.length)
      })
      const waitFor = async (pattern: RegExp): Promise<void> => {
        const deadline = Date.now() + 30_000
        while (!pattern.test(text)) {
          if (Date.now() > deadline) throw new Error(`no ${pattern} in: ${text.slice(-400)}`)
          await new Promise((r) => setTimeout(r, 50))
        }
      }
      terminals.input(id, 'echo in-the-vm-$(hostname); stty size\r')
      await waitFor(/in-the-vm-chaos-lab[\s\S]*30 100/)
      terminals.resize(id, 120, 40)
      terminals.input(id, 'stty size\r')
      await waitFor(/40 120/)
      const attached = await terminals.attach(id)
      expect(attached.screen).toContain('in-the-vm-chaos-lab')
      expect(attached.seq).toBe(text.length)
    } finally {
      terminals.dispose()
    }
  })

  it('SFTP: uploads a lab file for root with its mode', async () => {
    const script = '#!/bin/sh\necho "uploaded and run as $(id -un)"\n'
    await ssh.upload(script, '/opt/chaos-lab-test/run.sh', { mode: 0o750, user: 'root' })
    expect((await ssh.exec('stat -c "%U %a" /opt/chaos-lab-test/run.sh', { user: 'root' })).stdout.trim()).toBe('root 750')
    expect((await ssh.exec('/opt/chaos-lab-test/run.sh', { user: 'root' })).stdout).toBe('uploaded and run as root\n')
  })

  it('forwards a port on 127.0.0.1 here to a service in the VM', async () => {
    await ssh.exec('mkdir -p /tmp/www && echo "hello from the VM" > /tmp/www/index.html && setsid -f python3 -m http.server 8099 --bind 127.0.0.1 --directory /tmp/www >/dev/null 2>&1')
    await ssh.exec('for i in $(seq 100); do python3 -c "import socket; socket.create_connection((\'127.0.0.1\', 8099))" 2>/dev/null && exit 0; sleep 0.2; done; exit 1', { timeoutMs: 60_000 })
    const forward = await ssh.forward('127.0.0.1', 8099)
    const body = await new Promise<string>((resolve, reject) => {
      get({ host: '127.0.0.1', port: forward.port, path: '/' }, (res) => {
        let text = ''
        res.on('data', (chunk: Buffer) => (text += chunk.toString()))
        res.on('end', () => resolve(text))
      }).on('error', reject)
    })
    expect(body).toBe('hello from the VM\n')
    await forward.close()
  })

  it('reconnects by itself after the VM kills the SSH connection', async () => {
    const seen: string[] = []
    const off = ssh.onDidChangeState((s) => seen.push(s))
    // Kill every sshd session of the vagrant user, ours included.
    await ssh.exec(`pkill -KILL -f 'sshd: vagrant'`, { user: 'root' }).catch(() => undefined)
    expect((await ssh.exec('echo back')).stdout).toBe('back\n')
    off()
    expect(seen).toContain('reconnecting')
    expect(seen.at(-1)).toBe('connected')
  })

  it('reset restores the clean snapshot: a file made after it is gone', async () => {
    await ssh.exec('echo "made after the snapshot" | sudo tee /root/after-snapshot >/dev/null')
    expect((await ssh.exec('sudo test -e /root/after-snapshot')).code).toBe(0)
    const status = await timed('reset (snapshot restore)', () => sandbox.reset())
    expect(status).toMatchObject({ state: 'running', connected: true })
    expect((await ssh.exec('sudo test -e /root/after-snapshot')).code).toBe(1)
  })

  it('stops and starts again, keeping the host key', async () => {
    expect(await timed('halt (stop)', () => sandbox.stop())).toMatchObject({ state: 'stopped', connected: false })
    await expect(ssh.exec('true')).rejects.toThrow(/no connection to the VM/i)
    expect(await timed('up again (start)', () => sandbox.start())).toMatchObject({ state: 'running', connected: true })
    expect((await ssh.exec('uptime -p')).code).toBe(0)
  })

  it('destroys the VM', async () => {
    expect(await timed('destroy', () => sandbox.destroy())).toMatchObject({ state: 'not-created', connected: false, hasCleanSnapshot: false })
  })
})
