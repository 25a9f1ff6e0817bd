// All terminals of the app. They live here, in the core, not in a window: closing or reloading
// a window leaves them running, and any window can attach to them again.
import { randomUUID } from 'node:crypto'
import type { TerminalInfo, TerminalKind } from '../api'
import { AppError } from '../errors'
import type { SshConnection } from '../sandbox/sshConnection'
import { Emitter, type Disposer } from '../util/emitter'
import { hostProcess, vmShellProcess, type TerminalProcess } from './processes'
import { TerminalSession, type TranscriptEntry } from './session'

/** More is almost certainly a runaway script opening tabs; each costs a process and a mirror. */
const MAX_TERMINALS = 32

export interface OpenOptions {
  kind: TerminalKind
  labId: string | null
  title?: string
  cols: number
  rows: number
}

export class TerminalManager {
  private readonly sessions = new Map<string, TerminalSession>()
  private readonly events = new Emitter<{ data: { id: string; seq: number; data: string }; changed: { terminals: TerminalInfo[] } }>()
  private counters: Record<TerminalKind, number> = { vm: 0, host: 0 }

  constructor(private readonly ssh: SshConnection) {}

  onData(listener: (event: { id: string; seq: number; data: string }) => void): Disposer {
    return this.events.on('data', listener)
  }

  onChanged(listener: (event: { terminals: TerminalInfo[] }) => void): Disposer {
    return this.events.on('changed', listener)
  }

  list(): TerminalInfo[] {
    return [...this.sessions.values()].map((s) => s.snapshotInfo)
  }

  async open(options: OpenOptions): Promise<TerminalInfo> {
    if (this.sessions.size >= MAX_TERMINALS) {
      throw new AppError({ code: 'bad-request', message: `${MAX_TERMINALS} terminals are open already.`, fix: 'Close some terminal tabs first.' })
    }
    let process: TerminalProcess
    if (options.kind === 'vm') {
      if (this.ssh.state !== 'connected') {
        throw new AppError({ code: 'vm', message: 'The lab VM is not running, so there is no shell to open in it.', fix: 'Start the VM from the VM panel (Ctrl+Shift+V), or open a host shell.' })
      }
      process = await vmShellProcess(this.ssh, options)
    } else {
      try {
        process = hostProcess(options)
      } catch (err) {
        throw new AppError({ code: 'internal', message: 'Could not start a shell on this computer.', fix: 'Check that your SHELL (or /bin/bash) exists and can run.', details: [String(err)] })
      }
    }
    const id = randomUUID()
    const number = ++this.counters[options.kind]
    const title = options.title ?? `${options.kind === 'vm' ? 'VM shell' : 'Host shell'} ${number}`
    const session = new TerminalSession(id, { ...options, title }, process, {
      data: (sessionId, seq, data) => this.events.emit('data', { id: sessionId, seq, data }),
      changed: () => this.changed(),
    })
    this.sessions.set(id, session)
    this.changed()
    return session.snapshotInfo
  }

  attach(id: string): Promise<{ info: TerminalInfo; screen: string; seq: number }> {
    return this.get(id).attach()
  }

  input(id: string, data: string): void {
    this.get(id).input(data)
  }

  resize(id: string, cols: number, rows: number): void {
    this.get(id).resize(cols, rows)
  }

  acknowledge(id: string, chars: number): void {
    // An ack for a terminal closed a moment ago is normal, not an error.
    this.sessions.get(id)?.acknowledge(chars)
  }

  rename(id: string, title: string): TerminalInfo {
    const info = this.get(id).rename(title)
    this.changed()
    return info
  }

  close(id: string): void {
    const session = this.sessions.get(id)
    if (!session) return
    this.sessions.delete(id)
    session.close()
    this.changed()
  }

  transcript(id: string): TranscriptEntry[] {
    return this.get(id).transcript()
  }

  /** For tests and the benchmark: the flow-control state of one terminal. */
  flowState(id: string): { unacknowledged: number; paused: boolean } {
    const session = this.get(id)
    return { unacknowledged: session.unacknowledgedChars, paused: session.isPaused }
  }

  dispose(): void {
    for (const session of this.sessions.values()) session.close()
    this.sessions.clear()
  }

  private get(id: string): TerminalSession {
    const session = this.sessions.get(id)
    if (!session) throw new AppError({ code: 'not-found', message: 'That terminal is closed.', fix: 'Open a new terminal tab.' })
    return session
  }

  private changed(): void {
    this.events.emit('changed', { terminals: this.list() })
  }
}
