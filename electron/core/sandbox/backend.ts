// The sandbox: the lab VM as the rest of the core sees it. One interface, one factory
// (createSandbox); the Vagrant implementation drives the vagrant CLI.
import type { VmStatus } from '../api'
import type { Disposer } from '../util/emitter'

export interface Sandbox {
  /** Last known status, without asking Vagrant. */
  readonly current: VmStatus
  /** Ask Vagrant for the real state and publish it. */
  refresh(): Promise<VmStatus>
  onDidChangeStatus(listener: (status: VmStatus) => void): Disposer
  dispose(): void
}
