// The fault ledger. Every fault a lab injects goes through here, and the record of it lives in
// the VM, with the guest agent (vagrant/guest/chaos-lab-agent): the revert is registered with
// the agent BEFORE the inject runs, so whatever happens to the app afterwards (a crash, a lost
// connection, a quit) the agent can still undo it. Halt-all asks the agent to revert everything
// in reverse order. While the ledger is not empty the app sends the agent a heartbeat; without
// one for the agent's timeout (30 s), the agent reverts on its own: the dead-man's switch.
import { AppError } from '../errors'
import { shellQuote, type SshConnection } from '../sandbox/sshConnection'
import { Emitter, type Disposer } from '../util/emitter'

export interface LedgerEntry {
  id: string
  label: string
  revert: string
  seq: number
  /** ISO time the agent recorded it. */
  added_at: string
}

export interface FaultSpec {
  /** Unique while injected: "<lab>:<fault>". */
  id: string
  /** What and where, for people: "100 ms netem delay on lo". */
  label: string
  inject: string
  revert: string
  timeoutSeconds: number
}

export interface RevertReport {
  reverted: string[]
  failed: { id: string; code: number | null; stderr: string }[]
}

/** A revert-all the agent did by itself, as `heartbeat` and `status` report it. */
export interface AgentRevert {
  at: string
  reason: string
  reverted: string[]
}

interface HeartbeatAnswer {
  ok: boolean
  /** Faults in the VM's ledger (agents before this field: absent). */
  entries?: number
  last_revert?: AgentRevert | null
}

export const AGENT = '/usr/local/bin/chaos-lab-agent'
const HEARTBEAT_MS = 5_000

export class FaultLedger {
  private entries: LedgerEntry[] = []
  private heartbeat: NodeJS.Timeout | null = null
  private readonly events = new Emitter<{ changed: LedgerEntry[]; 'reverted-in-vm': AgentRevert }>()
  /** The agent's last revert-all that this app has heard of (its `at`), so each is told once. */
  private lastRevertSeen: string | null = null

  constructor(
    private readonly ssh: SshConnection,
    /** The agent command, as words; tests run the repository copy with its own root. */
    private readonly agent: string[] = [AGENT],
  ) {}

  get current(): LedgerEntry[] {
    return [...this.entries]
  }

  onChanged(listener: (entries: LedgerEntry[]) => void): Disposer {
    return this.events.on('changed', listener)
  }

  /** The VM reverted faults by itself (the dead-man's switch, or revert-all run in a shell). */
  onRevertedInVm(listener: (revert: AgentRevert) => void): Disposer {
    return this.events.on('reverted-in-vm', listener)
  }

  /** Reads the ledger from the VM (after a reconnect or an app restart it may hold faults). */
  async refresh(): Promise<LedgerEntry[]> {
    const list = await this.callAgent<LedgerEntry[] | { entries: LedgerEntry[] }>('list')
    this.set(Array.isArray(list) ? list : list.entries)
    return this.current
  }

  async inject(fault: FaultSpec): Promise<void> {
    await this.callAgent('add', '--id', fault.id, '--label', fault.label, '--revert', fault.revert, '--timeout', String(fault.timeoutSeconds))
    await this.refresh()
    const result = await this.ssh.exec(fault.inject, { user: 'root', timeoutMs: fault.timeoutSeconds * 1000 })
    if (result.code !== 0) {
      // Undo whatever part of it took, and tell the learner why nothing changed.
      await this.revert(fault.id).catch(() => undefined)
      throw new AppError({
        code: 'vm',
        message: `Could not inject "${fault.label}": the command ${result.timedOut ? 'timed out' : `exited with ${result.code}`}.`,
        fix: 'Check that the lab was set up (run its setup again), then try once more.',
        details: [`$ ${fault.inject}`, ...lastLines(result.stderr || result.stdout)],
      })
    }
  }

  /** Reverts one fault (the learner's own undo, or a step ending). */
  async revert(id: string): Promise<void> {
    const entry = this.entries.find((e) => e.id === id)
    if (!entry) return
    const result = await this.ssh.exec(entry.revert, { user: 'root', timeoutMs: 30_000 })
    if (result.code !== 0) {
      throw new AppError({ code: 'vm', message: `Could not revert "${entry.label}".`, fix: 'Press Halt to revert everything, or reset the VM.', details: [`$ ${entry.revert}`, ...lastLines(result.stderr || result.stdout)] })
    }
    await this.callAgent('remove', '--id', id)
    await this.refresh()
  }

  /** Reverts everything, newest first, in the VM. Failures are reported, never hidden. */
  async haltAll(reason: string): Promise<RevertReport> {
    // The agent exits 1 when a revert failed, with the report: that is an answer, not an error.
    const report = await this.callAgent<RevertReport>('revert-all', '--reason', reason)
    await this.refresh()
    return report
  }

  dispose(): void {
    this.stopHeartbeat()
  }

  private set(entries: LedgerEntry[]): void {
    this.entries = [...entries].sort((a, b) => a.seq - b.seq)
    if (this.entries.length > 0) this.startHeartbeat()
    else this.stopHeartbeat()
    this.events.emit('changed', this.current)
  }

  private startHeartbeat(): void {
    this.heartbeat ??= setInterval(() => {
      // A missed beat is not an error: the agent tolerates several, and the connection heals.
      // Not through sudo: a beat every 5 s would fill the guest's journal with sudo lines.
      void this.callAgent<HeartbeatAnswer>('heartbeat')
        .then((answer) => this.compareWithVm(answer))
        .catch(() => undefined)
    }, HEARTBEAT_MS)
  }

  /**
   * The agent answers a beat with how many faults its ledger holds. Fewer than ours: the VM
   * undid some by itself (its dead-man's switch tripped while beats were late, or someone ran
   * revert-all in a shell). Read the ledger again so the app stops showing them as injected,
   * and tell why.
   */
  private compareWithVm(answer: HeartbeatAnswer): void {
    if (typeof answer?.entries !== 'number' || answer.entries === this.entries.length) return
    const revert = answer.last_revert
    if (revert && revert.at !== this.lastRevertSeen && Array.isArray(revert.reverted) && revert.reverted.some((id) => this.entries.some((e) => e.id === id))) {
      this.lastRevertSeen = revert.at
      this.events.emit('reverted-in-vm', { at: revert.at, reason: String(revert.reason ?? ''), reverted: revert.reverted.map(String) })
    }
    void this.refresh().catch(() => undefined)
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat)
    this.heartbeat = null
  }

  private async callAgent<T = unknown>(...args: string[]): Promise<T> {
    const asRoot = args[0] !== 'heartbeat'
    const result = await this.ssh.exec([...this.agent, ...args].map(shellQuote).join(' '), { user: asRoot ? 'root' : undefined, timeoutMs: 120_000 })
    let parsed: unknown
    try {
      parsed = JSON.parse(result.stdout)
    } catch {
      parsed = null
    }
    const isReport = parsed !== null && Array.isArray((parsed as { reverted?: unknown }).reverted)
    if ((result.code !== 0 && !isReport) || parsed === null) {
      const reported = parsed as { error?: string; fix?: string } | null
      throw new AppError({
        code: 'vm',
        message: reported?.error ?? `The guest agent did not answer "${args[0]}".`,
        fix: reported?.fix ?? 'The VM may not be fully provisioned: start it again from the VM panel (provisioning installs the agent).',
        details: lastLines(result.stderr || result.stdout),
      })
    }
    return parsed as T
  }
}

function lastLines(text: string, count = 8): string[] {
  return text.trim().split('\n').filter(Boolean).slice(-count)
}
