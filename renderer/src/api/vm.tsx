// The VM status, loaded once for the whole window and shared through a context: the status bar,
// the catalogue's first-run banner and the VM panel all read the same snapshot, so they can
// never disagree and the core is asked once per change, not once per component.
import { createContext, useContext, type ReactNode } from 'react'
import type { VmAction, VmState, VmStatus } from '../../../electron/core/api'
import { useSnapshot, type Snapshot } from './hooks'

/**
 * The core does not run its replies through zod, so the fields the contract gives defaults for
 * (action, connected, hasCleanSnapshot) may be missing on the wire, e.g. from an older core.
 * Fill them here so every component can rely on the documented shape.
 */
export function normalizeVmStatus(raw: VmStatus): VmStatus {
  return { ...raw, action: raw.action ?? null, connected: raw.connected ?? false, hasCleanSnapshot: raw.hasCleanSnapshot ?? false }
}

const VmStatusContext = createContext<Snapshot<VmStatus>>({ status: 'loading' })

/** Once, around the whole app. Re-reads on every vm:state-changed and on reconnect. */
export function VmStatusProvider({ children }: { children: ReactNode }): ReactNode {
  const [vm] = useSnapshot((c) => c.call('vm:status').then(normalizeVmStatus), ['vm:state-changed'], [])
  return <VmStatusContext.Provider value={vm}>{children}</VmStatusContext.Provider>
}

export function useVmStatus(): Snapshot<VmStatus> {
  return useContext(VmStatusContext)
}

/** Short labels for the status bar. */
export const VM_SHORT_LABEL: Record<VmState, string> = {
  unknown: 'Checking VM…',
  'not-created': 'VM not created',
  creating: 'Creating VM…',
  starting: 'Starting VM…',
  provisioning: 'Provisioning VM…',
  running: 'VM running',
  stopping: 'Stopping VM…',
  stopped: 'VM stopped',
  suspended: 'VM suspended',
  error: 'VM problem',
}

/** Plain-words labels and one-line explanations for the VM panel. */
export const VM_STATE_TEXT: Record<VmState, { label: string; explain: string }> = {
  unknown: { label: 'Checking…', explain: 'Asking Vagrant about the VM. This takes a few seconds.' },
  'not-created': {
    label: 'Not set up yet',
    explain: 'Start creates a local Debian VM for the labs: about 1 GB to download and several minutes the first time.',
  },
  creating: { label: 'Creating', explain: 'Vagrant is creating the VM. The first time includes downloading its disk image.' },
  starting: { label: 'Starting', explain: 'The VM is booting. This usually takes under a minute.' },
  provisioning: { label: 'Installing the lab tools', explain: 'The VM is up; the tools the labs need are being installed in it.' },
  running: { label: 'Running', explain: 'The VM is up. Labs can run commands and inject faults in it.' },
  stopping: { label: 'Stopping', explain: 'The VM is shutting down.' },
  stopped: { label: 'Stopped', explain: 'The VM is switched off; its disk is kept. Start brings it back in under a minute.' },
  suspended: { label: 'Suspended', explain: 'The VM is paused with its memory saved. Start resumes it.' },
  error: { label: 'Needs attention', explain: 'Something went wrong with the VM or its set-up.' },
}

export const ACTION_LABEL: Record<VmAction['kind'], string> = {
  start: 'Starting the VM',
  stop: 'Stopping the VM',
  reset: 'Resetting the VM',
  destroy: 'Destroying the VM',
}

/**
 * Whether the first-run "Set up your lab VM" invitation applies. The contract has no "a VM
 * exists" flag, so an error with no clean snapshot is read as "never got as far as a working
 * VM": the same first step (open the panel, run the checks, start) is the right advice.
 */
export function needsSetup(status: VmStatus): boolean {
  return status.state === 'not-created' || (status.state === 'error' && !status.hasCleanSnapshot)
}

/**
 * Whether commands can run in the VM now (running and the core's SSH connection is up), and if
 * not, why, in the words the disabled buttons show as their tooltip. One source for every
 * VM-side action, so the terminal, the lab bar and the step buttons all give the same reason.
 */
export function vmReadiness(vm: Snapshot<VmStatus>): { ready: boolean; reason: string } {
  const running = vm.status === 'ready' && vm.value.state === 'running'
  if (running && vm.value.connected) return { ready: true, reason: '' }
  return {
    ready: false,
    reason: running ? 'The VM is running but Chaos Lab is not connected to it yet.' : 'Start the lab VM first (Lab VM panel, Ctrl+Shift+V).',
  }
}

export function useVmReady(): { ready: boolean; reason: string } {
  return vmReadiness(useVmStatus())
}
