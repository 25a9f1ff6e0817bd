import type { ReactNode } from 'react'
import type { VmState } from '../../../electron/core/api'
import { useClient, useConnection, useSnapshot } from '../api/hooks'

const VM_LABELS: Record<VmState, string> = {
  unknown: 'Checking VM…',
  'not-created': 'VM not created',
  creating: 'Creating VM…',
  provisioning: 'Provisioning VM…',
  running: 'VM running',
  stopping: 'Stopping VM…',
  stopped: 'VM stopped',
  suspended: 'VM suspended',
  error: 'VM problem',
}

export function StatusBar({ onShowShortcuts }: { onShowShortcuts: () => void }): ReactNode {
  const client = useClient()
  const connection = useConnection()
  const [vm] = useSnapshot((c) => c.call('vm:status'), ['vm:state-changed'], [])
  const [info] = useSnapshot((c) => c.call('app:info'), [], [])
  const state: VmState = vm.status === 'ready' ? vm.value.state : 'unknown'
  const vmTitle = vm.status === 'ready' && vm.value.error ? `${vm.value.error.message} ${vm.value.error.fix}` : undefined

  return (
    <footer className="status-bar" aria-label="Status">
      <span className="status-item" data-testid="vm-state" data-state={state} title={vmTitle}>
        <span className={`dot dot-${state}`} aria-hidden="true" />
        {VM_LABELS[state]}
        {vm.status === 'ready' && vm.value.detail && <span className="muted">· {vm.value.detail}</span>}
      </span>
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
