// What runs behind a terminal tab: a process on this computer in a PTY (node-pty), or a shell
// in the lab VM on a channel of the persistent SSH connection. Both look the same to the
// session: text out, text in, a size, pause/resume for flow control, an exit.
import { StringDecoder } from 'node:string_decoder'
import { homedir } from 'node:os'
import { spawn as spawnPty, type IPty } from 'node-pty'
import type { ClientChannel } from 'ssh2'
import type { SshConnection } from '../sandbox/sshConnection'

export interface TerminalProcess {
  write(data: string): void
  resize(cols: number, rows: number): void
  /** Stop reading output (the producer blocks once buffers fill); resume reads again. */
  pause(): void
  resume(): void
  kill(): void
  onData(listener: (data: string) => void): void
  /** The process ended for good; code null when it was killed by a signal. */
  onExit(listener: (code: number | null) => void): void
  /** VM shells only: the connection to the VM went away (false) or a new shell is up (true). */
  onConnection?(listener: (connected: boolean) => void): void
}

/** A shell (or any command) on this computer, in a real PTY. */
export function hostProcess(options: { cols: number; rows: number; command?: string; args?: string[] }): TerminalProcess {
  const shell = options.command ?? process.env.SHELL ?? '/bin/bash'
  const pty: IPty = spawnPty(shell, options.args ?? [], {
    name: 'xterm-256color',
    cols: options.cols,
    rows: options.rows,
    cwd: homedir(),
    env: { ...process.env, TERM: 'xterm-256color', COLORTERM: 'truecolor' } as Record<string, string>,
  })
  return {
    write: (data) => pty.write(data),
    resize: (cols, rows) => pty.resize(cols, rows),
    pause: () => pty.pause(),
    resume: () => pty.resume(),
    kill: () => pty.kill(),
    onData: (listener) => void pty.onData(listener),
    onExit: (listener) => void pty.onExit(({ exitCode, signal }) => listener(signal ? null : exitCode)),
  }
}

/**
 * A login shell in the VM. If the connection to the VM drops, the shell is gone with it; this
 * process then waits for the connection to come back and opens a new shell in the same tab,
 * saying so in the output, rather than ending the tab.
 */
export async function vmShellProcess(ssh: SshConnection, options: { cols: number; rows: number }): Promise<TerminalProcess> {
  let size = { cols: options.cols, rows: options.rows }
  let channel: ClientChannel | null = null
  let killed = false
  let paused = false
  const dataListeners: ((data: string) => void)[] = []
  const exitListeners: ((code: number | null) => void)[] = []
  const connectionListeners: ((connected: boolean) => void)[] = []
  const emit = (data: string): void => dataListeners.forEach((l) => l(data))

  const attach = async (): Promise<void> => {
    const opened = await ssh.shell(size)
    channel = opened
    if (paused) opened.pause()
    // One decoder per stream: a multi-byte character may be split across two chunks.
    const out = new StringDecoder('utf8')
    const err = new StringDecoder('utf8')
    let exitCode: number | null | undefined
    opened.on('data', (chunk: Buffer) => emit(out.write(chunk)))
    opened.stderr.on('data', (chunk: Buffer) => emit(err.write(chunk)))
    opened.on('exit', (code: number | null) => (exitCode = typeof code === 'number' ? code : null))
    opened.on('close', () => {
      if (channel === opened) channel = null
      if (killed) return
      if (exitCode !== undefined) {
        exitListeners.forEach((l) => l(exitCode ?? null))
        return
      }
      // No exit status: the connection went, not the shell's own choice.
      connectionListeners.forEach((l) => l(false))
      emit('\r\n\x1b[33m[Chaos Lab: the connection to the VM was lost; a new shell opens here when it is back]\x1b[0m\r\n')
      void reopen()
    })
  }
  const reopen = async (): Promise<void> => {
    for (let attempt = 0; !killed; attempt++) {
      try {
        await attach()
        connectionListeners.forEach((l) => l(true))
        emit('\x1b[32m[Chaos Lab: reconnected; this is a new shell]\x1b[0m\r\n')
        return
      } catch {
        // ssh.shell waits for the connection itself; a failure means it gave up for now.
        await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** attempt)))
      }
    }
  }
  await attach()

  return {
    write: (data) => channel?.write(data),
    resize: (cols, rows) => {
      size = { cols, rows }
      channel?.setWindow(rows, cols, 0, 0)
    },
    pause: () => {
      paused = true
      channel?.pause()
    },
    resume: () => {
      paused = false
      channel?.resume()
    },
    kill: () => {
      killed = true
      channel?.close()
    },
    onData: (listener) => void dataListeners.push(listener),
    onExit: (listener) => void exitListeners.push(listener),
    onConnection: (listener) => void connectionListeners.push(listener),
  }
}
