// The faults a step injects, each a button: Inject while it is not in the ledger, Revert while it
// is. The ledger (useFaults) decides which, not this component's memory: a fault reverted by
// Halt, by another window or by the VM's dead-man's switch turns back into Inject by itself.
import { useState, type ReactNode } from 'react'
import type { LabFault } from '../../../electron/core/api'
import { toErrorInfo, type ErrorInfo } from '../../../electron/core/errors'
import { useClient } from '../api/hooks'
import { useVmReady } from '../api/vm'
import { ErrorPanel } from '../components/ErrorPanel'
import { faultLedgerId, useFaults } from './faults'

export function StepFaults({ labId, faultIds, faults }: { labId: string; faultIds: string[]; faults: LabFault[] }): ReactNode {
  const list = faultIds.map((id) => faults.find((f) => f.id === id) ?? { id, title: id, target: '?' })
  if (list.length === 0) return null
  return (
    <section className="step-faults" aria-labelledby="step-faults-title">
      <h3 id="step-faults-title" className="step-faults-title">{list.length === 1 ? 'Fault' : 'Faults'}</h3>
      <ul>
        {list.map((fault) => <FaultRow key={fault.id} labId={labId} fault={fault} />)}
      </ul>
    </section>
  )
}

function FaultRow({ labId, fault }: { labId: string; fault: LabFault }): ReactNode {
  const client = useClient()
  const vm = useVmReady()
  const { entries } = useFaults()
  const [busy, setBusy] = useState<'inject' | 'revert' | null>(null)
  const [error, setError] = useState<ErrorInfo | null>(null)
  const ledgerId = faultLedgerId(labId, fault.id)
  const active = entries?.some((e) => e.id === ledgerId) ?? false
  const what = `${fault.title} (${fault.target})`

  const run = (kind: 'inject' | 'revert'): void => {
    setBusy(kind)
    setError(null)
    const call = kind === 'inject' ? client.call('faults:inject', { labId, faultId: fault.id }) : client.call('faults:revert', { id: ledgerId })
    call.then(
      () => setBusy(null),
      (err: unknown) => {
        setBusy(null)
        setError(toErrorInfo(err))
      },
    )
  }

  // Reverting stays possible without a connection to try: the error says what to do instead.
  const blocked = !active && !vm.ready
  return (
    <li className={active ? 'fault-row active' : 'fault-row'} data-testid="step-fault" data-fault-id={fault.id} data-active={active}>
      <span className="tooltip-host" title={blocked ? vm.reason : active ? `Undo “${what}”` : `Inject “${what}” in the VM. Halt (Ctrl+Shift+H) undoes every fault.`}>
        {active ? (
          <button type="button" className="revert" disabled={busy !== null} onClick={() => run('revert')}>
            {busy === 'revert' ? 'Reverting…' : `Revert: ${what}`}
          </button>
        ) : (
          <button type="button" className="ghost inject" disabled={busy !== null || blocked} onClick={() => run('inject')}>
            {busy === 'inject' ? 'Injecting…' : `Inject: ${what}`}
          </button>
        )}
      </span>
      <span className="fault-status" role="status">
        {active && <span className="fault-live" aria-hidden="true" />}
        {active ? 'Injected: the VM is broken on purpose' : 'Not injected'}
      </span>
      {error && (
        <div className="fault-error">
          <ErrorPanel error={error} action={<button type="button" className="ghost small" onClick={() => setError(null)}>Dismiss</button>} />
        </div>
      )}
    </li>
  )
}
