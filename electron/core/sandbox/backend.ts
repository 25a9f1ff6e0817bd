// The sandbox: the lab VM as the rest of the core sees it. The Vagrant implementation
// (vagrantSandbox.ts) drives the vagrant CLI; everything else reaches the VM through `ssh`.
import type { PreflightReport, VmStatus } from '../api'
import type { Disposer } from '../util/emitter'
import type { SshConnection } from './sshConnection'

export interface Sandbox {
  /** Last known status, without asking Vagrant. */
  readonly current: VmStatus
  /** The persistent connection to the VM: checks, uploads, shells and forwards. */
  readonly ssh: SshConnection
  /** Ask Vagrant for the real state and publish it. */
  refresh(): Promise<VmStatus>
  preflight(): Promise<PreflightReport>
  start(): Promise<VmStatus>
  stop(): Promise<VmStatus>
  reset(): Promise<VmStatus>
  destroy(): Promise<VmStatus>
  /** The latest lines of Vagrant's output, oldest first. */
  recentLog(): string[]
  onDidChangeStatus(listener: (status: VmStatus) => void): Disposer
  onLog(listener: (lines: string[]) => void): Disposer
  dispose(): void
}
