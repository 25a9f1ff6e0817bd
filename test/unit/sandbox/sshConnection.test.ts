// The SSH transport against a real OpenSSH server on 127.0.0.1 (test/helpers/sshd.ts). The
// same behaviours are exercised against the real VM in test/vm.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SshConnection, type SshState } from '../../../electron/core/sandbox/sshConnection'
import { execFileSync } from 'node:child_process'
import { SSH_TEST_USER, startTestSshd, type TestSshd } from '../../helpers/sshd'
import { tempDir } from '../../helpers/tmp'

let sshd: TestSshd
let ssh: SshConnection
let pin: string | null = null
let scratch: ReturnType<typeof tempDir>
const states: SshState[] = []

function connection(): SshConnection {
  return new SshConnection({
    resolveTarget: async () => ({ host: '127.0.0.1', port: sshd.port, username: sshd.username, privateKeyPath: sshd.privateKeyPath }),
    hostKeyPin: { load: () => pin, save: (fingerprint) => (pin = fingerprint) },
    keepaliveIntervalMs: 500,
    keepaliveCountMax: 2,
    maxBackoffMs: 500,
    waitForConnectionMs: 10_000,
  })
}

beforeAll(async () => {
  sshd = await startTestSshd()
  scratch = tempDir('chaos-lab-ssh-')
  // The test user writes here, like the vagrant user in its home folder.
  execFileSync('chown', [SSH_TEST_USER, scratch.path])
  ssh = connection()
  ssh.onDidChangeState((state) => states.push(state))
  await ssh.open()
}, 30_000)

afterAll(async () => {
  ssh?.close()
  await sshd?.cleanup()
  scratch.cleanup()
})

describe('exec over the persistent connection', () => {
  it('returns exit code, stdout, stderr and timing', async () => {
    const result = await ssh.exec('echo out; echo err >&2; exit 3')
    expect(result).toMatchObject({ code: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false })
    expect(result.ms).toBeGreaterThan(0)
  })

  it('pins the host key on first contact', () => {
    expect(pin).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
  })

  it('passes env and stdin, and quotes safely', async () => {
    const result = await ssh.exec(`printf '%s|' "$GREETING"; cat`, { env: { GREETING: `it's "quoted" $HOME` }, stdin: 'from stdin' })
    expect(result.stdout).toBe(`it's "quoted" $HOME|from stdin`)
  })

  it('runs as another user through sudo', async () => {
    expect((await ssh.exec('id -un', { user: 'nobody' })).stdout.trim()).toBe('nobody')
  })

  it('kills a command at its timeout, and the process is really gone', async () => {
    // A unique duration is the marker: `sleep 30.<digits>` shows up as such in ps.
    const marker = `sleep 30.${Date.now()}`
    const result = await ssh.exec(marker, { timeoutMs: 1000 })
    expect(result.timedOut).toBe(true)
    expect(result.code).toBeNull()
    expect(result.ms).toBeLessThan(5000)
    expect((await ssh.exec(`ps -eo args | grep -cx '${marker}' || true`)).stdout.trim()).toBe('0')
  })

  it('does not mistake a command that exits 137 by itself for a timeout', async () => {
    expect(await ssh.exec('exit 137')).toMatchObject({ code: 137, timedOut: false })
  })

  it('runs more commands at once than sshd allows sessions, by queueing', async () => {
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => ssh.exec(`echo ${i}`)))
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 24 }, (_, i) => String(i)))
  })
})

describe('shell, upload and forwards', () => {
  it('opens a PTY shell whose size follows resize', async () => {
    const shell = await ssh.shell({ cols: 100, rows: 30 })
    let output = ''
    shell.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const waitFor = async (pattern: RegExp): Promise<void> => {
      const deadline = Date.now() + 5000
      while (!pattern.test(output)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in: ${output}`)
        await new Promise((r) => setTimeout(r, 20))
      }
    }
    shell.write('stty size\n')
    await waitFor(/(^|\s)30 100\r?$/m)
    shell.setWindow(40, 120, 0, 0)
    shell.write('stty size\n')
    await waitFor(/(^|\s)40 120\r?$/m)
    shell.end('exit\n')
  })

  it('uploads a file with its mode, directly and as another user', async () => {
    const own = join(scratch.path, 'script.sh')
    await ssh.upload('#!/bin/sh\necho uploaded\n', own, { mode: 0o755 })
    expect((await ssh.exec(own)).stdout).toBe('uploaded\n')

    const forNobody = join(scratch.path, 'nested', 'for-nobody.txt')
    await ssh.upload(Buffer.from('binary\0data'), forNobody, { mode: 0o600, user: 'nobody' })
    const stat = await ssh.exec(`stat -c '%U %a' ${forNobody}`)
    expect(stat.stdout.trim()).toBe('nobody 600')
    expect(readFileSync(forNobody)).toEqual(Buffer.from('binary\0data'))
    expect((await ssh.exec('ls /tmp/.chaos-lab-upload-* 2>/dev/null | wc -l')).stdout.trim()).toBe('0')
  })

  it('forwards a local port to a service on the remote side', async () => {
    // The "service": a TCP echo server on the remote side's loopback.
    const echo: Server = createServer((socket) => socket.pipe(socket))
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()))
    const forward = await ssh.forward('127.0.0.1', (echo.address() as AddressInfo).port)
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = require('node:net').connect(forward.port, '127.0.0.1') as import('node:net').Socket
      socket.once('connect', () => socket.write('ping through the tunnel'))
      socket.once('data', (data: Buffer) => {
        resolve(data.toString())
        socket.destroy()
      })
      socket.once('error', reject)
    })
    expect(reply).toBe('ping through the tunnel')
    await forward.close()
    echo.close()
  })
})

describe('losing the connection', () => {
  it('reconnects after the server goes away and comes back, and waiting calls succeed', async () => {
    states.length = 0
    await sshd.stop()
    const pending = ssh.exec('echo back')
    await new Promise((r) => setTimeout(r, 1500))
    expect(ssh.state).toBe('reconnecting')
    await sshd.start()
    expect((await pending).stdout).toBe('back\n')
    expect(states).toContain('reconnecting')
    expect(states.at(-1)).toBe('connected')
  }, 30_000)

  it('refuses a server with a different host key and stops retrying', async () => {
    const other = connection()
    await sshd.stop()
    await sshd.start({ newHostKey: true })
    ssh.close()
    await expect(other.open()).rejects.toThrow(/different SSH host key|closed/)
    expect(other.state).toBe('idle')
    other.close()
  }, 30_000)

  it('fails a call clearly when there is no connection wanted', async () => {
    await expect(connection().exec('true')).rejects.toThrow('There is no connection to the VM.')
  })
})
