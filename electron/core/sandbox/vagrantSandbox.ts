// The lab VM driven through the vagrant CLI: a state machine over Vagrant's own states, long
// operations (up, halt, snapshot restore, destroy) in a PTY with progress and a live log, and
// the one persistent SSH connection every other part of the core uses to reach the VM.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { PreflightReport, Settings, VmAction, VmState, VmStatus } from '../api'
import { AppError } from '../errors'
import { Emitter, type Disposer } from '../util/emitter'
import type { Sandbox } from './backend'
import { classifyVagrantFailure } from './failures'
import { parseMachineReadable, toVmState } from './machineReadable'
import { runPreflight } from './preflight'
import { UpProgress } from './progress'
import { SshConnection, type SshTarget } from './sshConnection'
import { runVagrant, type VagrantEnvironment } from './vagrantCli'
import { runVagrantInPty } from './vagrantPty'

export const VAGRANT_MISSING: VmStatus['error'] = {
  code: 'vm',
  message: 'Vagrant is not installed (or not on PATH).',
  fix: 'Install Vagrant 2.3 or newer and one provider (VirtualBox, libvirt, VMware or Parallels), then restart Chaos Lab.',
  details: [],
}

/** The snapshot taken right after the first successful provisioning; "Reset VM" restores it. */
export const CLEAN_SNAPSHOT = 'chaos-lab-clean'
/** How many log lines the core keeps for a panel that opens late. */
const LOG_LINES = 2000

const MINUTE = 60_000
/** Generous: a first start downloads a box and, under emulation, boots for minutes. */
const TIMEOUTS = { up: 60 * MINUTE, halt: 5 * MINUTE, destroy: 5 * MINUTE, snapshot: 15 * MINUTE }

export interface VagrantSandboxOptions {
  environment: VagrantEnvironment
  /** Folder for the VM's own state next to Vagrant's: the pinned host key. */
  stateDir: string
  /** Read at every start: resources and provider come from the user's settings. */
  settings: () => Settings
}

export class VagrantSandbox implements Sandbox {
  private status: VmStatus = { state: 'unknown', detail: 'Checking the VM…', error: null, action: null, connected: false, hasCleanSnapshot: false }
  private readonly events = new Emitter<{ status: VmStatus; log: string[] }>()
  private readonly logLines: string[] = []
  private busy: Promise<unknown> | null = null
  private versionText = ''
  readonly ssh: SshConnection

  constructor(private readonly options: VagrantSandboxOptions) {
    mkdirSync(options.stateDir, { recursive: true })
    const pinFile = join(options.stateDir, 'host-key-fingerprint')
    this.ssh = new SshConnection({
      resolveTarget: () => this.sshTarget(),
      hostKeyPin: {
        load: () => (existsSync(pinFile) ? readFileSync(pinFile, 'utf8').trim() || null : null),
        save: (fingerprint) => writeFileSync(pinFile, fingerprint + '\n'),
      },
    })
    this.ssh.onDidChangeState((state) => this.publish({ connected: state === 'connected' }))
  }

  get current(): VmStatus {
    return this.status
  }

  onDidChangeStatus(listener: (status: VmStatus) => void): Disposer {
    return this.events.on('status', listener)
  }

  onLog(listener: (lines: string[]) => void): Disposer {
    return this.events.on('log', listener)
  }

  recentLog(): string[] {
    return [...this.logLines]
  }

  preflight(): Promise<PreflightReport> {
    const settings = this.options.settings()
    return runPreflight({
      vagrant: this.environment(),
      dataDir: this.options.environment.dotfilePath,
      provider: settings.vmProvider,
      memoryMb: settings.vmMemoryMb,
      forwardedPorts: [],
    })
  }

  /** Asks Vagrant for the real state; connects SSH when the VM turns out to be running. */
  async refresh(): Promise<VmStatus> {
    const version = await runVagrant(this.environment(), ['--version'], 30_000)
    if (version.spawnError?.code === 'ENOENT') {
      return this.publish({ state: 'error', detail: 'Vagrant not found', error: VAGRANT_MISSING })
    }
    this.versionText = version.stdout.trim()
    const result = await runVagrant(this.environment(), ['status', '--machine-readable'])
    const records = parseMachineReadable(result.stdout)
    const state = records.find((r) => r.type === 'state')?.data[0]
    const provider = records.find((r) => r.type === 'provider-name')?.data[0]
    if (result.code !== 0 || !state) {
      const classified = classifyVagrantFailure(result.stdout + result.stderr, 'read the VM status')
      return this.publish({ state: 'error', detail: this.versionText, error: classified.error })
    }
    const vmState = toVmState(state)
    const hasCleanSnapshot = vmState === 'not-created' ? false : await this.hasCleanSnapshot()
    this.publish({ state: vmState, detail: [this.versionText, provider].filter(Boolean).join(' · '), error: null, hasCleanSnapshot })
    if (vmState === 'running') await this.ssh.open().catch(() => undefined)
    return this.status
  }

  /** `vagrant up`: creates, boots and provisions; snapshots the clean state the first time. */
  start(): Promise<VmStatus> {
    return this.exclusive('start', async () => {
      const settings = this.options.settings()
      const wasCreated = this.status.state !== 'not-created'
      if (!wasCreated) this.forgetHostKey()
      this.publish({ state: wasCreated ? 'starting' : 'creating', error: null })
      const progress = new UpProgress()
      const args = ['up', ...(settings.vmProvider === 'auto' ? [] : ['--provider', settings.vmProvider])]
      const run = await runVagrantInPty(
        this.environment(),
        args,
        {
          onRecord: (record) => {
            const phase = progress.next(record)
            if (!phase) return
            this.setPhase(phase.phase, phase.progress)
            if (phase.phase.startsWith('Provisioning') && this.status.state !== 'provisioning') this.publish({ state: 'provisioning' })
          },
          onLogLine: (line) => this.appendLog([line]),
        },
        TIMEOUTS.up,
      )
      if (run.code !== 0) return this.fail(run.output, run.spawnError, run.timedOut, 'start the VM')
      this.setPhase('Connecting', 0.96)
      await this.ssh.open()
      if (!(await this.hasCleanSnapshot())) {
        this.setPhase('Saving the clean snapshot', 0.97)
        await this.vagrantOrFail(['snapshot', 'save', CLEAN_SNAPSHOT], TIMEOUTS.snapshot, 'save the clean snapshot')
        await this.ssh.open()
      }
      return this.refresh()
    })
  }

  /** `vagrant halt`. */
  stop(): Promise<VmStatus> {
    return this.exclusive('stop', async () => {
      this.publish({ state: 'stopping' })
      this.ssh.close()
      await this.vagrantOrFail(['halt'], TIMEOUTS.halt, 'stop the VM')
      return this.refresh()
    })
  }

  /** Restores the clean snapshot: everything done in the VM since provisioning is gone. */
  reset(): Promise<VmStatus> {
    return this.exclusive('reset', async () => {
      if (!this.status.hasCleanSnapshot) {
        throw new AppError({ code: 'vm', message: 'There is no clean snapshot to reset to.', fix: 'Start the VM once: Chaos Lab saves the snapshot right after the first provisioning.' })
      }
      this.ssh.close()
      this.publish({ state: 'starting' })
      this.setPhase('Restoring the clean snapshot', null)
      await this.vagrantOrFail(['snapshot', 'restore', '--no-provision', CLEAN_SNAPSHOT], TIMEOUTS.snapshot, 'reset the VM')
      // Providers differ in whether the restored machine is left running: make sure it is.
      if ((await this.refresh()).state !== 'running') {
        this.setPhase('Booting', null)
        await this.vagrantOrFail(['up', '--no-provision'], TIMEOUTS.up, 'start the VM after the reset')
      }
      return this.refresh()
    })
  }

  /** `vagrant destroy -f`: the VM's disk and everything in it are gone. */
  destroy(): Promise<VmStatus> {
    return this.exclusive('destroy', async () => {
      this.ssh.close()
      this.publish({ state: 'stopping' })
      await this.vagrantOrFail(['destroy', '-f'], TIMEOUTS.destroy, 'destroy the VM')
      this.forgetHostKey()
      return this.refresh()
    })
  }

  dispose(): void {
    this.ssh.close()
  }

  private environment(): VagrantEnvironment {
    const settings = this.options.settings()
    return {
      ...this.options.environment,
      env: {
        CHAOS_LAB_CPUS: String(settings.vmCpus),
        CHAOS_LAB_MEMORY_MB: String(settings.vmMemoryMb),
        ...this.options.environment.env,
      },
    }
  }

  /** One long operation at a time: a second Start while booting would fight over the VM. */
  private async exclusive(kind: VmAction['kind'], work: () => Promise<VmStatus>): Promise<VmStatus> {
    if (this.busy) {
      throw new AppError({ code: 'vm', message: `The VM is busy: ${this.status.action?.phase ?? 'another operation is running'}.`, fix: 'Wait for it to finish (the VM panel shows its progress), then try again.' })
    }
    this.publish({ action: { kind, phase: 'Preparing', progress: null, startedAt: Date.now() } })
    this.appendLog([`── ${kind} ${new Date().toISOString()} ──`])
    const running = work()
    this.busy = running
    try {
      await running
    } catch (err) {
      // An operation that failed leaves the VM in whatever state Vagrant reports now.
      if (!(err instanceof AppError)) throw err
      const error = err.toInfo()
      await this.refresh().catch(() => undefined)
      this.publish({ error })
      throw err
    } finally {
      this.busy = null
      this.publish({ action: null })
    }
    // The status after the action is cleared: what the UI sees once the call resolves.
    return this.status
  }

  private async vagrantOrFail(args: string[], timeoutMs: number, action: string): Promise<void> {
    const run = await runVagrantInPty(this.environment(), args, { onLogLine: (line) => this.appendLog([line]) }, timeoutMs)
    if (run.code !== 0) this.fail(run.output, run.spawnError, run.timedOut, action)
  }

  private fail(output: string, spawnError: Error | null, timedOut: boolean, action: string): never {
    if (spawnError) throw new AppError(VAGRANT_MISSING!)
    const classified = classifyVagrantFailure(output, action)
    if (timedOut) classified.error.details.push(`Chaos Lab stopped Vagrant after waiting too long (${action}).`)
    throw new AppError(classified.error)
  }

  private async hasCleanSnapshot(): Promise<boolean> {
    const result = await runVagrant(this.environment(), ['snapshot', 'list', '--machine-readable'])
    if (result.code !== 0) return false
    return parseMachineReadable(result.stdout).some((r) => r.type === 'ui' && r.data.slice(1).join(',').split('\n').some((line) => line.trim() === CLEAN_SNAPSHOT))
  }

  private async sshTarget(): Promise<SshTarget> {
    const result = await runVagrant(this.environment(), ['ssh-config'], 60_000)
    if (result.code !== 0) {
      throw new AppError({ code: 'vm', message: 'Vagrant could not say how to reach the VM over SSH.', fix: 'Check in the VM panel that the VM is running.', details: result.stderr.trim().split('\n').slice(-5) })
    }
    return parseSshConfig(result.stdout)
  }

  private forgetHostKey(): void {
    rmSync(join(this.options.stateDir, 'host-key-fingerprint'), { force: true })
  }

  private setPhase(phase: string, progress: number | null): void {
    if (this.status.action) this.publish({ action: { ...this.status.action, phase, progress } })
  }

  private appendLog(lines: string[]): void {
    this.logLines.push(...lines)
    if (this.logLines.length > LOG_LINES) this.logLines.splice(0, this.logLines.length - LOG_LINES)
    this.events.emit('log', lines)
  }

  private publish(patch: Partial<VmStatus> & { state?: VmState }): VmStatus {
    this.status = { ...this.status, ...patch }
    if (patch.state !== undefined && patch.state !== 'running') this.status.connected = this.ssh?.state === 'connected'
    this.events.emit('status', this.status)
    return this.status
  }
}

/** The parts of `vagrant ssh-config` we need (values may be quoted when paths have spaces). */
export function parseSshConfig(text: string): SshTarget {
  const values = new Map<string, string>()
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(\w+)\s+(.+?)\s*$/.exec(line)
    if (!match) continue
    const key = match[1]!.toLowerCase()
    // The first IdentityFile is the one Vagrant uses.
    if (!values.has(key)) values.set(key, match[2]!.replace(/^"(.*)"$/, '$1'))
  }
  const host = values.get('hostname')
  const port = Number(values.get('port'))
  const username = values.get('user')
  const privateKeyPath = values.get('identityfile')
  if (!host || !Number.isInteger(port) || !username || !privateKeyPath) {
    throw new AppError({ code: 'vm', message: 'Vagrant gave an SSH configuration without a host, port, user or key.', fix: 'Restart the VM from the VM panel.', details: text.trim().split('\n') })
  }
  return { host, port, username, privateKeyPath }
}
