// A real OpenSSH server on 127.0.0.1 for tests of the SSH transport without a VM: its own
// config, host key and authorized key in a temp folder; runs as a child process we can kill and
// restart (to test reconnects) or restart with another host key (to test pinning).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { connect, createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { tempDir } from './tmp'

export interface TestSshd {
  port: number
  username: string
  privateKeyPath: string
  /** Starts (again) on the same port; `newHostKey` makes it a "different machine". */
  start(options?: { newHostKey?: boolean }): Promise<void>
  stop(): Promise<void>
  cleanup(): Promise<void>
}

export const SSHD = '/usr/sbin/sshd'
/**
 * The account the tests log in as: like the VM's vagrant user, a plain user with /bin/sh and
 * passwordless sudo. (Root's own shell start-up files on our machines cost a second per
 * command, which would measure the machine, not the transport.) Created once, idempotently.
 */
export const SSH_TEST_USER = 'chaoslab-sshtest'

function ensureTestUser(): void {
  try {
    execFileSync('id', [SSH_TEST_USER], { stdio: 'ignore' })
  } catch {
    execFileSync('useradd', ['--system', '--shell', '/bin/sh', '--create-home', '--home-dir', `/var/lib/${SSH_TEST_USER}`, SSH_TEST_USER])
  }
  // No password, but not "locked" ('!'): without PAM, sshd refuses keys for locked accounts.
  execFileSync('usermod', ['-p', '*', SSH_TEST_USER])
  writeFileSync(`/etc/sudoers.d/${SSH_TEST_USER}`, `${SSH_TEST_USER} ALL=(ALL) NOPASSWD: ALL\n`, { mode: 0o440 })
}

export async function startTestSshd(): Promise<TestSshd> {
  ensureTestUser()
  const dir = tempDir('chaos-lab-sshd-')
  const keygen = (file: string): void => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file], { stdio: 'ignore' })
  }
  const hostKey = join(dir.path, 'host_key')
  const userKey = join(dir.path, 'user_key')
  keygen(userKey)
  const authorized = join(dir.path, 'authorized_keys')
  execFileSync('cp', [`${userKey}.pub`, authorized])
  // sshd reads authorized_keys as the user logging in.
  chmodSync(dir.path, 0o755)
  chmodSync(authorized, 0o644)
  const port = await freePort()
  // Privilege separation directory; Debian's package creates it only at boot.
  mkdirSync('/run/sshd', { recursive: true })
  const config = join(dir.path, 'sshd_config')
  writeFileSync(
    config,
    [
      'ListenAddress 127.0.0.1',
      `Port ${port}`,
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${authorized}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      `AllowUsers ${SSH_TEST_USER}`,
      'StrictModes no',
      'UsePAM no',
      'PidFile none',
      'AllowTcpForwarding yes',
      'Subsystem sftp internal-sftp',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  )

  let child: ChildProcess | null = null
  const start = async (options: { newHostKey?: boolean } = {}): Promise<void> => {
    if (options.newHostKey || child === null) {
      execFileSync('rm', ['-f', hostKey, `${hostKey}.pub`])
      keygen(hostKey)
    }
    const proc = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child = proc
    // Ready when the port accepts connections.
    const deadline = Date.now() + 10_000
    while (!(await accepts(port))) {
      if (proc.exitCode !== null) throw new Error(`sshd exited: ${stderr}`)
      if (Date.now() > deadline) throw new Error(`sshd did not listen on ${port}: ${stderr}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  const stop = async (): Promise<void> => {
    const proc = child
    if (!proc || proc.exitCode !== null) return
    // Like a machine going away: the per-connection processes (children of the listener)
    // die too, so established sessions drop, not just the listening socket.
    // This server's own sessions only (its whole process tree): other test files may run their
    // own servers for the same user at the same time.
    for (const pid of descendants(proc.pid!)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve())
      proc.kill('SIGKILL')
    })
  }
  await start()
  return {
    port,
    username: SSH_TEST_USER,
    privateKeyPath: userKey,
    start,
    stop,
    cleanup: async () => {
      await stop()
      dir.cleanup()
    },
  }
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Every process below `root`, from ps (children before their own children don't matter: all die). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>()
  for (const line of execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' }).split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number)
    if (!pid || ppid === undefined) continue
    children.set(ppid, [...(children.get(ppid) ?? []), pid])
  }
  const found: number[] = []
  const queue = [root]
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child)
      queue.push(child)
    }
  }
  return found
}
