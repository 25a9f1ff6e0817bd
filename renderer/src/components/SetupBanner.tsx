// The first-run invitation on the catalogue: labs need the VM, so say so before the learner
// opens a lab and finds nothing to run commands in. Gone as soon as a VM exists.
import type { ReactNode } from 'react'
import { needsSetup, useVmStatus } from '../api/vm'

export function SetupBanner({ onOpenVm }: { onOpenVm: () => void }): ReactNode {
  const vm = useVmStatus()
  if (vm.status !== 'ready' || !needsSetup(vm.value)) return null
  return (
    <section className="setup-banner" aria-labelledby="setup-banner-title" data-testid="setup-banner">
      <div className="setup-banner-icon" aria-hidden="true">
        <svg viewBox="0 0 24 24" width="22" height="22" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round">
          <rect x="3" y="4" width="18" height="12" rx="2" />
          <path d="M8 20h8M12 16v4M7 9l2 2-2 2M11 13h4" />
        </svg>
      </div>
      <div className="setup-banner-text">
        <h2 id="setup-banner-title">Set up your lab VM</h2>
        <p>
          The labs run in a local Debian VM that Chaos Lab creates and can always reset. Setting it up downloads about 1 GB and
          takes several minutes the first time.
        </p>
      </div>
      <button type="button" className="setup-banner-action" onClick={onOpenVm}>
        Set up the VM →
      </button>
    </section>
  )
}
