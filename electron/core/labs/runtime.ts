// Running a lab in the VM: upload its files and scripts, run setup and cleanup as root, run step
// checks (once on click, or continuously about once a second while the step is open, never
// piling up), Skip (the step's solve), and its faults through the ledger.
import { readFileSync } from 'node:fs'
import { join, posix } from 'node:path'
import { AppError } from '../errors'
import type { FaultLedger } from '../safety/ledger'
import type { ExecResult, SshConnection } from '../sandbox/sshConnection'
import { Emitter, type Disposer } from '../util/emitter'
import type { LoadedLab } from './loader'
import type { LabManifest } from './schema'

export const REMOTE_LABS_ROOT = '/opt/chaos-lab/labs'
const CHECK_INTERVAL_MS = 1_000
const SETUP_TIMEOUT_MS = 10 * 60_000

type ScriptRef = { script?: string; run?: string }

export interface CheckResult {
  labId: string
  stepId: string
  /** Passed now (and, with holdSeconds, for long enough). */
  passed: boolean
  /** Passing right now, even if not yet for the whole hold time. */
  passingNow: boolean
  /** The check's last output line: what the learner reads. */
  message: string
  /** Seconds it has kept passing, and how long it must (0 when no hold). */
  heldSeconds: number
  holdSeconds: number
  exitCode: number | null
  timedOut: boolean
  ms: number
  at: number
}

export type LabRuntimeEvents = {
  check: CheckResult
  /** Progress of setup/cleanup, in words. */
  phase: { labId: string; phase: string; done: boolean; error: string | null }
}

export class LabRuntime {
  private readonly events = new Emitter<LabRuntimeEvents>()
  private watching: { labId: string; stepId: string; stop: () => void } | null = null
  /** When each step's check started passing without a break (for holdSeconds). */
  private readonly passingSince = new Map<string, number>()

  constructor(
    private readonly ssh: SshConnection,
    private readonly ledger: FaultLedger,
    private readonly remoteRoot: string = REMOTE_LABS_ROOT,
  ) {}

  on<K extends keyof LabRuntimeEvents>(name: K, listener: (payload: LabRuntimeEvents[K]) => void): Disposer {
    return this.events.on(name, listener)
  }

  remoteDir(labId: string): string {
    return posix.join(this.remoteRoot, labId)
  }

  /** Uploads the lab's files and scripts, then runs its setup (idempotent) as root. */
  async setup(lab: LoadedLab): Promise<void> {
    const id = lab.manifest.id
    const phase = (text: string, done = false, error: string | null = null): void => this.events.emit('phase', { labId: id, phase: text, done, error })
    try {
      phase('Uploading the lab files')
      for (const file of lab.manifest.files) {
        const to = file.to ?? posix.join(this.remoteDir(id), file.from)
        await this.ssh.upload(readFileSync(join(lab.dir, 'files', file.from)), to, { mode: parseInt(file.mode, 8), user: 'root' })
      }
      for (const script of scriptsOf(lab.manifest)) {
        await this.ssh.upload(readFileSync(join(lab.dir, script)), posix.join(this.remoteDir(id), script), { mode: 0o755, user: 'root' })
      }
      if (lab.manifest.setup) {
        phase('Running the lab setup')
        await this.runOrFail(id, lab.manifest.setup, SETUP_TIMEOUT_MS, 'set up the lab')
      }
      phase('Ready', true)
    } catch (err) {
      phase('Setup failed', true, err instanceof Error ? err.message : String(err))
      throw err
    }
  }

  /** Leaving the lab's view: its checks stop and its faults are reverted (newest first). */
  async leave(lab: LoadedLab): Promise<void> {
    this.unwatch()
    const id = lab.manifest.id
    for (const entry of [...this.ledger.current].reverse()) {
      if (entry.id.startsWith(`${id}:`)) await this.ledger.revert(entry.id)
    }
  }

  /** Reverts the lab's faults still in the ledger, then runs its cleanup. */
  async cleanup(lab: LoadedLab): Promise<void> {
    await this.leave(lab)
    const id = lab.manifest.id
    if (lab.manifest.cleanup) await this.runOrFail(id, lab.manifest.cleanup, SETUP_TIMEOUT_MS, 'clean up the lab')
    this.events.emit('phase', { labId: id, phase: 'Cleaned up', done: true, error: null })
  }

  /** Runs a step's check once. */
  async check(lab: LoadedLab, stepId: string): Promise<CheckResult> {
    const step = findStep(lab, stepId)
    if (!step.check) throw new AppError({ code: 'bad-request', message: `Step "${stepId}" has no check.`, fix: 'Nothing to check here: move on to the next step.' })
    const check = step.check
    const result = await this.exec(lab.manifest.id, check, check.timeoutSeconds * 1000)
    const key = `${lab.manifest.id}/${stepId}`
    const now = Date.now()
    const passingNow = result.code === 0
    if (!passingNow) this.passingSince.delete(key)
    else if (!this.passingSince.has(key)) this.passingSince.set(key, now)
    const heldSeconds = passingNow ? (now - this.passingSince.get(key)!) / 1000 : 0
    const checkResult: CheckResult = {
      labId: lab.manifest.id,
      stepId,
      passed: passingNow && heldSeconds >= check.holdSeconds,
      passingNow,
      message: lastLine(result),
      heldSeconds,
      holdSeconds: check.holdSeconds,
      exitCode: result.code,
      timedOut: result.timedOut,
      ms: Math.round(result.ms),
      at: now,
    }
    this.events.emit('check', checkResult)
    return checkResult
  }

  /**
   * Checks a step about once a second until unwatch() or another step is watched. One run at a
   * time: a slow check delays the next instead of stacking up behind it.
   */
  watch(lab: LoadedLab, stepId: string): void {
    this.unwatch()
    const step = findStep(lab, stepId)
    if (!step.check || step.check.mode !== 'continuous') return
    let active = true
    let timer: NodeJS.Timeout | null = null
    const loop = async (): Promise<void> => {
      const started = Date.now()
      try {
        await this.check(lab, stepId)
      } catch {
        // A lost connection: the next round retries; the UI shows the VM state.
      }
      if (active) timer = setTimeout(() => void loop(), Math.max(0, CHECK_INTERVAL_MS - (Date.now() - started)))
    }
    this.watching = {
      labId: lab.manifest.id,
      stepId,
      stop: () => {
        active = false
        if (timer) clearTimeout(timer)
      },
    }
    void loop()
  }

  unwatch(): void {
    this.watching?.stop()
    this.watching = null
  }

  get watched(): { labId: string; stepId: string } | null {
    return this.watching ? { labId: this.watching.labId, stepId: this.watching.stepId } : null
  }

  /** Skip: does the step for the learner. */
  async solve(lab: LoadedLab, stepId: string): Promise<void> {
    const step = findStep(lab, stepId)
    if (!step.solve) throw new AppError({ code: 'bad-request', message: `Step "${stepId}" cannot be skipped: it has no solve script.`, fix: 'Follow the step, or read its solution.' })
    await this.runOrFail(lab.manifest.id, step.solve, 5 * 60_000, `skip step "${stepId}"`)
  }

  async injectFault(lab: LoadedLab, faultId: string): Promise<void> {
    const fault = lab.manifest.faults.find((f) => f.id === faultId)
    if (!fault) throw new AppError({ code: 'not-found', message: `The lab has no fault "${faultId}".`, fix: 'Pick one of the faults this lab declares.' })
    await this.ledger.inject({ id: `${lab.manifest.id}:${fault.id}`, label: `${fault.title} (${fault.target})`, inject: fault.inject, revert: fault.revert, timeoutSeconds: fault.timeoutSeconds })
  }

  dispose(): void {
    this.unwatch()
  }

  private exec(labId: string, ref: ScriptRef, timeoutMs: number): Promise<ExecResult> {
    const dir = this.remoteDir(labId)
    const command = ref.script !== undefined ? `sh ${posix.join(dir, ref.script)}` : ref.run!
    // Scripts run from the lab's folder in the VM, so they can use their files by relative path.
    return this.ssh.exec(`mkdir -p ${dir} && cd ${dir} && ${command}`, { user: 'root', timeoutMs, env: { CHAOS_LAB_LAB_DIR: dir } })
  }

  private async runOrFail(labId: string, ref: ScriptRef, timeoutMs: number, what: string): Promise<ExecResult> {
    const result = await this.exec(labId, ref, timeoutMs)
    if (result.code !== 0) {
      throw new AppError({
        code: 'vm',
        message: `Could not ${what}: ${result.timedOut ? `it did not finish within ${Math.round(timeoutMs / 1000)} s` : `the script exited with ${result.code}`}.`,
        fix: 'Read the output below; if the VM was reset or rebuilt, start the lab again.',
        details: (result.stderr + result.stdout).trim().split('\n').filter(Boolean).slice(-12),
      })
    }
    return result
  }
}

function findStep(lab: LoadedLab, stepId: string): LabManifest['steps'][number] {
  const step = lab.manifest.steps.find((s) => s.id === stepId)
  if (!step) throw new AppError({ code: 'not-found', message: `The lab has no step "${stepId}".`, fix: 'Reopen the lab from the catalogue.' })
  return step
}

/** Every script file the lab refers to (setup, cleanup, checks, solves). */
function scriptsOf(manifest: LabManifest): string[] {
  const refs: (ScriptRef | undefined)[] = [manifest.setup, manifest.cleanup, ...manifest.steps.flatMap((s) => [s.check, s.solve])]
  return [...new Set(refs.map((r) => r?.script).filter((s): s is string => s !== undefined))]
}

function lastLine(result: ExecResult): string {
  const line = (text: string): string | undefined => text.trim().split('\n').filter((l) => l.trim() !== '').at(-1)
  if (result.timedOut) return 'The check did not finish in time.'
  return line(result.stdout) ?? line(result.stderr) ?? (result.code === 0 ? 'Passed.' : `Not yet (exit status ${result.code}).`)
}
