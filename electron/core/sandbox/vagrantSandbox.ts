import type { VmStatus } from '../api'
import { Emitter, type Disposer } from '../util/emitter'
import type { Sandbox } from './backend'
import { parseMachineReadable, toVmState } from './machineReadable'
import { runVagrant, type VagrantEnvironment } from './vagrantCli'

export const VAGRANT_MISSING: VmStatus['error'] = {
  code: 'vm',
  message: 'Vagrant is not installed (or not on PATH).',
  fix: 'Install Vagrant 2.3 or newer and one provider (VirtualBox, libvirt, VMware or Parallels), then restart Chaos Lab.',
  details: [],
}

export class VagrantSandbox implements Sandbox {
  private status: VmStatus = { state: 'unknown', detail: 'Checking the VM…', error: null }
  private readonly events = new Emitter<{ status: VmStatus }>()

  constructor(private readonly environment: VagrantEnvironment) {}

  get current(): VmStatus {
    return this.status
  }

  onDidChangeStatus(listener: (status: VmStatus) => void): Disposer {
    return this.events.on('status', listener)
  }

  async refresh(): Promise<VmStatus> {
    const version = await runVagrant(this.environment, ['--version'], 30_000)
    if (version.spawnError?.code === 'ENOENT') {
      return this.publish({ state: 'error', detail: 'Vagrant not found', error: VAGRANT_MISSING })
    }
    const versionText = version.stdout.trim().replace(/^Vagrant\s+/, 'Vagrant ')
    const result = await runVagrant(this.environment, ['status', '--machine-readable'])
    const records = parseMachineReadable(result.stdout)
    const state = records.find((r) => r.type === 'state')?.data[0]
    const provider = records.find((r) => r.type === 'provider-name')?.data[0]
    if (result.code !== 0 || !state) {
      const errorLines = records.filter((r) => r.type === 'error-exit').flatMap((r) => r.data.slice(1))
      return this.publish({
        state: 'error',
        detail: versionText,
        error: {
          code: 'vm',
          message: 'Vagrant could not report the VM status.',
          fix: 'Open the VM panel and run the pre-flight checks; they say which part of the set-up is missing.',
          details: (errorLines.length > 0 ? errorLines.join('\n') : result.stderr).split('\n').filter(Boolean).slice(-12),
        },
      })
    }
    return this.publish({ state: toVmState(state), detail: [versionText, provider].filter(Boolean).join(' · '), error: null })
  }

  dispose(): void {}

  private publish(status: VmStatus): VmStatus {
    this.status = status
    this.events.emit('status', status)
    return status
  }
}
