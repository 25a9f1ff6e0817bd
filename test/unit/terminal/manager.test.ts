// Terminals in the core with real processes: bash in a real PTY on this machine, and a shell on
// a real OpenSSH server over the same SshConnection the VM uses.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { SshConnection } from '../../../electron/core/sandbox/sshConnection'
import { HIGH_WATERMARK } from '../../../electron/core/terminal/session'
import { TerminalManager } from '../../../electron/core/terminal/manager'
import type { TerminalInfo } from '../../../electron/core/api'
import { startTestSshd, type TestSshd } from '../../helpers/sshd'

let sshd: TestSshd
let ssh: SshConnection
let pin: string | null = null

beforeAll(async () => {
  sshd = await startTestSshd()
  ssh = new SshConnection({
    resolveTarget: async () => ({ host: '127.0.0.1', port: sshd.port, username: sshd.username, privateKeyPath: sshd.privateKeyPath }),
    hostKeyPin: { load: () => pin, save: (f) => (pin = f) },
    maxBackoffMs: 500,
  })
  await ssh.open()
}, 30_000)
afterAll(async () => {
  ssh.close()
  await sshd.cleanup()
})

let manager: TerminalManager
afterEach(() => manager?.dispose())

/** The output of one terminal as a window would see it, acknowledging as it goes (or not). */
function watch(id: string, options: { ack: boolean } = { ack: true }) {
  let text = ''
  let nextSeq = 0
  const off = manager.onData((event) => {
    if (event.id !== id) return
    expect(event.seq).toBe(nextSeq) // no gap, no overlap
    nextSeq += event.data.length
    text += event.data
    if (options.ack) manager.acknowledge(id, event.data.length)
  })
  return {
    get text() {
      return text
    },
    get seq() {
      return nextSeq
    },
    async waitFor(pattern: RegExp | string, ms = 15_000): Promise<void> {
      const deadline = Date.now() + ms
      while (!(typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text))) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in output: ${JSON.stringify(text.slice(-500))}`)
        await new Promise((r) => setTimeout(r, 20))
      }
    },
    off,
  }
}

describe('host shell terminals', () => {
  it('runs commands in a real PTY and follows resize', async () => {
    manager = new TerminalManager(ssh)
    const info = await manager.open({ kind: 'host', labId: 'lab-a', cols: 80, rows: 24 })
    expect(info).toMatchObject({ kind: 'host', title: 'Host shell 1', labId: 'lab-a', exitCode: null })
    const out = watch(info.id)
    manager.input(info.id, 'echo chaos-$((6*7)); stty size\r')
    await out.waitFor(/chaos-42[\s\S]*24 80/)
    manager.resize(info.id, 132, 40)
    manager.input(info.id, 'stty size\r')
    await out.waitFor('40 132')
  })

  it('restores the screen for a window that attaches later, at an exact seq', async () => {
    manager = new TerminalManager(ssh)
    const { id } = await manager.open({ kind: 'host', labId: null, cols: 80, rows: 24 })
    const out = watch(id)
    manager.input(id, 'echo before-reload-$((1+1))\r')
    await out.waitFor('before-reload-2')
    const attached = await manager.attach(id)
    expect(attached.screen).toContain('before-reload-2')
    expect(attached.seq).toBe(out.seq)
    manager.input(id, 'echo after-attach\r')
    await out.waitFor(/after-attach[\s\S]*after-attach/) // the echo of the typing, then the output
  })

  it('pauses a flood until the window catches up, so memory stays bounded, then finishes it', async () => {
    manager = new TerminalManager(ssh)
    const { id } = await manager.open({ kind: 'host', labId: null, cols: 200, rows: 50 })
    const out = watch(id, { ack: false })
    // 20 MB of output: far more than the watermark.
    manager.input(id, "head -c 20000000 /dev/zero | tr '\\0' x | fold -w 199; echo; echo flood-$((20*5))\r")
    const deadline = Date.now() + 15_000
    while (out.seq < HIGH_WATERMARK && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    await new Promise((r) => setTimeout(r, 300))
    const flow = manager.flowState(id)
    expect(flow.paused).toBe(true)
    // Paused promptly: what reached the window is the watermark plus at most a few PTY reads.
    expect(out.seq).toBeLessThan(HIGH_WATERMARK + 256 * 1024)
    await new Promise((r) => setTimeout(r, 500))
    const stalled = out.seq
    await new Promise((r) => setTimeout(r, 500))
    expect(out.seq).toBe(stalled)

    // The window draws and acknowledges: the flood runs to the end.
    const started = Date.now()
    const drain = setInterval(() => manager.acknowledge(id, HIGH_WATERMARK * 10), 5)
    try {
      await out.waitFor('flood-100', 120_000)
    } finally {
      clearInterval(drain)
    }
    console.log(`[terminal] 20 MB flood drained in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    expect(out.seq).toBeGreaterThan(20_000_000)
    out.off()
  }, 150_000)

  it('reports the exit code, keeps the tab, and records a transcript', async () => {
    manager = new TerminalManager(ssh)
    const changes: TerminalInfo[][] = []
    manager.onChanged(({ terminals }) => changes.push(terminals))
    const { id } = await manager.open({ kind: 'host', labId: null, cols: 80, rows: 24 })
    const out = watch(id)
    manager.input(id, 'echo transcript-me\r')
    await out.waitFor(/transcript-me[\s\S]*transcript-me/)
    manager.input(id, 'exit 3\r')
    const deadline = Date.now() + 10_000
    while (manager.list()[0]?.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(manager.list()[0]).toMatchObject({ id, exitCode: 3 })
    expect(changes.at(-1)?.[0]?.exitCode).toBe(3)
    const transcript = manager.transcript(id)
    expect(transcript.some((e) => e.direction === 'in' && e.text.includes('echo transcript-me'))).toBe(true)
    expect(transcript.some((e) => e.direction === 'out' && e.text.includes('transcript-me'))).toBe(true)
    manager.close(id)
    expect(manager.list()).toEqual([])
    expect(() => manager.input(id, 'x')).toThrow('That terminal is closed.')
  })
})

describe('VM shell terminals (over SSH)', () => {
  it('opens a PTY shell over the persistent connection, with resize', async () => {
    manager = new TerminalManager(ssh)
    const { id } = await manager.open({ kind: 'vm', labId: null, cols: 100, rows: 30 })
    const out = watch(id)
    manager.input(id, 'echo vm-$((2*21)); stty size\r')
    await out.waitFor(/vm-42[\s\S]*30 100/)
    manager.resize(id, 90, 20)
    manager.input(id, 'stty size\r')
    await out.waitFor('20 90')
  })

  it('says when the connection drops and gives the tab a new shell when it is back', async () => {
    manager = new TerminalManager(ssh)
    const { id } = await manager.open({ kind: 'vm', labId: null, cols: 80, rows: 24 })
    const out = watch(id)
    manager.input(id, 'echo first-shell\r')
    await out.waitFor(/first-shell[\s\S]*first-shell/)
    await sshd.stop()
    await out.waitFor('connection to the VM was lost')
    expect(manager.list()[0]?.connected).toBe(false)
    await sshd.start()
    await out.waitFor('reconnected', 30_000)
    expect(manager.list()[0]).toMatchObject({ connected: true, exitCode: null })
    manager.input(id, 'echo second-shell\r')
    await out.waitFor(/second-shell[\s\S]*second-shell/)
  }, 60_000)

  it('refuses a VM shell when there is no connection, with the fix', async () => {
    const offline = new SshConnection({ resolveTarget: async () => ({ host: '127.0.0.1', port: 1, username: 'x', privateKeyPath: '/nonexistent' }), hostKeyPin: { load: () => null, save: () => undefined } })
    manager = new TerminalManager(offline)
    await expect(manager.open({ kind: 'vm', labId: null, cols: 80, rows: 24 })).rejects.toThrow('The lab VM is not running')
  })
})
