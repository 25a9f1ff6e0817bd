import type { ReactNode } from 'react'
import type { VmState } from '../../../electron/core/api'
import { useClient, useConnection, useSnapshot } from '../api/hooks'
import { useVmStatus, VM_SHORT_LABEL } from '../api/vm'
import { VmProgressCompact } from './VmProgress'

export function StatusBar({ onShowShortcuts, onOpenVm }: { onShowShortcuts: () => void; onOpenVm: () => void }): ReactNode {
  const client = useClient()
  const connection = useConnection()
  const vm = useVmStatus()
  const [info] = useSnapshot((c) => c.call('app:info'), [], [])
  const state: VmState = vm.status === 'ready' ? vm.value.state : 'unknown'
  const action = vm.status === 'ready' ? vm.value.action : null
  const problem = vm.status === 'ready' && vm.value.error ? ` ${vm.value.error.message} ${vm.value.error.fix}` : ''

  return (
    <footer className="status-bar" aria-label="Status">
      {/* The VM state is also the way into the VM panel: where people look when it is wrong. */}
      <button type="button" className="status-item link vm-state" data-testid="vm-state" data-state={state} onClick={onOpenVm} title={`Open the VM panel (Ctrl+Shift+V).${problem}`}>
        <span className={`dot dot-${state}`} aria-hidden="true" />
        {VM_SHORT_LABEL[state]}
        {/* While an operation runs its phase says more than the static detail line. */}
        {!action && vm.status === 'ready' && vm.value.detail && <span className="muted">· {vm.value.detail}</span>}
      </button>
      {action && <VmProgressCompact action={action} />}
      <span className="spacer" />
      {connection !== 'open' && (
        <span className="status-item warn" role="status">
          {connection === 'connecting' ? 'Connecting…' : 'Connection lost, reconnecting…'}
        </span>
      )}
      <span className="status-item muted">{client.kind === 'electron' ? 'Desktop' : 'Browser host'}</span>
      {info.status === 'ready' && <span className="status-item muted">v{info.value.version}</span>}
      <button type="button" className="status-item link" onClick={onShowShortcuts}>
        Shortcuts <kbd>?</kbd>
      </button>
    </footer>
  )
}
